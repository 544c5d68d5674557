import type { CallerVerifier } from '../identity/callers';
import type { Stage } from '../pipeline/stage';

/** R13: a verified token of a known agency, or a session of the hub's pages; the subgraphs learn the caller only from the gateway's assertion. */
export function useIdentity(callers: CallerVerifier): Stage {
  return {
    name: 'identity',
    async onRequest(hub) {
      hub.identity = await callers.identify(hub.http);
    },
    onSubgraphFetch(hub, call) {
      if (!hub.identity) return;
      const { agency, sub, roles, fin } = hub.identity;
      Object.assign(call.claims, { agency, sub, roles, fin });
    },
  };
}
