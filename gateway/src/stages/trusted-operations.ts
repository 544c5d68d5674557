import { persistedQueryNotFound, type OperationRegistry } from '../policy/operation-registry';
import { mayRunAdHoc, type Policies } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

/**
 * R7, R6: a ministry system runs the operations registered for its body (policies/operations),
 * named by id; roles the policy allows (`operations: "any"`) may also send text. An id of
 * another body is answered like an unknown one, so ids reveal nothing. The id becomes the
 * operation's reviewed text, and from here on the request is like any other: the same stages
 * decide it, their caches warmed with it before traffic (Stage.warm). Its reviewed name is
 * what the journal keeps.
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
      body.query = registered.source;
      // The registered text holds one operation: a name sent beside the id selects nothing.
      body.operationName = undefined;
    },
  };
}
