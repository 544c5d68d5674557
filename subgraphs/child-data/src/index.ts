import { journalMigration, type SubgraphModule } from '@hub/kit';
import { ChildProfileRecord } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { ChildProfileResolver, PersonResolver, referenceResolvers } from './resolvers';
import { isSeeded, seed } from './seed';
import { migrations } from './migrations';

export const childDataSubgraph: SubgraphModule<Loaders> = {
  name: 'child-data',
  defaultPort: 4008,
  resolvers: [ChildProfileResolver, PersonResolver],
  entities: [ChildProfileRecord],
  migrations: [journalMigration('child_data'), ...migrations],
  referenceResolvers,
  createLoaders,
  seed,
  isSeeded,
};
