import type { Logger } from 'pino';
import { ConfigError, openDatabase } from '@hub/kit';
import { auditJournalSchema } from '@hub/audit';
import type { GatewayConfig } from './config';
import { allocateReplicaNumber, PostgresAuditJournal } from './journal';
import { JournalUpkeep, upkeepOptionsFromEnv } from './journal-upkeep';
import { ensureDevelopmentKeys, loadGatewaySigningKey } from './keys';
import { loadLimitsPolicy } from './limits';
import { loadPolicies } from './policies';
import { quotasFromEnv } from './quotas';
import { RegistrationNumbers } from './registration';
import type { GatewayOptions } from './server';
import { loadSupergraph, urlOverridesFromEnv, type SupergraphInfo } from './supergraph';

/** SUBGRAPH_URL_<NAME> must name a subgraph of the supergraph and hold an http(s) URL: a typo would silently keep the default. */
function checkUrlOverrides(overrides: Record<string, string>, supergraph: SupergraphInfo): void {
  const known = new Set(supergraph.subgraphs.map((s) => s.name));
  for (const [name, url] of Object.entries(overrides)) {
    const variable = `SUBGRAPH_URL_${name.toUpperCase().replace(/-/g, '_')}`;
    if (!known.has(name)) throw new ConfigError(`${variable}: the supergraph has no subgraph "${name}" (known: ${[...known].join(', ')}).`);
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new ConfigError(`${variable} is not a valid URL.`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new ConfigError(`${variable}: expected an http:// or https:// URL.`);
  }
}

/** Everything the gateway checks and loads before it takes its first request. */
export async function prepareGateway(config: GatewayConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<GatewayOptions> {
  const policies = loadPolicies(config.policiesDir, env);
  const limits = loadLimitsPolicy(config.policiesDir);
  if (!config.production) await ensureDevelopmentKeys(config.keysDir, policies.agencies.keys());
  const signingKey = await loadGatewaySigningKey(config.keysDir);
  const overrides = urlOverridesFromEnv(env);
  let supergraph: SupergraphInfo;
  try {
    supergraph = loadSupergraph(config.supergraphPath, overrides);
  } catch (error) {
    throw new ConfigError(`SUPERGRAPH_PATH=${JSON.stringify(config.supergraphPath)}: not a composed supergraph (${(error as Error).message}).`);
  }
  checkUrlOverrides(overrides, supergraph);
  for (const { name } of supergraph.subgraphs) {
    if (!policies.resourceOfSubgraph.has(name)) logger.warn({ subgraph: name }, 'no policy binds this subgraph to a resource: it is refused to everyone');
  }
  // The journal lives in the audit resource's schema; whoever starts first brings it up to date.
  const db = await openDatabase({ url: config.auditDatabaseUrl, applicationName: 'hub-gateway-migrate', ...auditJournalSchema });
  await db.destroy();
  const replica = await allocateReplicaNumber(config.auditDatabaseUrl);
  const upkeep = await JournalUpkeep.start(config.auditDatabaseUrl, signingKey, upkeepOptionsFromEnv(env), logger);
  return {
    policies,
    supergraph,
    signingKey,
    journal: PostgresAuditJournal.connect(config.auditDatabaseUrl).keepUp(upkeep),
    registrations: new RegistrationNumbers(RegistrationNumbers.replicaId(replica)),
    logger,
    production: config.production,
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    breaker: config.breaker,
    shutdownGraceMs: config.shutdownGraceMs,
    limits,
    quotas: quotasFromEnv(limits.quotas, config.redisUrl),
  };
}
