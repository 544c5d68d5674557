/**
 * The nine subgraphs, the one list everything reads: the name (package @hub/<name>, audience of
 * the gateway's assertions), the default port, the database schema it owns and the information
 * resource it serves (policies/resources.json). Connecting a system (İAMAS 7.7) starts here;
 * docs/adding-a-subgraph.md lists the places that cannot read this list, and the tests that check them.
 */
interface CatalogEntry {
  name: string;
  port: number;
  schema: string;
  resource: string;
}

export const SUBGRAPHS = [
  { name: 'citizens', port: 4001, schema: 'citizens', resource: 'citizens' },
  { name: 'foreigners', port: 4002, schema: 'foreigners', resource: 'foreigners' },
  { name: 'border-crossings', port: 4003, schema: 'border_crossings', resource: 'borderCrossings' },
  { name: 'restriction-list', port: 4004, schema: 'restriction_list', resource: 'restrictionList' },
  { name: 'blanks', port: 4005, schema: 'blanks', resource: 'blanks' },
  { name: 'audit', port: 4006, schema: 'audit', resource: 'audit' },
  { name: 'enforcement', port: 4007, schema: 'enforcement', resource: 'enforcement' },
  { name: 'child-data', port: 4008, schema: 'child_data', resource: 'childData' },
  { name: 'appeals', port: 4009, schema: 'appeals', resource: 'appeals' },
] as const satisfies readonly CatalogEntry[];

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export function catalogEntry(name: string): CatalogEntry {
  const entry = SUBGRAPHS.find((s) => s.name === name);
  if (!entry) throw new Error(`unknown subgraph "${name}"; the catalog has ${SUBGRAPHS.map((s) => s.name).join(', ')}`);
  return entry;
}
