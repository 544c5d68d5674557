import type { GraphQLSchema } from 'graphql';
import { enforceLimits, enforceTokenLimit, limitsFor, type OperationLimits } from '../limits';
import type { LimitsPolicy } from '../limits-policy';
import type { Stage } from '../stage';

/**
 * R7: operation limits per role. Tokens are counted before the document is parsed; depth,
 * aliases, directives, root fields, page size and cost are measured on the caller's own
 * document, before access inlines fragments and cuts fields. The search cap goes to the
 * subgraphs in the assertion.
 */
export function useLimits(schema: GraphQLSchema, policy: LimitsPolicy): Stage {
  const applied = new WeakMap<object, OperationLimits>();
  return {
    name: 'limits',
    after: ['identity', 'trusted-operations'],
    onBody(hub, body) {
      if (!hub.identity) return;
      const limits = limitsFor(policy.byRole, hub.identity.roles);
      applied.set(hub, limits);
      // A registered operation was measured before traffic; only its variables are new.
      if (!body.prepared) enforceTokenLimit(body.query, limits);
    },
    onOperation(hub, operation) {
      const limits = applied.get(hub);
      if (!limits) return;
      if (operation.prepared) operation.prepared.checkVariables(operation.variables);
      else enforceLimits(schema, operation.document, operation.operation, operation.variables, limits);
    },
    onSubgraphFetch(hub, call) {
      const limits = applied.get(hub);
      if (limits) call.claims.searchLimit = limits.searchResults;
    },
  };
}
