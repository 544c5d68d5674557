import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, DEFAULT_SHUTDOWN_GRACE_MS, DEMO_POPULATION } from '@hub/kit';
import { DEFAULT_BREAKER, type BreakerOptions } from './transport';

/**
 * The gateway's environment, read once at start-up into one typed object that is passed
 * down; no other module reads process.env. A bad value stops the gateway naming the variable.
 */
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
  logLevel: string;
  /** SUBGRAPH_URL_<NAME> overrides, by subgraph name. */
  subgraphUrls: Record<string, string>;
  /** The demo population's seed, for the persons the development playground offers. */
  demoSeed: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}.`);
  return value;
}

function url(env: Env, name: string, protocols: readonly string[]): string {
  const raw = env[name];
  if (!raw) throw new ConfigError(`${name} must be set (a ${protocols[0]}// URL).`);
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new ConfigError(`${name} is not a valid URL.`);
  }
  if (!protocols.includes(protocol)) throw new ConfigError(`${name}: expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL, not ${protocol}//.`);
  return raw;
}

function path(env: Env, name: string, fallback: string, kind: 'file' | 'directory'): string {
  const value = resolve(env[name] ?? fallback);
  const ok = existsSync(value) && (kind === 'file' ? statSync(value).isFile() : statSync(value).isDirectory());
  if (!ok) throw new ConfigError(`${name}=${JSON.stringify(value)}: no such ${kind}.`);
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** SUBGRAPH_URL_BORDER_CROSSINGS=http://border-crossings:4003/graphql overrides one URL (docker-compose). */
export function urlOverridesFromEnv(env: Env): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const key of Object.keys(env)) {
    const match = /^SUBGRAPH_URL_([A-Z_]+)$/.exec(key);
    if (match?.[1] && env[key]) overrides[match[1].toLowerCase().replace(/_/g, '-')] = url(env, key, ['http:', 'https:']);
  }
  return overrides;
}

export function gatewayConfigFromEnv(env: Env = process.env): GatewayConfig {
  const mode = env['HUB_MODE'] ?? 'development';
  if (mode !== 'development' && mode !== 'production') throw new ConfigError(`HUB_MODE=${JSON.stringify(mode)}: expected production or development.`);
  const logLevel = env['LOG_LEVEL'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected one of ${LOG_LEVELS.join(', ')}.`);
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env['HOST'] ?? '0.0.0.0',
    supergraphPath: path(env, 'SUPERGRAPH_PATH', 'schema/supergraph.graphql', 'file'),
    policiesDir: path(env, 'POLICIES_DIR', 'policies', 'directory'),
    keysDir: resolve(env['HUB_KEYS_DIR'] ?? '.keys'),
    auditDatabaseUrl: url(env, env['AUDIT_DATABASE_URL'] ? 'AUDIT_DATABASE_URL' : 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: env['REDIS_URL'] ? url(env, 'REDIS_URL', ['redis:', 'rediss:']) : undefined,
    production: mode === 'production',
    subgraphTimeoutMs: integer(env, 'SUBGRAPH_TIMEOUT_MS', 5_000, 100, 120_000),
    breaker: {
      errorThresholdPercentage: integer(env, 'BREAKER_ERROR_PERCENT', DEFAULT_BREAKER.errorThresholdPercentage, 1, 99),
      volumeThreshold: integer(env, 'BREAKER_MIN_CALLS', DEFAULT_BREAKER.volumeThreshold, 1, 10_000),
      resetTimeoutMs: integer(env, 'BREAKER_RESET_MS', DEFAULT_BREAKER.resetTimeoutMs, 100, 600_000),
      windowMs: integer(env, 'BREAKER_WINDOW_MS', DEFAULT_BREAKER.windowMs, 1_000, 600_000),
    },
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
    logLevel,
    subgraphUrls: urlOverridesFromEnv(env),
    demoSeed: integer(env, 'HUB_SEED_NUMBER', DEMO_POPULATION.seed, 0, Number.MAX_SAFE_INTEGER),
  };
}
