import { defineSubgraph } from '@hub/kit';
import { ChildProfileRecord } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { ChildProfileResolver, PersonResolver, referenceResolvers } from './resolvers';
import { seed } from './seed';
import { migrations } from './migrations';

export const childDataSubgraph = defineSubgraph<Loaders>({
  name: 'child-data',
  resolvers: [ChildProfileResolver, PersonResolver],
  entities: [ChildProfileRecord],
  migrations,
  referenceResolvers,
  createLoaders,
  seed,
});
