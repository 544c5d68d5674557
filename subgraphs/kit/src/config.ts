import { resolve } from 'node:path';
import { DEFAULT_SHUTDOWN_GRACE_MS } from './http';
import { databaseHosts } from './primary';
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

/** Everything a subgraph process is configured with. */
interface SubgraphConfig {
  databaseUrl: string;
  port: number;
  /** The gateway's public keys; development keys live in HUB_KEYS_DIR, production mounts real ones at the same path. */
  gatewayJwksPath: string;
  seed: PopulationOptions | null;
  poolSize: number;
  shutdownGraceMs: number;
}

export function subgraphConfig(env: Environment, defaultPort: number): SubgraphConfig {
  const read = new EnvReader(env);
  const keysDir = read.path('HUB_KEYS_DIR', '.keys');
  return {
    databaseUrl: read.databaseUrl('DATABASE_URL'),
    port: read.integer('PORT', defaultPort, 0, 65535),
    gatewayJwksPath: read.path('GATEWAY_JWKS_PATH', resolve(keysDir, 'gateway.jwks.json')),
    seed: seedConfig(read),
    poolSize: read.integer('DATABASE_POOL_SIZE', 10, 1, 200),
    shutdownGraceMs: read.integer('SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000),
  };
}
