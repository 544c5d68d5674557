import type { GraphQLSchema } from 'graphql';
import { limitsDependOnVariables, PerDocument, TextCache } from '../pipeline/document-cache';
import { enforceLimits, enforceTokenLimit, LIMIT_NAMES, limitsFor, type OperationLimits } from '../policy/operation-limits';
import type { LimitsPolicy } from '../policy/limits';
import type { Stage } from '../pipeline/stage';

/**
 * R7: operation limits per role. Tokens are counted before the document is parsed; depth,
 * aliases, directives, root fields, page size and cost are measured on the caller's own
 * document, before access inlines fragments and cuts fields. The search cap goes to the
 * subgraphs in the assertion.
 */
export function useLimits(schema: GraphQLSchema, policy: LimitsPolicy): Stage {
  const applied = new WeakMap<object, OperationLimits>();
  // Texts and operations found within limits once (document-cache.ts): a refusal is measured anew every time.
  const tokenCounts = new TextCache<number>();
  const passed = new PerDocument<true>();
  return {
    name: 'limits',
    after: ['identity', 'trusted-operations'],
    onBody(hub, body) {
      if (!hub.identity) return;
      const limits = limitsFor(policy.byRole, hub.identity.roles);
      applied.set(hub, limits);
      // A registered operation was measured before traffic; only its variables are new.
      if (!body.prepared) {
        const counted = tokenCounts.get(body.query);
        if (counted === undefined || counted > limits.tokens) tokenCounts.set(body.query, enforceTokenLimit(body.query, limits));
      }
    },
    onOperation(hub, operation) {
      const limits = applied.get(hub);
      if (!limits) return;
      if (operation.prepared) {
        operation.prepared.checkVariables(operation.variables);
        return;
      }
      const key = `${operation.operationName ?? ''}\n${LIMIT_NAMES.map((name) => limits[name]).join(',')}`;
      if (passed.get(operation.document, key)) return;
      const measured = enforceLimits(schema, operation.document, operation.operation, operation.variables, limits);
      if (measured && !limitsDependOnVariables(operation.document)) passed.set(operation.document, key, true);
    },
    onSubgraphFetch(hub, call) {
      const limits = applied.get(hub);
      if (limits) call.claims.searchLimit = limits.searchResults;
    },
  };
}
