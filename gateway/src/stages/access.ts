import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { hubError, type AccessLevel, type Role } from '@hub/kit';
import type { AccessDecision, AccessPolicy } from '../policy/access';
import { levelsKey, type Caches } from '../pipeline/document-cache';
import { levelsFor, ROLES, type Policies } from '../policy/policies';
import type { Stage } from '../pipeline/stage';

/**
 * R8: the caller's level per resource from the matrix and the role. Fields of resources at
 * 'none' are cut out before planning, so their subgraphs are never called, and each cut is
 * answered with one FORBIDDEN error on its path. The level goes to the subgraph in the
 * assertion; `restricted` is the owning subgraph's to apply.
 */
export function useAccess(policies: Policies, access: AccessPolicy, caches: Caches): Stage {
  // The decision depends on the document and the levels only (document-cache.ts); shared, so never changed.
  const decisions = caches.create<DocumentNode, AccessDecision>('access');
  // The levels depend on the agency and the roles only; one shared map per pair, so what is kept per levels (resource-map.ts, records) is found again.
  const levelsOf = new Map<string, ReadonlyMap<string, AccessLevel>>();
  const levelsOfCaller = (agency: string, roles: readonly Role[]) => {
    // A verified token names a known agency and known roles: the pairs are few.
    const callerKey = `${agency}\n${[...roles].sort().join(',')}`;
    let levels = levelsOf.get(callerKey);
    if (!levels) levelsOf.set(callerKey, (levels = levelsFor(policies, agency, roles)));
    return levels;
  };
  const decide = (document: DocumentNode, operation: OperationDefinitionNode, operationName: string | null, levels: ReadonlyMap<string, AccessLevel>) => {
    const key = `${operationName ?? ''}\n${levelsKey(levels)}`;
    let decision = decisions.get(document, key);
    if (!decision) {
      decision = access.apply(document, operation, levels);
      decisions.set(document, key, decision);
    }
    return decision;
  };
  return {
    name: 'access',
    after: ['identity', 'limits'],
    onOperation(hub, operation) {
      if (!hub.identity) return;
      hub.levels = levelsOfCaller(hub.identity.agency, hub.identity.roles);
      const decision = decide(operation.document, operation.operation, operation.operationName, hub.levels);
      hub.forbidden = decision.forbidden;
      operation.executable = decision.document;
      operation.changed = decision.forbidden.length > 0;
    },
    warm(registered) {
      for (const role of ROLES) {
        decide(registered.document, registered.operation, registered.operation.name?.value ?? null, levelsOfCaller(registered.agency, [role]));
      }
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
