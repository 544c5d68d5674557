import { catalogEntry, SUBGRAPHS } from '../catalog';
import type { SubgraphModule } from '../subgraph';

function isSubgraphModule(value: unknown): value is SubgraphModule<unknown> {
  return typeof value === 'object' && value !== null && 'schema' in value && 'resolvers' in value && 'migrations' in value;
}

/** The module package @hub/<name> exports, for the tools that work on every subgraph of the catalog. */
export function loadSubgraphModule(name: string): SubgraphModule<unknown> {
  const entry = catalogEntry(name);
  // The kit cannot depend on its subgraphs at build time; at run time they are workspace packages.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(`@hub/${entry.name}`) as Record<string, unknown>;
  const module = Object.values(loaded).find(isSubgraphModule);
  if (!module) throw new Error(`@hub/${entry.name} exports no subgraph module`);
  return module;
}

/** All nine, in catalog order. */
export const loadSubgraphModules = () => SUBGRAPHS.map((s) => loadSubgraphModule(s.name));
