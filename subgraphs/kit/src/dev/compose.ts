import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse, type DocumentNode } from 'graphql';
import { buildFederatedSchema, type SubgraphModule } from '../subgraph';

/** A subgraph to compose: a module of this repository, or a schema as text (a candidate `npm run schema:check` weighs). */
export type ComposedSubgraph = { module: SubgraphModule<unknown>; url: string } | { name: string; sdl: string; url: string };

export class CompositionError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`composition failed:\n${errors.map((e) => `- ${e}`).join('\n')}`);
  }
}

/** The subgraph schema a module serves (what `{ _service { sdl } }` answers). */
export async function subgraphSdl(module: SubgraphModule<unknown>): Promise<string> {
  return printSubgraphSchema(await buildFederatedSchema(module));
}

async function typeDefsOf(entry: ComposedSubgraph): Promise<{ name: string; typeDefs: DocumentNode }> {
  if ('module' in entry) return { name: entry.module.name, typeDefs: parse(await subgraphSdl(entry.module)) };
  try {
    return { name: entry.name, typeDefs: parse(entry.sdl) };
  } catch (error) {
    throw new CompositionError([`${entry.name}: ${(error as Error).message}`]);
  }
}

/** Composes the supergraph SDL from the subgraphs and the URLs the gateway will call. */
export async function composeSupergraph(entries: ReadonlyArray<ComposedSubgraph>): Promise<{ sdl: string; hints: string[] }> {
  const services = [];
  for (const entry of entries) services.push({ ...(await typeDefsOf(entry)), url: entry.url });
  const result = composeServices(services);
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return { sdl: `${result.supergraphSdl.trimEnd()}\n`, hints: result.hints.map((h) => h.toString()) };
}
