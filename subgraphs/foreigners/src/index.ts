import { defineSubgraph } from '@hub/kit';
import { Foreigner, Permit } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { ForeignerResolver, PassportResolver, PersonResolver, referenceResolvers } from './resolvers';
import { seed } from './seed';
import { migrations } from './migrations';

export const foreignersSubgraph = defineSubgraph<Loaders>({
  name: 'foreigners',
  resolvers: [ForeignerResolver, PassportResolver, PersonResolver],
  entities: [Foreigner, Permit],
  migrations,
  referenceResolvers,
  createLoaders,
  seed,
});
