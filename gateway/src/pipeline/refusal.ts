import type { HubErrorCode } from '@hub/kit';

export type RefusalCode =
  | HubErrorCode
  | 'GRAPHQL_PARSE_FAILED'
  | 'BAD_REQUEST'
  | 'OVERLOADED'
  | 'SHUTTING_DOWN'
  | 'CONSENT_UNAVAILABLE'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_REQUIRED'
  | 'STEP_UP_REQUIRED';

/**
 * A request the hub will not serve. Every stage of the pipeline throws one of these; the
 * server turns it into a GraphQL error with `extensions.code`, and the audit journal records
 * it as an attempt to exceed authority (6.9.1.5).
 */
export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly httpStatus = 400,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
