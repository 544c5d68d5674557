import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { buildFederatedSchema, type SubgraphModule } from '../subgraph';

/** Composes the supergraph SDL from subgraph modules and the URLs the gateway will call. */
export async function composeSupergraph(entries: ReadonlyArray<{ module: SubgraphModule<unknown>; url: string }>): Promise<{ sdl: string; hints: string[] }> {
  const services = [];
  for (const { module, url } of entries) {
    services.push({ name: module.name, url, typeDefs: parse(printSubgraphSchema(await buildFederatedSchema(module))) });
  }
  const result = composeServices(services);
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  return { sdl: `${result.supergraphSdl.trimEnd()}\n`, hints: result.hints.map((h) => h.toString()) };
}
