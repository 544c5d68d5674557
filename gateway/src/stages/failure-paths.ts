import type { GraphQLFormattedError } from 'graphql';
import { nullPathsOf, type ResourceMap } from '../policy/resource-map';
import type { Stage } from '../pipeline/stage';

const FETCH_FAILURES: ReadonlySet<unknown> = new Set(['SUBGRAPH_UNAVAILABLE', 'SUBGRAPH_ERROR']);

/**
 * A failed subgraph call costs only its own fields (R14), and the caller learns which: an
 * error Apollo's gateway reports without a path is given the paths where that resource's
 * fields came back null.
 */
export function useFailurePaths(map: ResourceMap): Stage {
  return {
    name: 'failure-paths',
    after: ['access'],
    onResult(hub, result) {
      const operation = hub.operation;
      const root = operation && map.schema.getRootType(operation.type);
      const errors = result.body.errors;
      if (!root || !operation.executable || !errors || !result.body.data) return;
      const data = result.body.data;
      result.body.errors = errors.flatMap((error): GraphQLFormattedError[] => {
        const resource = error.extensions?.['resource'];
        if (error.path || !FETCH_FAILURES.has(error.extensions?.['code']) || typeof resource !== 'string') return [error];
        const paths = nullPathsOf(map, hub.levels, operation.executable!.selectionSet, root, data, null, resource);
        return paths.length === 0 ? [error] : paths.map((path) => ({ ...error, path }));
      });
    },
  };
}
