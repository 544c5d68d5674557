import { defineSubgraph } from '@hub/kit';
import { EnforcementAction, EnforcementCaseRecord } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { EnforcementCaseResolver, PersonResolver, referenceResolvers } from './resolvers';
import { seed } from './seed';
import { migrations } from './migrations';

export const enforcementSubgraph = defineSubgraph<Loaders>({
  name: 'enforcement',
  resolvers: [EnforcementCaseResolver, PersonResolver],
  entities: [EnforcementCaseRecord, EnforcementAction],
  migrations,
  referenceResolvers,
  createLoaders,
  seed,
});
