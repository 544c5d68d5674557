import { mayIntrospect, type Policies } from '../policy/policies';
import { runsSource } from '../http/graphql-request';
import type { Stage } from '../pipeline/stage';

const SCHEMA_HINT = /\s*Did you mean [^?]*\?/g;

/**
 * What an error may tell the caller. Locations must point into the caller's own document:
 * when the hub's print ran instead (fields cut, several operations), they are left out.
 * Callers that may not introspect get no schema hints ("Did you mean …") either.
 */
export function useErrorHygiene(policies: Policies, production: boolean): Stage {
  return {
    name: 'error-hygiene',
    after: ['identity'],
    onResult(hub, result) {
      const errors = result.body.errors;
      if (!errors) return;
      // Locations point into the text Apollo ran: the caller's own only when it ran their source.
      const dropLocations = hub.operation ? !runsSource(hub.operation) : false;
      const dropHints = !hub.identity || !mayIntrospect(policies, hub.identity.roles, production);
      result.body.errors = errors.map((error) => {
        const { locations, ...rest } = error;
        const message = dropHints ? error.message.replace(SCHEMA_HINT, '') : error.message;
        return { ...rest, message, ...(locations && !dropLocations ? { locations } : {}) };
      });
    },
  };
}
