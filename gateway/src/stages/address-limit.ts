import { LowPriority } from '../low-priority';
import type { Quotas } from '../quotas';
import type { Stage } from '../stage';

/** Refusals decided per turn of the event loop, between which admitted requests' I/O is served. */
export const REFUSALS_PER_TURN = 16;

/**
 * Hostile traffic before identity: an address whose requests keep failing authentication is
 * refused with RATE_LIMITED before its token is even looked at, so a flood costs a counter
 * lookup and a journal record in a group commit, not a signature check each. Counted in
 * Redis when the replicas share it. Its refusals wait for a low-priority turn, so a flood
 * never holds the event loop while a verified caller's answer waits behind it.
 */
export function useAddressLimit(quotas: Quotas): Stage {
  const lowPriority = new LowPriority(REFUSALS_PER_TURN);
  return {
    name: 'address-limit',
    async onRequest(hub) {
      const address = hub.clientAddress;
      if (!address) return;
      try {
        await quotas.admitAddress(address);
      } catch (refusal) {
        await lowPriority.turn();
        throw refusal;
      }
    },
    async onResult(hub, result) {
      const address = hub.clientAddress;
      if (address && result.refusal?.code === 'UNAUTHENTICATED') await quotas.penalizeAddress(address);
    },
  };
}
