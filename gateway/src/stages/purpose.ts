import { checkPurpose } from '../identity/verifier';
import type { Policies } from '../policy/policies';
import type { Stage } from '../pipeline/stage';

/** Every request states why it is made (X-Purpose) and may name its case (X-Case-Number). */
export function usePurpose(policies: Policies): Stage {
  return {
    name: 'purpose',
    after: ['identity'],
    onRequest(hub) {
      if (!hub.identity) return;
      hub.purpose = checkPurpose(policies, hub.identity, hub.header('x-purpose'), hub.header('x-case-number'));
    },
    onSubgraphFetch(hub, call) {
      if (!hub.purpose) return;
      call.claims.purpose = hub.purpose.purpose;
      call.claims.caseNumber = hub.purpose.caseNumber;
    },
  };
}
