import { resolve } from 'node:path';
import { DEFAULT_SHUTDOWN_GRACE_MS } from './http';
import { databaseHosts } from './database-url';
import { MAX_UNIQUE_PLATES } from './synthetic/identifiers';
import { DEMO_POPULATION, type PopulationOptions } from './synthetic/population';

/** A bad configuration value: the process stops with a message naming it. */
export class ConfigError extends Error {}

/** The environment a process entry was given; nothing below the entry reads process.env. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Reads checked values from one environment; an empty value counts as unset. */
export class EnvReader {
  constructor(private readonly env: Environment) {}

  text(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  }

  integer(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}.`);
    }
    return value;
  }

  url(name: string): string {
    const raw = this.text(name);
    if (!raw) throw new ConfigError(`${name} must be set (a postgres:// URL).`);
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(`${name} is not a valid URL.`);
    }
    return raw;
  }

  /** A postgres:// URL, which may list a primary and its standbys as libpq's does (primary.ts). */
  databaseUrl(name: string): string {
    const raw = this.text(name);
    if (!raw) throw new ConfigError(`${name} must be set (a postgres:// URL).`);
    let first: URL;
    try {
      first = new URL(databaseHosts(raw).firstUrl);
    } catch {
      throw new ConfigError(`${name} is not a valid URL.`);
    }
    if (first.protocol !== 'postgres:' && first.protocol !== 'postgresql:') {
      throw new ConfigError(`${name}: expected a postgres:// or postgresql:// URL, not ${first.protocol}//.`);
    }
    return raw;
  }

  /** An absolute path: relative ones are taken from `base`. */
  path(name: string, fallback: string, base = '.'): string {
    return resolve(base, this.text(name) ?? fallback);
  }
}

/** HUB_SEED=demo seeds an empty database with the synthetic population on start. */
function seedConfig(read: EnvReader): PopulationOptions | null {
  const mode = read.text('HUB_SEED') ?? 'none';
  if (mode === 'none') return null;
  if (mode !== 'demo') throw new ConfigError(`HUB_SEED=${JSON.stringify(mode)}: expected "demo" or "none".`);
  return {
    seed: read.integer('HUB_SEED_NUMBER', DEMO_POPULATION.seed),
    citizens: read.integer('HUB_SEED_CITIZENS', DEMO_POPULATION.citizens, 10, MAX_UNIQUE_PLATES),
    foreigners: read.integer('HUB_SEED_FOREIGNERS', DEMO_POPULATION.foreigners, 1, 1_000_000),
  };
}

/** Which traces are kept: OTEL_TRACES_SAMPLER's values, the parent's decision first unless `parentBased` is false. */
export interface TracingSampler {
  root: 'always_on' | 'always_off' | 'traceidratio';
  parentBased: boolean;
  /** For traceidratio: the share of traces kept, 0 to 1 (OTEL_TRACES_SAMPLER_ARG). */
  ratio: number;
}

/** OpenTelemetry traces as the standard OTEL_* variables configure them; null when they are off (tracing.ts). */
export interface TracingConfig {
  /** service.name of every span (OTEL_SERVICE_NAME, else the process's own name). */
  serviceName: string;
  /** Where spans are POSTed as OTLP/HTTP JSON, /v1/traces included. */
  endpoint: string;
  /** Headers of every export (OTEL_EXPORTER_OTLP_HEADERS, _TRACES_HEADERS): an operator's, e.g. a collector's key. */
  headers: Record<string, string>;
  sampler: TracingSampler;
  /** The batch span processor (OTEL_BSP_*). */
  batch: { scheduledDelayMillis: number; maxQueueSize: number; maxExportBatchSize: number; exportTimeoutMillis: number };
}

const SAMPLERS: Record<string, Omit<TracingSampler, 'ratio'>> = {
  always_on: { root: 'always_on', parentBased: false },
  always_off: { root: 'always_off', parentBased: false },
  traceidratio: { root: 'traceidratio', parentBased: false },
  parentbased_always_on: { root: 'always_on', parentBased: true },
  parentbased_always_off: { root: 'always_off', parentBased: true },
  parentbased_traceidratio: { root: 'traceidratio', parentBased: true },
};

