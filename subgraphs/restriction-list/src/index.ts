import { defineSubgraph } from '@hub/kit';
import { Document, Person, RestrictionRecord, Vehicle } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { DocumentResolver, PersonResolver, referenceResolvers, RestrictionCheckResolver, VehicleResolver } from './resolvers';
import { seed } from './seed';
import { migrations } from './migrations';

export const restrictionListSubgraph = defineSubgraph<Loaders>({
  name: 'restriction-list',
  resolvers: [RestrictionCheckResolver, PersonResolver, DocumentResolver, VehicleResolver],
  // Reached only through `_entities`, so the schema builder must be told about them.
  orphanedTypes: [Person, Document, Vehicle],
  entities: [RestrictionRecord],
  migrations,
  referenceResolvers,
  createLoaders,
  seed,
});
