import type { OperationDefinitionNode } from 'graphql';
import { levelsKey, type Caches } from '../pipeline/document-cache';
import type { ResourceMap } from '../policy/resource-map';
import { countRecords, requestedCoordinates } from '../policy/resource-map';
import type { Stage } from '../pipeline/stage';

/**
 * What the journal and the quotas count: the schema coordinates read from each resource
 * (once the access cut is done) and the records each resource returned, found by the gateway
 * in the answer itself. No subgraph has to report anything, so a system connected by a
 * supergraph and policy change alone is counted like the hub's own.
 */
export function useRecords(map: ResourceMap, caches: Caches): Stage {
  // What an executable reads depends on it and the levels only: worked out once per pair, shared read-only.
  const requested = caches.create<OperationDefinitionNode, ReadonlyMap<string, ReadonlySet<string>>>('records');
  return {
    name: 'records',
    after: ['access', 'quotas'],
    onOperation(hub, operation) {
      const root = map.schema.getRootType(operation.type);
      const executable = operation.executable;
      if (!root || !executable) return;
      const levels = levelsKey(hub.levels);
      let coordinates = requested.get(executable, levels);
      if (!coordinates) {
        const found = new Map<string, Set<string>>();
        requestedCoordinates(map, hub.levels, executable.selectionSet, root, found);
        requested.set(executable, levels, (coordinates = found));
      }
      hub.requested = coordinates;
    },
    onResult(hub, result) {
      const operation = hub.operation;
      const root = operation && map.schema.getRootType(operation.type);
      if (!root || !operation.executable || result.refusal || !result.body.data) return;
      countRecords(map, hub.levels, operation.executable.selectionSet, root, result.body.data, null, hub.records);
    },
  };
}
