import { journalMigration, type SubgraphModule } from '@hub/kit';
import { Citizen, FinRegistration, IssuedDocument, Registration } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { CitizenResolver, DocumentResolver, PersonResolver, referenceResolvers } from './resolvers';
import { isSeeded, seed } from './seed';
import { migrations } from './migrations';

export const citizensSubgraph: SubgraphModule<Loaders> = {
  name: 'citizens',
  defaultPort: 4001,
  resolvers: [PersonResolver, CitizenResolver, DocumentResolver],
  entities: [FinRegistration, Citizen, IssuedDocument, Registration],
  migrations: [journalMigration('citizens'), ...migrations],
  referenceResolvers,
  createLoaders,
  seed,
  isSeeded,
};
