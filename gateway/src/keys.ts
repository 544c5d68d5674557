import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyPair, importSigningKey, type SigningKey } from '@hub/kit';
import type { JWK } from 'jose';

/**
 * Development keys, generated on first start and never committed (.keys/ is ignored):
 * the gateway's assertion key and one key pair per agency for `npm run token`. In
 * production the same paths hold keys issued by the PKI (R13) and nothing is generated.
 */
export const gatewayKeyPaths = (dir: string) => ({ privateJwk: join(dir, 'gateway.private.jwk.json'), jwks: join(dir, 'gateway.jwks.json') });
export const agencyKeyPaths = (dir: string, agency: string) => ({ privateJwk: join(dir, 'agencies', `${agency}.private.jwk.json`), jwks: join(dir, 'agencies', `${agency}.jwks.json`) });

async function ensurePair(paths: { privateJwk: string; jwks: string }, kid: string): Promise<void> {
  if (existsSync(paths.privateJwk) && existsSync(paths.jwks)) return;
  const { privateJwk, publicJwks } = await createKeyPair(kid);
  writeFileSync(paths.privateJwk, JSON.stringify(privateJwk), { mode: 0o600 });
  writeFileSync(paths.jwks, JSON.stringify(publicJwks, null, 2));
}

export async function ensureDevelopmentKeys(dir: string, agencies: Iterable<string>): Promise<void> {
  mkdirSync(join(dir, 'agencies'), { recursive: true });
  await ensurePair(gatewayKeyPaths(dir), `gateway-dev-${Date.now().toString(36)}`);
  for (const agency of agencies) await ensurePair(agencyKeyPaths(dir, agency), `${agency.toLowerCase()}-dev-${Date.now().toString(36)}`);
}

export function readPrivateJwk(path: string): JWK {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    throw new Error(`Cannot read the signing key ${path}: ${(error as Error).message}`);
  }
}

export async function loadGatewaySigningKey(dir: string): Promise<SigningKey> {
  return importSigningKey(readPrivateJwk(gatewayKeyPaths(dir).privateJwk));
}
