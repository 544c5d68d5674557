import type { IdentityVerifier } from '../identity/verifier';
import type { Stage } from '../pipeline/stage';

/** R13: a verified token of a known agency; the subgraphs learn the caller only from the gateway's assertion. */
export function useIdentity(verifier: IdentityVerifier): Stage {
  return {
    name: 'identity',
    async onRequest(hub) {
      hub.identity = await verifier.verify(hub.header('authorization'));
    },
    onSubgraphFetch(hub, call) {
      if (!hub.identity) return;
      const { agency, sub, roles, fin } = hub.identity;
      Object.assign(call.claims, { agency, sub, roles, fin });
    },
  };
}
