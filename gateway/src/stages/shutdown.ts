import { Refusal } from '../pipeline/refusal';
import type { HubRequest } from '../pipeline/context';
import type { Stage } from '../pipeline/stage';

const shuttingDown = () => new Refusal('SHUTTING_DOWN', 'The hub is stopping; the request was not completed. Send it again.', 503, {}, { 'retry-after': '1' });

/**
 * A bounded stop: requests still running when the grace period ends are answered
 * SHUTTING_DOWN (503) while their connection is still open, and journaled as exactly that,
 * not as whatever they would have become.
 */
export function useShutdown(): Stage & { cutInFlight(): number } {
  const inFlight = new Set<HubRequest>();
  return {
    name: 'shutdown',
    cutInFlight() {
      for (const hub of inFlight) hub.cut(shuttingDown());
      return inFlight.size;
    },
    onRequest(hub) {
      inFlight.add(hub);
    },
    onResult(hub) {
      inFlight.delete(hub);
    },
  };
}
