import { GraphQLError } from 'graphql';

/** The error codes the hub answers with; clients branch on `extensions.code`. */
export type HubErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'READ_ONLY'
  | 'QUERY_TOO_BROAD'
  | 'QUERY_TOO_COMPLEX'
  | 'RATE_LIMITED'
  | 'AUDIT_UNAVAILABLE'
  | 'SUBGRAPH_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export function hubError(code: HubErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}