/** `key=value,key=value`, values percent-encoded (the OTLP exporter's header format). */
function otlpHeaders(name: string, raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    if (at <= 0) throw new ConfigError(`${name}: expected key=value pairs separated by commas.`);
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

/**
 * Traces are off unless an exporter or an endpoint is named (OTEL_TRACES_EXPORTER=otlp,
 * OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); OTEL_SDK_DISABLED=true and
 * OTEL_TRACES_EXPORTER=none turn them off whatever else is set. Only OTLP over HTTP with JSON.
 */
export function tracingConfig(read: EnvReader, defaultServiceName: string): TracingConfig | null {
  const exporter = read.text('OTEL_TRACES_EXPORTER');
  const traces = read.text('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = read.text('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (read.text('OTEL_SDK_DISABLED')?.toLowerCase() === 'true' || exporter === 'none') return null;
  if (exporter === undefined && traces === undefined && base === undefined) return null;
  if (exporter !== undefined && exporter !== 'otlp') throw new ConfigError(`OTEL_TRACES_EXPORTER=${JSON.stringify(exporter)}: expected otlp or none.`);
  const protocol = read.text('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? read.text('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/json';
  if (protocol !== 'http/json') throw new ConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL=${JSON.stringify(protocol)}: only http/json is supported.`);
  const endpoint = traces ?? `${(base ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  const name = traces !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  let protocolOfUrl: string;
  try {
    protocolOfUrl = new URL(endpoint).protocol;
  } catch {
    throw new ConfigError(`${name} is not a valid URL.`);
  }
  if (protocolOfUrl !== 'http:' && protocolOfUrl !== 'https:') throw new ConfigError(`${name}: expected an http:// or https:// URL.`);
  const samplerName = read.text('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  const sampler = SAMPLERS[samplerName];
  if (!sampler) throw new ConfigError(`OTEL_TRACES_SAMPLER=${JSON.stringify(samplerName)}: expected one of ${Object.keys(SAMPLERS).join(', ')}.`);
  const arg = read.text('OTEL_TRACES_SAMPLER_ARG');
  const ratio = arg === undefined ? 1 : Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(arg)}: expected a number from 0 to 1.`);
  return {
    serviceName: read.text('OTEL_SERVICE_NAME') ?? defaultServiceName,
    endpoint,
    headers: {
      ...otlpHeaders('OTEL_EXPORTER_OTLP_HEADERS', read.text('OTEL_EXPORTER_OTLP_HEADERS')),
      ...otlpHeaders('OTEL_EXPORTER_OTLP_TRACES_HEADERS', read.text('OTEL_EXPORTER_OTLP_TRACES_HEADERS')),
    },
    sampler: { ...sampler, ratio },
    batch: {
      scheduledDelayMillis: read.integer('OTEL_BSP_SCHEDULE_DELAY', 5_000, 0, 600_000),
      maxQueueSize: read.integer('OTEL_BSP_MAX_QUEUE_SIZE', 2_048, 1, 1_000_000),
      maxExportBatchSize: read.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 1_000_000),
      exportTimeoutMillis: read.integer('OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1, 600_000),
    },
  };
}

/** Everything a subgraph process is configured with. */
interface SubgraphConfig {
  databaseUrl: string;
  port: number;
  /** The gateway's public keys; development keys live in HUB_KEYS_DIR, production mounts real ones at the same path. */
  gatewayJwksPath: string;
  seed: PopulationOptions | null;
  poolSize: number;
  shutdownGraceMs: number;
  tracing: TracingConfig | null;
}

export function subgraphConfig(env: Environment, name: string, defaultPort: number): SubgraphConfig {
  const read = new EnvReader(env);
  const keysDir = read.path('HUB_KEYS_DIR', '.keys');
  return {
    databaseUrl: read.databaseUrl('DATABASE_URL'),
    port: read.integer('PORT', defaultPort, 0, 65535),
    gatewayJwksPath: read.path('GATEWAY_JWKS_PATH', resolve(keysDir, 'gateway.jwks.json')),
    seed: seedConfig(read),
    poolSize: read.integer('DATABASE_POOL_SIZE', 10, 1, 200),
    shutdownGraceMs: read.integer('SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
    tracing: tracingConfig(read, `hub-${name}`),
  };
}
