import { journalMigration, type SubgraphModule } from '@hub/kit';
import { Crossing } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CrossingResolver, DocumentResolver, PersonResolver, referenceResolvers, VehicleResolver } from './resolvers';
import { isSeeded, seed } from './seed';
import { migrations } from './migrations';

export const borderCrossingsSubgraph: SubgraphModule<Loaders> = {
  name: 'border-crossings',
  defaultPort: 4003,
  resolvers: [CrossingResolver, PersonResolver, DocumentResolver, VehicleResolver],
  entities: [Crossing],
  migrations: [journalMigration('border_crossings'), ...migrations],
  referenceResolvers,
  createLoaders,
  seed,
  isSeeded,
};
