import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, DEFAULT_SHUTDOWN_GRACE_MS, keysDirectory, requireInteger, requireUrl } from '@hub/kit';
import { DEFAULT_BREAKER, type BreakerOptions } from './transport';

/** The gateway's environment, checked at start-up; a bad value stops it with the variable's name. */
export interface GatewayConfig {
  port: number;
  host: string;
  supergraphPath: string;
  policiesDir: string;
  keysDir: string;
  auditDatabaseUrl: string;
  redisUrl: string | undefined;
  production: boolean;
  subgraphTimeoutMs: number;
  breaker: BreakerOptions;
  shutdownGraceMs: number;
}

function requireDirectory(name: string, fallback: string, env: NodeJS.ProcessEnv): string {
  const path = resolve(env[name] ?? fallback);
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new ConfigError(`${name}=${JSON.stringify(path)}: no such directory.`);
  return path;
}

function requireFile(name: string, fallback: string, env: NodeJS.ProcessEnv): string {
  const path = resolve(env[name] ?? fallback);
  if (!existsSync(path) || !statSync(path).isFile()) throw new ConfigError(`${name}=${JSON.stringify(path)}: no such file.`);
  return path;
}

function optionalRedisUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env['REDIS_URL'];
  if (!raw) return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new ConfigError('REDIS_URL is not a valid URL.');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new ConfigError(`REDIS_URL: expected a redis:// or rediss:// URL, not ${protocol}//.`);
  return raw;
}

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const mode = env['HUB_MODE'] ?? 'development';
  if (mode !== 'development' && mode !== 'production') throw new ConfigError(`HUB_MODE=${JSON.stringify(mode)}: expected development or production.`);
  const auditVariable = env['AUDIT_DATABASE_URL'] ? 'AUDIT_DATABASE_URL' : 'DATABASE_URL';
  return {
    port: requireInteger('PORT', 4000, 0, 65535),
    host: env['HOST'] ?? '0.0.0.0',
    supergraphPath: requireFile('SUPERGRAPH_PATH', 'schema/supergraph.graphql', env),
    policiesDir: requireDirectory('POLICIES_DIR', 'policies', env),
    keysDir: keysDirectory(),
    auditDatabaseUrl: requireUrl(auditVariable),
    redisUrl: optionalRedisUrl(env),
    production: mode === 'production',
    subgraphTimeoutMs: requireInteger('SUBGRAPH_TIMEOUT_MS', 5_000, 100, 120_000),
    breaker: {
      errorThresholdPercentage: requireInteger('BREAKER_ERROR_PERCENT', DEFAULT_BREAKER.errorThresholdPercentage, 1, 99),
      volumeThreshold: requireInteger('BREAKER_MIN_CALLS', DEFAULT_BREAKER.volumeThreshold, 1, 10_000),
      resetTimeoutMs: requireInteger('BREAKER_RESET_MS', DEFAULT_BREAKER.resetTimeoutMs, 100, 600_000),
      windowMs: requireInteger('BREAKER_WINDOW_MS', DEFAULT_BREAKER.windowMs, 1_000, 600_000),
    },
    shutdownGraceMs: requireInteger('SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
  };
}
