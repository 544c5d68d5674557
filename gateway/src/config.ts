import { resolve } from 'node:path';
import { ConfigError, keysDirectory, requireInteger, requireUrl } from '@hub/kit';

/** The gateway's environment, checked at start-up; a bad value stops it with the variable's name. */
export interface GatewayConfig {
  port: number;
  host: string;
  supergraphPath: string;
  policiesDir: string;
  keysDir: string;
  auditDatabaseUrl: string;
  production: boolean;
  subgraphTimeoutMs: number;
}

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const mode = env['HUB_MODE'] ?? 'development';
  if (mode !== 'development' && mode !== 'production') throw new ConfigError(`HUB_MODE=${JSON.stringify(mode)}: expected development or production.`);
  const auditVariable = env['AUDIT_DATABASE_URL'] ? 'AUDIT_DATABASE_URL' : 'DATABASE_URL';
  return {
    port: requireInteger('PORT', 4000, 0, 65535),
    host: env['HOST'] ?? '0.0.0.0',
    supergraphPath: resolve(env['SUPERGRAPH_PATH'] ?? 'schema/supergraph.graphql'),
    policiesDir: resolve(env['POLICIES_DIR'] ?? 'policies'),
    keysDir: keysDirectory(),
    auditDatabaseUrl: requireUrl(auditVariable),
    production: mode === 'production',
    subgraphTimeoutMs: requireInteger('SUBGRAPH_TIMEOUT_MS', 5_000, 100, 120_000),
  };
}
