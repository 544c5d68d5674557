import { defineSubgraph } from '@hub/kit';
import { Document, DocumentBlank } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { BlankResolver, DocumentResolver, referenceResolvers } from './resolvers';
import { seed } from './seed';
import { migrations } from './migrations';

export const blanksSubgraph = defineSubgraph<Loaders>({
  name: 'blanks',
  resolvers: [BlankResolver, DocumentResolver],
  // Reached by the gateway through `_entities`; declared so the schema always carries it.
  orphanedTypes: [Document],
  entities: [DocumentBlank],
  migrations,
  referenceResolvers,
  createLoaders,
  seed,
});
