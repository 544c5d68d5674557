import { journalMigration, type SubgraphModule } from '@hub/kit';
import { EnforcementAction, EnforcementCaseRecord } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { EnforcementCaseResolver, PersonResolver, referenceResolvers } from './resolvers';
import { isSeeded, seed } from './seed';
import { migrations } from './migrations';

export const enforcementSubgraph: SubgraphModule<Loaders> = {
  name: 'enforcement',
  defaultPort: 4007,
  resolvers: [EnforcementCaseResolver, PersonResolver],
  entities: [EnforcementCaseRecord, EnforcementAction],
  migrations: [journalMigration('enforcement'), ...migrations],
  referenceResolvers,
  createLoaders,
  seed,
  isSeeded,
};
