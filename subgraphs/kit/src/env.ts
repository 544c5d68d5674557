import { resolve } from 'node:path';
import { MAX_UNIQUE_PLATES } from './synthetic/identifiers';
import { DEMO_POPULATION, type PopulationOptions } from './synthetic/population';

/** Reads and checks configuration; a bad value stops the process with a message naming it. */
export class ConfigError extends Error {}

export function requireInteger(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}.`);
  }
  return value;
}

export function requireUrl(name: string): string {
  const raw = process.env[name];
  if (!raw) throw new ConfigError(`${name} must be set (a postgres:// URL).`);
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL.`);
  }
  return raw;
}

/** Where development keys live; production mounts real keys at the same paths. */
export const keysDirectory = () => resolve(process.env['HUB_KEYS_DIR'] ?? '.keys');
export const gatewayJwksPath = () => process.env['GATEWAY_JWKS_PATH'] ?? resolve(keysDirectory(), 'gateway.jwks.json');

/** HUB_SEED=demo seeds an empty database with the synthetic population on start. */
export function seedFromEnv(): PopulationOptions | null {
  const mode = process.env['HUB_SEED'] ?? '';
  if (mode === '' || mode === 'none') return null;
  if (mode !== 'demo') throw new ConfigError(`HUB_SEED=${JSON.stringify(mode)}: expected "demo" or "none".`);
  return {
    seed: requireInteger('HUB_SEED_NUMBER', DEMO_POPULATION.seed),
    citizens: requireInteger('HUB_SEED_CITIZENS', DEMO_POPULATION.citizens, 10, MAX_UNIQUE_PLATES),
    foreigners: requireInteger('HUB_SEED_FOREIGNERS', DEMO_POPULATION.foreigners, 1, 1_000_000),
  };
}
