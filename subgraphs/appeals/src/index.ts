import { journalMigration, type SubgraphModule } from '@hub/kit';
import { Appeal } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { AppealResolver, PersonResolver, referenceResolvers } from './resolvers';
import { isSeeded, seed } from './seed';
import { migrations } from './migrations';

export const appealsSubgraph: SubgraphModule<Loaders> = {
  name: 'appeals',
  defaultPort: 4009,
  resolvers: [PersonResolver, AppealResolver],
  entities: [Appeal],
  migrations: [journalMigration('appeals'), ...migrations],
  referenceResolvers,
  createLoaders,
  seed,
  isSeeded,
};
