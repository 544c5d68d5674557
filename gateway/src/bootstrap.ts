import type { Logger } from 'pino';
import { openDatabase } from '@hub/kit';
import { auditJournalSchema } from '@hub/audit';
import type { GatewayConfig } from './config';
import { allocateReplicaNumber, PostgresAuditJournal } from './journal';
import { ensureDevelopmentKeys, loadGatewaySigningKey } from './keys';
import { loadLimitsPolicy } from './limits';
import { loadPolicies } from './policies';
import { quotasFromEnv } from './quotas';
import { RegistrationNumbers } from './registration';
import type { GatewayOptions } from './server';
import { loadSupergraph, urlOverridesFromEnv } from './supergraph';

/** Everything the gateway checks and loads before it takes its first request. */
export async function prepareGateway(config: GatewayConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<GatewayOptions> {
  const policies = loadPolicies(config.policiesDir, env);
  const limits = loadLimitsPolicy(config.policiesDir);
  if (!config.production) await ensureDevelopmentKeys(config.keysDir, policies.agencies.keys());
  const signingKey = await loadGatewaySigningKey(config.keysDir);
  const supergraph = loadSupergraph(config.supergraphPath, urlOverridesFromEnv(env));
  for (const { name } of supergraph.subgraphs) {
    if (!policies.resourceOfSubgraph.has(name)) logger.warn({ subgraph: name }, 'no policy binds this subgraph to a resource: it is refused to everyone');
  }
  // The journal lives in the audit resource's schema; whoever starts first brings it up to date.
  const db = await openDatabase({ url: config.auditDatabaseUrl, applicationName: 'hub-gateway-migrate', ...auditJournalSchema });
  await db.destroy();
  const replica = await allocateReplicaNumber(config.auditDatabaseUrl);
  return {
    policies,
    supergraph,
    signingKey,
    journal: PostgresAuditJournal.connect(config.auditDatabaseUrl),
    registrations: new RegistrationNumbers(RegistrationNumbers.replicaId(replica)),
    logger,
    production: config.production,
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    limits,
    quotas: quotasFromEnv(limits.quotas, env['REDIS_URL']),
  };
}
