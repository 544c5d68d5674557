import type { Quotas } from '../policy/quotas';
import type { Stage } from '../pipeline/stage';

/**
 * R7: requests per minute per agency and caller, records per day, key walking. Admission
 * before anything is parsed; settlement from the records the caller actually received.
 */
export function useQuotas(quotas: Quotas): Stage {
  return {
    name: 'quotas',
    after: ['identity'],
    async onRequest(hub) {
      if (hub.identity) await quotas.admit(hub.identity);
    },
    async onResult(hub, result) {
      if (!hub.identity || result.refusal) return;
      await quotas.settle(hub.identity, hub.totalRecords(), hub.requested.size > 0);
    },
  };
}
