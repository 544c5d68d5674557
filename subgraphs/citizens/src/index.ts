import { defineSubgraph } from '@hub/kit';
import { Citizen, FinRegistration, IssuedDocument, Registration } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CitizenResolver, DocumentResolver, PersonResolver, referenceResolvers } from './resolvers';
import { seed } from './seed';
import { migrations } from './migrations';

export const citizensSubgraph = defineSubgraph<Loaders>({
  name: 'citizens',
  resolvers: [PersonResolver, CitizenResolver, DocumentResolver],
  entities: [FinRegistration, Citizen, IssuedDocument, Registration],
  migrations,
  referenceResolvers,
  createLoaders,
  seed,
});
