import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { Caches } from '../pipeline/document-cache';
import {
  boundLimits,
  checkPages,
  enforceLimits,
  enforceTokenLimit,
  LIMIT_NAMES,
  limitsFor,
  type LimitsBound,
  type OperationLimits,
} from '../policy/operation-limits';
import type { LimitsPolicy } from '../policy/limits';
import { ROLES } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

/** Kept for an operation whose verdict depends on more than its page sizes: each request is measured. */
const PER_REQUEST = 'per-request';

/**
 * R7: operation limits per role. Tokens are counted before the document is parsed; depth,
 * aliases, directives, root fields, page size and cost are measured on the caller's own
 * document, before access inlines fragments and cuts fields. An operation found within the
 * limits for every page size up to the limit (policy/operation-limits.ts, boundLimits) is
 * measured once; then each request checks its page sizes only. The search cap goes to the
 * subgraphs in the assertion.
 */
export function useLimits(schema: GraphQLSchema, policy: LimitsPolicy, caches: Caches): Stage {
  const applied = new WeakMap<object, OperationLimits>();
  // Texts within limits once (document-cache.ts): a refusal is measured anew every time.
  const tokenCounts = caches.create<string, number>('token-counts', true);
  const verdicts = caches.create<DocumentNode, LimitsBound | typeof PER_REQUEST>('limits');
  const keyOf = (operationName: string | null, limits: OperationLimits) => `${operationName ?? ''}\n${LIMIT_NAMES.map((name) => limits[name]).join(',')}`;
  const verdictOf = (document: DocumentNode, operation: OperationDefinitionNode, limits: OperationLimits, key: string) => {
    let verdict = verdicts.get(document, key);
    if (verdict === undefined) {
      try {
        verdict = boundLimits(schema, document, operation, limits) ?? PER_REQUEST;
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        // Over the limits for some page sizes: whether this request is, its own variables say.
        verdict = PER_REQUEST;
      }
      verdicts.set(document, key, verdict);
    }
    return verdict;
  };
  return {
    name: 'limits',
    after: ['identity', 'trusted-operations'],
    onBody(hub, body) {
      if (!hub.identity) return;
      const limits = limitsFor(policy.byRole, hub.identity.roles);
      applied.set(hub, limits);
      const counted = tokenCounts.get(body.query);
      if (counted === undefined || counted > limits.tokens) tokenCounts.set(body.query, '', enforceTokenLimit(body.query, limits));
    },
    onOperation(hub, operation) {
      const limits = applied.get(hub);
      if (!limits) return;
      const verdict = verdictOf(operation.document, operation.operation, limits, keyOf(operation.operationName, limits));
      if (verdict === PER_REQUEST) enforceLimits(schema, operation.document, operation.operation, operation.variables, limits);
      else checkPages(verdict, operation.variables, limits);
    },
    onSubgraphFetch(hub, call) {
      const limits = applied.get(hub);
      if (limits) call.claims.searchLimit = limits.searchResults;
    },
    warm(registered) {
      for (const role of ROLES) {
        const limits = limitsFor(policy.byRole, [role]);
        try {
          tokenCounts.set(registered.source, '', enforceTokenLimit(registered.source, limits));
        } catch {
          // Over this role's token limit: counted anew for each request, as any text over it.
        }
        verdictOf(registered.document, registered.operation, limits, keyOf(registered.operation.name?.value ?? null, limits));
      }
    },
  };
}
