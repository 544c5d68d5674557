import { mayIntrospect, type Policies } from '../policies';
import type { Stage } from '../stage';

const SCHEMA_HINT = /\s*Did you mean [^?]*\?/g;

/**
 * What an error may tell the caller. Locations must point into the caller's own document:
 * when access cut fields, the executed document is another one, so they are left out.
 * Callers that may not introspect get no schema hints ("Did you mean …") either.
 */
export function useErrorHygiene(policies: Policies, production: boolean): Stage {
  return {
    name: 'error-hygiene',
    after: ['identity'],
    onResult(hub, result) {
      const errors = result.body.errors;
      if (!errors) return;
      const dropLocations = hub.operation?.changed === true;
      const dropHints = !hub.identity || !mayIntrospect(policies, hub.identity.roles, production);
      result.body.errors = errors.map((error) => {
        const { locations, ...rest } = error;
        const message = dropHints ? error.message.replace(SCHEMA_HINT, '') : error.message;
        return { ...rest, message, ...(locations && !dropLocations ? { locations } : {}) };
      });
    },
  };
}
