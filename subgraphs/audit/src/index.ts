import { journalMigration, type SubgraphModule } from '@hub/kit';
import { AuditRecord } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { migrations } from './migrations';
import { AuditResolver } from './resolvers';

export * from './chain';
export { AuditRecord } from './entities';

export const AUDIT_SCHEMA = 'audit';

/** The central journal starts empty: the gateway fills it, nothing is generated into it. */
export const auditSubgraph: SubgraphModule<Loaders> = {
  name: 'audit',
  defaultPort: 4006,
  resolvers: [AuditResolver],
  entities: [AuditRecord],
  migrations: [journalMigration(AUDIT_SCHEMA), ...migrations],
  referenceResolvers: {},
  createLoaders,
  seed: async () => undefined,
  isSeeded: async () => true,
};

/** The gateway appends to the journal in this schema; it brings the schema up to date itself. */
export const auditJournalSchema = { schema: AUDIT_SCHEMA, entities: auditSubgraph.entities, migrations: auditSubgraph.migrations };
export * from './checkpoints';
export * from './archive';
