import type { CallerVerifier } from '../identity/callers';
import type { ProofRequest } from '../identity/dpop';
import type { HubRequest } from '../pipeline/context';
import type { Stage } from '../pipeline/stage';

/** R13: a verified token of a known agency, or a session of the hub's pages; the subgraphs learn the caller only from the gateway's assertion. */
export function useIdentity(callers: CallerVerifier): Stage {
  return {
    name: 'identity',
    async onRequest(hub) {
      hub.identity = await callers.identify(hub.http, proofRequest(hub));
    },
    onSubgraphFetch(hub, call) {
      if (!hub.identity) return;
      const { agency, sub, roles, fin } = hub.identity;
      Object.assign(call.claims, { agency, sub, roles, fin });
    },
  };
}

/** What a DPoP proof must match (RFC 9449 4.3): the method and the path received, every DPoP header sent. */
function proofRequest(hub: HubRequest): ProofRequest {
  return { proof: hub.http.headers['dpop'], method: hub.http.method ?? '', path: (hub.http.url ?? '/').split('?')[0]! };
}
