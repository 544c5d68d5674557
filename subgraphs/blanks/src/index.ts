import { journalMigration, type SubgraphModule } from '@hub/kit';
import { Document, DocumentBlank } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { BlankResolver, DocumentResolver, referenceResolvers } from './resolvers';
import { isSeeded, seed } from './seed';
import { migrations } from './migrations';

export const blanksSubgraph: SubgraphModule<Loaders> = {
  name: 'blanks',
  defaultPort: 4005,
  resolvers: [BlankResolver, DocumentResolver],
  // Reached by the gateway through `_entities`; declared so the schema always carries it.
  orphanedTypes: [Document],
  entities: [DocumentBlank],
  migrations: [journalMigration('blanks'), ...migrations],
  referenceResolvers,
  createLoaders,
  seed,
  isSeeded,
};
