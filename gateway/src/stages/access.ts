import { hubError, type AccessLevel } from '@hub/kit';
import type { AccessDecision, AccessPolicy } from '../policy/access';
import { levelsKey, PerDocument } from '../pipeline/document-cache';
import { levelsFor, type Policies } from '../policy/policies';
import type { Stage } from '../pipeline/stage';

/**
 * R8: the caller's level per resource from the matrix and the role. Fields of resources at
 * 'none' are cut out before planning, so their subgraphs are never called, and each cut is
 * answered with one FORBIDDEN error on its path. The level goes to the subgraph in the
 * assertion; `restricted` is the owning subgraph's to apply.
 */
export function useAccess(policies: Policies, access: AccessPolicy): Stage {
  // The decision depends on the document and the levels only (document-cache.ts); shared, so never changed.
  const decisions = new PerDocument<AccessDecision>();
  // The levels depend on the agency and the roles only; one shared map per pair, so what is kept per levels (resource-map.ts, records) is found again.
  const levelsOf = new Map<string, ReadonlyMap<string, AccessLevel>>();
  return {
    name: 'access',
    after: ['identity', 'limits'],
    onOperation(hub, operation) {
      if (!hub.identity) return;
      const { agency, roles } = hub.identity;
      // A verified token names a known agency and known roles: the pairs are few.
      const callerKey = `${agency}\n${[...roles].sort().join(',')}`;
      let levels = levelsOf.get(callerKey);
      if (!levels) levelsOf.set(callerKey, (levels = levelsFor(policies, agency, roles)));
      hub.levels = levels;
      // A registered operation was cut once for the caller's roles, so for these very levels.
      let decision = operation.prepared?.access;
      if (!decision) {
        const key = `${operation.operationName ?? ''}\n${levelsKey(hub.levels)}`;
        decision = decisions.get(operation.document, key);
        if (!decision) {
          decision = access.apply(operation.document, operation.operation, hub.levels);
          decisions.set(operation.document, key, decision);
        }
      }
      hub.forbidden = decision.forbidden;
      operation.executable = decision.document;
      operation.changed = decision.forbidden.length > 0;
    },
    onSubgraphFetch(hub, call) {
      const level = call.resource ? hub.levels.get(call.resource) : undefined;
      // The cut above removed every field of a resource at 'none'; this is the last line.
      if (!level) throw hubError('FORBIDDEN', `No access to the subgraph "${call.subgraph}".`);
      call.claims.level = level;
    },
    onResult(hub, result) {
      if (result.refusal || hub.forbidden.length === 0) return;
      const forbidden = hub.forbidden.map((f) => ({
        message: `No access to the resource "${f.resource}" for ${hub.identity?.agency ?? 'this caller'}; the field was not requested from it.`,
        path: f.path,
        extensions: { code: 'FORBIDDEN', resource: f.resource },
      }));
      result.body.errors = [...(result.body.errors ?? []), ...forbidden];
    },
  };
}
