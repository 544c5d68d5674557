import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/** The one method check: null when the method is allowed. Pages outside the pipelines use it too (http/pages.ts). */
export function wrongMethod(method: string | undefined, allowed: readonly string[], why = ''): Refusal | null {
  if (method !== undefined && allowed.includes(method)) return null;
  const methods = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed.join('');
  return new Refusal('BAD_REQUEST', `Use ${methods}${why}.`, 405, { reason: 'METHOD' }, { allow: allowed.join(', ') });
}

export interface HttpRules {
  methods: readonly string[];
  /** The body must be declared JSON (GraphQL requests). */
  json?: boolean;
  /** Said after "Use POST": why the route takes no other method. */
  why?: string;
}

/**
 * The route's methods and media type, refused before the caller is even identified and
 * journaled like every refusal. For /graphql only POST with a JSON body is served: a query and
 * its variables in a URL would end up in every proxy's and load balancer's access log. A
 * client that asks for the GraphQL-over-HTTP media type gets it.
 */
export function useHttp(rules: HttpRules): Stage {
  return {
    name: 'http',
    onRequest(hub) {
      const refusal = wrongMethod(hub.http.method, rules.methods, rules.why);
      if (refusal) {
        hub.http.resume();
        throw refusal;
      }
      if (!rules.json) return;
      const type = (hub.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') {
        hub.http.resume();
        throw new Refusal('BAD_REQUEST', 'Send the request body as application/json.', 415, { reason: 'CONTENT_TYPE' });
      }
    },
    onResult(hub, result) {
      if ((hub.header('accept') ?? '').includes(GRAPHQL_RESPONSE)) result.headers['content-type'] = `${GRAPHQL_RESPONSE}; charset=utf-8`;
    },
  };
}
