import type { OperationDefinitionNode } from 'graphql';
import { levelsKey, type Caches } from '../pipeline/document-cache';
import type { ResourceMap } from '../policy/resource-map';
import { countRecords, requestedCoordinates } from '../policy/resource-map';
import type { HubRequest } from '../pipeline/context';
import type { Stage } from '../pipeline/stage';

/**
 * What the journal and the quotas count: the schema coordinates read from each resource
 * (once the access cut is done) and the records each resource returned, found by the gateway
 * in the answer itself. No subgraph has to report anything, so a system connected by a
 * supergraph and policy change alone is counted like the hub's own. A field several resources
 * serve (@shareable) is credited to the one whose subgraph the plan asked for it.
 */
export function useRecords(map: ResourceMap, caches: Caches): Stage {
  // What an executable reads depends on it and the levels only: worked out once per pair, shared read-only.
  const requested = caches.create<OperationDefinitionNode, ReadonlyMap<string, ReadonlySet<string>>>('records');
  /** Each request's subgraph calls, in plan order: resource and query text, read only if a shared field needs them. */
  const fetched = new WeakMap<HubRequest, Array<{ resource: string; query: string }>>();
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
    onSubgraphFetch(hub, call) {
      if (!call.resource) return;
      let calls = fetched.get(hub);
      if (!calls) fetched.set(hub, (calls = []));
      calls.push({ resource: call.resource, query: call.query });
    },
    onResult(hub, result) {
      const operation = hub.operation;
      const root = operation && map.schema.getRootType(operation.type);
      if (!root || !operation.executable || result.refusal || !result.body.data) return;
      const calls = fetched.get(hub) ?? [];
      const credited = new Map<string, string>();
      const servedBy = (coordinate: string): string | null => {
        const resource = calls.find((call) => map.served(call.query).has(coordinate))?.resource ?? null;
        if (resource) credited.set(coordinate, resource);
        return resource;
      };
      countRecords(map, hub.levels, operation.executable.selectionSet, root, result.body.data, null, hub.records, servedBy);
      if (credited.size === 0) return;
      // The shared requested map stays as it is: this request's own copy names the credited fields too.
      const own = new Map([...hub.requested].map(([resource, coordinates]) => [resource, new Set(coordinates)]));
      for (const [coordinate, resource] of credited) own.set(resource, (own.get(resource) ?? new Set()).add(coordinate));
      hub.requested = own;
    },
  };
}
