import { NoSchemaIntrospectionCustomRule, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Caches } from '../pipeline/document-cache';
import { mayIntrospect, type Policies } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

/** Introspection in production only for roles the policy lets introspect (roles.json); others read the published schema. */
export function useIntrospection(schema: GraphQLSchema, policies: Policies, production: boolean, caches: Caches): Stage {
  // graphql-js's own rule decides what introspects; once per document.
  const verdicts = caches.create<DocumentNode, boolean>('introspection');
  const introspects = (document: DocumentNode) => {
    let found = verdicts.get(document, '');
    if (found === undefined) verdicts.set(document, '', (found = validate(schema, document, [NoSchemaIntrospectionCustomRule]).length > 0));
    return found;
  };
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
