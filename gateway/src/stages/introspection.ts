import { Kind, visit, type DocumentNode } from 'graphql';
import { mayIntrospect, type Policies } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

/** Introspection in production only for roles the policy lets introspect (roles.json); others read the published schema. */
export function useIntrospection(policies: Policies, production: boolean): Stage {
  return {
    name: 'introspection',
    after: ['identity'],
    onOperation(hub, operation) {
      if (!hub.identity || mayIntrospect(policies, hub.identity.roles, production)) return;
      if (introspects(operation.document)) {
        throw new Refusal('FORBIDDEN', 'Introspection is not available to system callers in production; use the published supergraph schema.', 403, {
          reason: 'INTROSPECTION',
        });
      }
    },
  };
}

export function introspects(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD]: (node) => {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}
