import type { Quotas } from '../quotas';
import type { Stage } from '../stage';

/**
 * Hostile traffic before identity: an address whose requests keep failing authentication is
 * refused with RATE_LIMITED before its token is even looked at, so a flood costs a counter
 * lookup and a journal record in a group commit, not a signature check each. Counted in
 * Redis when the replicas share it.
 */
export function useAddressLimit(quotas: Quotas): Stage {
  return {
    name: 'address-limit',
    async onRequest(hub) {
      const address = hub.clientAddress;
      if (address) await quotas.admitAddress(address);
    },
    async onResult(hub, result) {
      const address = hub.clientAddress;
      if (address && result.refusal?.code === 'UNAUTHENTICATED') await quotas.penalizeAddress(address);
    },
  };
}
