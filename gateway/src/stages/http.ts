import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/**
 * Only POST with a JSON body is served: a query and its variables in a URL would end up in
 * every proxy's and load balancer's access log. Refused before the caller is even identified,
 * and journaled like every refusal. A client that asks for the GraphQL-over-HTTP media type
 * gets it.
 */
export function useHttpPost(): Stage {
  return {
    name: 'http-post',
    onRequest(hub) {
      if (hub.http.method !== 'POST') {
        hub.http.resume();
        throw new Refusal('BAD_REQUEST', 'Use POST with a JSON body: a query in a URL ends up in access logs.', 405, { reason: 'METHOD' }, { allow: 'POST' });
      }
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
