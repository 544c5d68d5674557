import { existsSync, statSync } from 'node:fs';
import { ConfigError, DEFAULT_SHUTDOWN_GRACE_MS, EnvReader, tracingConfig, type Environment, type TracingConfig } from '@hub/kit';
import { DEMO_POPULATION } from '@hub/kit/synthetic';
import { DEFAULT_JOURNAL_LIMITS, type JournalLimits } from './journal/writer';
import { DAY_MS, type UpkeepOptions } from './journal/upkeep';
import { DEFAULT_ADMISSION, type AdmissionLimits } from './stages/admission';
import { DEFAULT_BREAKER, type BreakerOptions } from './upstream/transport';
import { policyKeyPaths, type PolicySignatureFiles } from './policy/policy-signature';

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
  /** The policy set's signature and the public key it must verify with (checked in production). */
  policySignature: PolicySignatureFiles;
  /**
   * Reload when the set's files change (POLICY_WATCH=on, the default; off leaves SIGHUP alone),
   * once they have stayed still for debounceMs (POLICY_WATCH_DEBOUNCE_MS, 1000).
   */
  policyWatch: { enabled: boolean; debounceMs: number };
  auditDatabaseUrl: string;
  redisUrl: string | undefined;
  /** Where people and DPoP proofs reach the gateway (https://hub.example.gov.az): sign-in's redirect URI and a proof's `htu` derive from it. */
  publicUrl: string | undefined;
  production: boolean;
  subgraphTimeoutMs: number;
  breaker: BreakerOptions;
  shutdownGraceMs: number;
  logLevel: string;
  /** SUBGRAPH_URL_<NAME> overrides, by subgraph name. */
  subgraphUrls: Record<string, string>;
  /** The demo population's seed, for the persons the development playground offers. */
  demoSeed: number;
  admission: AdmissionLimits;
  journal: JournalLimits;
  /** Journal partitions ahead of time and signed checkpoints (journal/upkeep.ts). */
  upkeep: UpkeepOptions;
  /** OpenTelemetry traces (the standard OTEL_* variables); null when off. */
  tracing: TracingConfig | null;
}

/** A URL of one of the protocols given; EnvReader checks that it parses. */
function urlOf(read: EnvReader, name: string, protocols: readonly string[]): string {
  const raw = read.url(name);
  const protocol = new URL(raw).protocol;
  if (!protocols.includes(protocol)) throw new ConfigError(`${name}: expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL, not ${protocol}//.`);
  return raw;
}

