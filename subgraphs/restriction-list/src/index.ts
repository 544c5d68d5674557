import { journalMigration, type SubgraphModule } from '@hub/kit';
import { Document, Person, RestrictionRecord, Vehicle } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { DocumentResolver, PersonResolver, referenceResolvers, RestrictionCheckResolver, VehicleResolver } from './resolvers';
import { isSeeded, seed } from './seed';
import { migrations } from './migrations';

export const restrictionListSubgraph: SubgraphModule<Loaders> = {
  name: 'restriction-list',
  defaultPort: 4004,
  resolvers: [RestrictionCheckResolver, PersonResolver, DocumentResolver, VehicleResolver],
  // Reached only through `_entities`, so the schema builder must be told about them.
  orphanedTypes: [Person, Document, Vehicle],
  entities: [RestrictionRecord],
  migrations: [journalMigration('restriction_list'), ...migrations],
  referenceResolvers,
  createLoaders,
  seed,
  isSeeded,
};
