import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SUBGRAPHS } from '@hub/kit';
import { composeSupergraph, loadSubgraphModule, type ComposedSubgraph } from '@hub/kit/dev';

/**
 * Composes the supergraph from the subgraphs' own schemas, with the URLs a local start uses
 * (docker-compose overrides them per subgraph: SUBGRAPH_URL_<NAME>). `--check` fails when the
 * checked-in schema/supergraph.graphql is stale.
 */
export const SUPERGRAPH_FILE = resolve(__dirname, '../../../schema/supergraph.graphql');

/** A subgraph's schema as text, in place of its module or beside the nine (`npm run schema:check`). */
export interface CandidateSubgraph {
  name: string;
  sdl: string;
  url: string;
}

export const localSubgraphUrl = (port: number) => `http://localhost:${port}/graphql`;

export function composeLocalSupergraph(candidate?: CandidateSubgraph) {
  const entries: ComposedSubgraph[] = SUBGRAPHS.map(({ name, port }) =>
    name === candidate?.name ? candidate : { module: loadSubgraphModule(name), url: localSubgraphUrl(port) },
  );
  if (candidate && !SUBGRAPHS.some((s) => s.name === candidate.name)) entries.push(candidate);
  return composeSupergraph(entries);
}

async function main(): Promise<void> {
  const { sdl, hints } = await composeLocalSupergraph();
  for (const hint of hints) console.warn(`hint: ${hint}`);
  if (process.argv.includes('--check')) {
    const current = readFileSync(SUPERGRAPH_FILE, 'utf8');
    if (current !== sdl) {
      console.error('schema/supergraph.graphql is stale: run `npm run compose`.');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date.');
    return;
  }
  writeFileSync(SUPERGRAPH_FILE, sdl);
  console.log(`wrote ${SUPERGRAPH_FILE}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
