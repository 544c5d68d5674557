import { defineSubgraph } from '@hub/kit';
import { Crossing } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CrossingResolver, DocumentResolver, PersonResolver, referenceResolvers, VehicleResolver } from './resolvers';
import { seed } from './seed';
import { migrations } from './migrations';

export const borderCrossingsSubgraph = defineSubgraph<Loaders>({
  name: 'border-crossings',
  resolvers: [CrossingResolver, PersonResolver, DocumentResolver, VehicleResolver],
  entities: [Crossing],
  migrations,
  referenceResolvers,
  createLoaders,
  seed,
});
