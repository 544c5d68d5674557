import { defineSubgraph } from '@hub/kit';
import { Appeal } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { AppealResolver, PersonResolver, referenceResolvers } from './resolvers';
import { seed } from './seed';
import { migrations } from './migrations';

export const appealsSubgraph = defineSubgraph<Loaders>({
  name: 'appeals',
  resolvers: [PersonResolver, AppealResolver],
  entities: [Appeal],
  migrations,
  referenceResolvers,
  createLoaders,
  seed,
});
