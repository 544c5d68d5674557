import type { RegistrationNumbers } from '../journal/registration';
import type { Stage } from '../pipeline/stage';

export const REGISTRATION_HEADER = 'x-registration-number';

/**
 * R6: every request gets a hub registration number before anything else, every subgraph
 * call carries it (the subgraphs' own journals keep it), and every answer returns it in the
 * `X-Registration-Number` header and in `extensions.registrationNumber`.
 */
export function useRegistration(numbers: RegistrationNumbers): Stage {
  return {
    name: 'registration',
    onRequest(hub) {
      hub.registrationNumber = numbers.next();
    },
    onSubgraphFetch(hub, call) {
      call.claims.registrationNumber = hub.registrationNumber;
    },
    onResult(hub, result) {
      result.headers[REGISTRATION_HEADER] = hub.registrationNumber;
      result.body.extensions = { ...result.body.extensions, registrationNumber: hub.registrationNumber };
    },
  };
}
