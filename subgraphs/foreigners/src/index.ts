import { journalMigration, type SubgraphModule } from '@hub/kit';
import { Foreigner, Permit } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { ForeignerResolver, PassportResolver, PersonResolver, referenceResolvers } from './resolvers';
import { isSeeded, seed } from './seed';
import { migrations } from './migrations';

export const foreignersSubgraph: SubgraphModule<Loaders> = {
  name: 'foreigners',
  defaultPort: 4002,
  resolvers: [ForeignerResolver, PassportResolver, PersonResolver],
  entities: [Foreigner, Permit],
  migrations: [journalMigration('foreigners'), ...migrations],
  referenceResolvers,
  createLoaders,
  seed,
  isSeeded,
};
