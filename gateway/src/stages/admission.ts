import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

export interface AdmissionLimits {
  /** Requests this replica works on at once. */
  maxInFlight: number;
  /** Requests that may wait for a slot; past that, the answer is OVERLOADED at once. */
  maxQueued: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = { maxInFlight: 256, maxQueued: 512 };

const overloaded = () => new Refusal('OVERLOADED', 'The hub is at capacity; try again in a moment.', 503, {}, { 'retry-after': '1' });

/**
 * Load shedding (R14): a saturated replica answers OVERLOADED (503, Retry-After) at once
 * instead of letting latency grow without bound. /health, /ready and /metrics are not behind
 * it, so probes and scrapes are answered however busy the replica is.
 */
export function useAdmission(limits: AdmissionLimits): Stage & { inFlight(): number; queued(): number } {
  let running = 0;
  const waiting: Array<() => void> = [];
  const holding = new WeakSet<object>();
  return {
    name: 'admission',
    inFlight: () => running,
    queued: () => waiting.length,
    async onRequest(hub) {
      if (running >= limits.maxInFlight) {
        if (waiting.length >= limits.maxQueued) throw overloaded();
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running += 1;
      }
      holding.add(hub);
    },
    onResult(hub) {
      if (!holding.delete(hub)) return;
      // A freed slot goes straight to the next in line, so `running` stays counted.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    },
  };
}
