import { LRUCache } from 'lru-cache';
import { LowPriority } from '../pipeline/low-priority';
import type { IdentityVerifier } from '../identity/verifier';
import type { Quotas } from '../policy/quotas';
import type { Stage } from '../pipeline/stage';

/** Refusals decided per turn of the event loop, between which other requests' I/O is served. */
export const REFUSALS_PER_TURN = 16;
/** How long a refusal may be held while requests that passed the address check are in flight. */
export const REFUSAL_MAX_HOLD_MS = 25;
/** Refusals held at most at once; past that they are answered without waiting. */
const MAX_HELD_REFUSALS = 1_000;
/**
 * While an address is refused, this many tokens per second the replica has not seen yet are
 * still checked for it: a verified caller's first request behind a flooded proxy passes, and a
 * flood of forged tokens costs at most this many signature checks a second per address.
 */
export const UNSEEN_TOKEN_CHECKS_PER_SECOND = 5;
/** Addresses whose checks are counted at once (the oldest are forgotten first). */
const ADDRESSES_COUNTED = 10_000;

/**
 * Hostile traffic before identity: an address whose requests keep failing authentication is
 * refused with RATE_LIMITED before its token is even looked at, so a flood costs a counter
 * lookup and a journal record in a group commit, not a signature check each. Counted in
 * Redis when the replicas share it. Its refusals are low-priority work: they wait while
 * requests that passed the check are in flight (up to REFUSAL_MAX_HOLD_MS), and go on a few per
 * turn of the event loop, so a flood never holds the loop or the CPU a verified caller waits for.
 *
 * Behind one address may stand a whole ministry (its proxy, a NAT): a request whose token this
 * replica has already verified, and which is still valid, passes without the address check (a
 * lookup in the verifier's cache, no signature check), so one client's flood does not lock out
 * the verified systems and officers beside it. A token not seen yet is verified within a small
 * budget per address and second (UNSEEN_TOKEN_CHECKS_PER_SECOND) and passes if it verifies; past
 * the budget, and for a token that does not verify, the address's refusal stands.
 */
export function useAddressLimit(quotas: Quotas, verifier: IdentityVerifier): Stage {
  const passed = new WeakSet<object>();
  let inFlight = 0;
  const lowPriority = new LowPriority({ perTurn: REFUSALS_PER_TURN, maxWaitMs: REFUSAL_MAX_HOLD_MS, maxWaiting: MAX_HELD_REFUSALS, busy: () => inFlight > 0 });
  /** Per refused address: the second (on the verifier's clock) and the checks of unseen tokens spent in it. */
  const checks = new LRUCache<string, { second: number; spent: number }>({ max: ADDRESSES_COUNTED });
  /** Whether a token the replica has not seen may be checked for this refused address now, and verifies. */
  async function verifiesWithinBudget(address: string, authorization: string | undefined): Promise<boolean> {
    if (!authorization) return false;
    const second = Math.floor(verifier.now() / 1_000);
    const counted = checks.get(address);
    const spent = counted?.second === second ? counted.spent : 0;
    if (spent >= UNSEEN_TOKEN_CHECKS_PER_SECOND) return false;
    checks.set(address, { second, spent: spent + 1 });
    // The token only: a DPoP-bound token's proof is the identity stage's, checked once per request (its jti is single-use).
    return verifier.verifiesToken(authorization);
  }
  return {
    name: 'address-limit',
    async onRequest(hub) {
      const address = hub.clientAddress;
      if (!address) return;
      if (!verifier.knows(hub.header('authorization'))) {
        try {
          await quotas.admitAddress(address);
        } catch (refusal) {
          if (!(await verifiesWithinBudget(address, hub.header('authorization')))) {
            await lowPriority.turn();
            throw refusal;
          }
        }
      }
      passed.add(hub);
      inFlight += 1;
    },
    async onResult(hub, result) {
      if (passed.delete(hub) && --inFlight === 0) lowPriority.wake();
      const address = hub.clientAddress;
      if (address && result.refusal?.code === 'UNAUTHENTICATED') await quotas.penalizeAddress(address);
    },
  };
}