function existing(read: EnvReader, name: string, fallback: string, kind: 'file' | 'directory'): string {
  const value = read.path(name, fallback);
  const ok = existsSync(value) && (kind === 'file' ? statSync(value).isFile() : statSync(value).isDirectory());
  if (!ok) throw new ConfigError(`${name}=${JSON.stringify(value)}: no such ${kind}.`);
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** SUBGRAPH_URL_BORDER_CROSSINGS=http://border-crossings:4003/graphql overrides one URL (docker-compose). */
export function urlOverridesFromEnv(env: Environment): Record<string, string> {
  const read = new EnvReader(env);
  const overrides: Record<string, string> = {};
  for (const key of Object.keys(env)) {
    const match = /^SUBGRAPH_URL_([A-Z_]+)$/.exec(key);
    if (match?.[1] && read.text(key)) overrides[match[1].toLowerCase().replace(/_/g, '-')] = urlOf(read, key, ['http:', 'https:']);
  }
  return overrides;
}

export function gatewayConfigFromEnv(env: Environment): GatewayConfig {
  const read = new EnvReader(env);
  // Secure by default: only the demo launcher (npm start) asks for development.
  const mode = read.text('HUB_MODE') ?? 'production';
  if (mode !== 'development' && mode !== 'production') throw new ConfigError(`HUB_MODE=${JSON.stringify(mode)}: expected production or development.`);
  const logLevel = read.text('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected one of ${LOG_LEVELS.join(', ')}.`);
  const keysDir = read.path('HUB_KEYS_DIR', '.keys');
  const policyFiles = policyKeyPaths(keysDir);
  const watchPolicies = read.text('POLICY_WATCH') ?? 'on';
  if (watchPolicies !== 'on' && watchPolicies !== 'off') throw new ConfigError(`POLICY_WATCH=${JSON.stringify(watchPolicies)}: expected on or off.`);
  return {
    port: read.integer('PORT', 4000, 0, 65535),
    host: read.text('HOST') ?? '0.0.0.0',
    supergraphPath: existing(read, 'SUPERGRAPH_PATH', 'schema/supergraph.graphql', 'file'),
    policiesDir: existing(read, 'POLICIES_DIR', 'policies', 'directory'),
    keysDir,
    policySignature: {
      signaturePath: read.path('POLICY_SIGNATURE_PATH', policyFiles.signature),
      jwksPath: read.path('POLICY_JWKS_PATH', policyFiles.jwks),
    },
    policyWatch: { enabled: watchPolicies === 'on', debounceMs: read.integer('POLICY_WATCH_DEBOUNCE_MS', 1_000, 0, 600_000) },
    auditDatabaseUrl: read.databaseUrl(read.text('AUDIT_DATABASE_URL') ? 'AUDIT_DATABASE_URL' : 'DATABASE_URL'),
    redisUrl: read.text('REDIS_URL') ? urlOf(read, 'REDIS_URL', ['redis:', 'rediss:']) : undefined,
    publicUrl: read.text('HUB_PUBLIC_URL') ? urlOf(read, 'HUB_PUBLIC_URL', ['https:', 'http:']) : undefined,
    production: mode === 'production',
    subgraphTimeoutMs: read.integer('SUBGRAPH_TIMEOUT_MS', 5_000, 100, 120_000),
    breaker: {
      errorThresholdPercentage: read.integer('BREAKER_ERROR_PERCENT', DEFAULT_BREAKER.errorThresholdPercentage, 1, 99),
      volumeThreshold: read.integer('BREAKER_MIN_CALLS', DEFAULT_BREAKER.volumeThreshold, 1, 10_000),
      resetTimeoutMs: read.integer('BREAKER_RESET_MS', DEFAULT_BREAKER.resetTimeoutMs, 100, 600_000),
      windowMs: read.integer('BREAKER_WINDOW_MS', DEFAULT_BREAKER.windowMs, 1_000, 600_000),
      consecutiveTimeouts: read.integer('BREAKER_CONSECUTIVE_TIMEOUTS', DEFAULT_BREAKER.consecutiveTimeouts, 1, 1_000),
    },
    shutdownGraceMs: read.integer('SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
    admission: {
      maxInFlight: read.integer('MAX_IN_FLIGHT', DEFAULT_ADMISSION.maxInFlight, 1, 100_000),
      maxQueued: read.integer('MAX_QUEUED', DEFAULT_ADMISSION.maxQueued, 0, 100_000),
    },
    upkeep: {
      checkpointEveryMs: read.integer('AUDIT_CHECKPOINT_INTERVAL_S', 60, 1, 86_400) * 1000,
      partitionsEveryMs: DAY_MS,
      monthsAhead: 2,
      ...(read.text('AUDIT_CHECKPOINT_DIR') ? { checkpointDir: read.path('AUDIT_CHECKPOINT_DIR', '') } : {}),
    },
    journal: {
      writeTimeoutMs: read.integer('JOURNAL_WRITE_TIMEOUT_MS', DEFAULT_JOURNAL_LIMITS.writeTimeoutMs, 100, 60_000),
      maxQueued: read.integer('JOURNAL_MAX_QUEUED', DEFAULT_JOURNAL_LIMITS.maxQueued, 1, 1_000_000),
    },
    logLevel,
    subgraphUrls: urlOverridesFromEnv(env),
    demoSeed: read.integer('HUB_SEED_NUMBER', DEMO_POPULATION.seed, 0, Number.MAX_SAFE_INTEGER),
    tracing: tracingConfig(read, 'hub-gateway'),
  };
}
