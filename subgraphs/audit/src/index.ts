import { defineSubgraph } from '@hub/kit';
import { AuditRecord } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { migrations } from './migrations';
import { AuditResolver } from './resolvers';
import { DataUsesResolver } from './data-uses';

export * from './chain';
export { AuditRecord } from './entities';

/** The central journal starts empty: the gateway fills it, nothing is generated into it. */
export const auditSubgraph = defineSubgraph<Loaders>({
  name: 'audit',
  resolvers: [AuditResolver, DataUsesResolver],
  entities: [AuditRecord],
  migrations,
  createLoaders,
});

/** The gateway appends to the journal in this schema; it brings the schema up to date itself. */
export const auditJournalSchema = { schema: auditSubgraph.schema, entities: auditSubgraph.entities, migrations: auditSubgraph.migrations };
export * from './checkpoints';
export * from './archive';
