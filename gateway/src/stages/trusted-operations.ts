import { persistedQueryNotFound, type OperationRegistry } from '../policy/operation-registry';
import { mayRunAdHoc, type Policies } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

/**
 * R7, R6: a ministry system runs the operations registered for its body (policies/operations),
 * named by id; roles the policy allows (`operations: "any"`) may also send text. An id of
 * another body is answered like an unknown one, so ids reveal nothing. The operation comes
 * decided for the caller's roles (operations.ts); its reviewed name is what the journal keeps.
 */
export function useTrustedOperations(policies: Policies, registry: OperationRegistry): Stage {
  return {
    name: 'trusted-operations',
    after: ['identity'],
    onBody(hub, body) {
      if (!hub.identity) return;
      if (body.documentId === undefined) {
        if (mayRunAdHoc(policies, hub.identity.roles)) return;
        throw new Refusal(
          'PERSISTED_QUERY_REQUIRED',
          'Your role runs only the operations registered for your body: send {"documentId": "sha256:…", "variables": {…}} (npm run operations:check lists them).',
          400,
        );
      }
      const registered = registry.find(hub.identity.agency, body.documentId);
      if (!registered) throw persistedQueryNotFound();
      hub.registeredOperation = { id: registered.id, name: registered.name };
      const prepared = registry.prepare(registered, hub.identity.roles);
      if (prepared.refusal) throw prepared.refusal;
      body.prepared = prepared;
    },
  };
}
