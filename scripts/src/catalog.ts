import type { SubgraphModule } from '@hub/kit';

/**
 * The nine subgraphs: name (= package @hub/<name>, database schema, assertion audience)
 * and default port. Operator commands load them by name, so this list is all they share.
 */
export const SUBGRAPHS = [
  { name: 'citizens', port: 4001 },
  { name: 'foreigners', port: 4002 },
  { name: 'border-crossings', port: 4003 },
  { name: 'restriction-list', port: 4004 },
  { name: 'blanks', port: 4005 },
  { name: 'audit', port: 4006 },
  { name: 'enforcement', port: 4007 },
  { name: 'child-data', port: 4008 },
  { name: 'appeals', port: 4009 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

function isSubgraphModule(value: unknown): value is SubgraphModule<unknown> {
  return typeof value === 'object' && value !== null && 'name' in value && 'resolvers' in value && 'migrations' in value;
}

export function loadSubgraphModule(name: string): SubgraphModule<unknown> {
  if (!SUBGRAPHS.some((s) => s.name === name)) throw new Error(`unknown subgraph "${name}"; known: ${SUBGRAPHS.map((s) => s.name).join(', ')}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(`@hub/${name}`) as Record<string, unknown>;
  const module = Object.values(loaded).find(isSubgraphModule);
  if (!module) throw new Error(`@hub/${name} exports no subgraph module`);
  return module;
}
