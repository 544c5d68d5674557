import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyPair, importSigningKey, type SigningKey } from '@hub/kit';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { IdentityProviders } from '../policy/policies';
import type { AssuranceLevel } from './assurance';
import { ensureSubjectKey } from '../subjects/keys';

/**
 * Development keys, generated on first start and never committed (.keys/ is ignored):
 * the gateway's assertion key and one key pair per agency for `npm run token`. In
 * production the same paths hold keys issued by the PKI (R13) and nothing is generated.
 */
export const gatewayKeyPaths = (dir: string) => ({ privateJwk: join(dir, 'gateway.private.jwk.json'), jwks: join(dir, 'gateway.jwks.json') });
export const agencyKeyPaths = (dir: string, agency: string) => ({
  privateJwk: join(dir, 'agencies', `${agency}.private.jwk.json`),
  jwks: join(dir, 'agencies', `${agency}.jwks.json`),
});

async function ensurePair(paths: { privateJwk: string; jwks: string }, kid: string): Promise<void> {
  if (existsSync(paths.privateJwk) && existsSync(paths.jwks)) return;
  const { privateJwk, publicJwks } = await createKeyPair(kid);
  writeFileSync(paths.privateJwk, JSON.stringify(privateJwk), { mode: 0o600 });
  writeFileSync(paths.jwks, JSON.stringify(publicJwks, null, 2));
}

export async function ensureDevelopmentKeys(dir: string, agencies: Iterable<string>): Promise<void> {
  mkdirSync(join(dir, 'agencies'), { recursive: true });
  await ensurePair(gatewayKeyPaths(dir), `gateway-dev-${Date.now().toString(36)}`);
  ensureSubjectKey(dir);
  for (const agency of agencies) await ensurePair(agencyKeyPaths(dir, agency), `${agency.toLowerCase()}-dev-${Date.now().toString(36)}`);
}

export function readPrivateJwk(path: string): JWK {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    throw new Error(`Cannot read the signing key ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export async function loadGatewaySigningKey(dir: string): Promise<SigningKey> {
  return importSigningKey(readPrivateJwk(gatewayKeyPaths(dir).privateJwk));
}

export interface DevelopmentTokenRequest {
  agency: string;
  roles: string[];
  sub?: string;
  fin?: string;
  ttlSeconds?: number;
  /** The sign-in it stands for, written as the body's own acr value for that level; no acr (so `low`) when absent. */
  assurance?: AssuranceLevel;
  /** Binds the token to a key for DPoP (RFC 9449): the key's SHA-256 JWK thumbprint, as cnf.jkt. */
  jkt?: string;
}

/** A development JWT as an agency's identity provider would issue it, signed with its local key. */
export async function signDevelopmentToken(
  keysDir: string,
  identity: Pick<IdentityProviders, 'issuerOf' | 'audience' | 'acrValuesOf'>,
  request: DevelopmentTokenRequest,
): Promise<string> {
  const jwk = readPrivateJwk(agencyKeyPaths(keysDir, request.agency).privateJwk);
  let acr: string | undefined;
  if (request.assurance) {
    acr = identity.acrValuesOf(request.agency, request.assurance)[0];
    if (acr === undefined) throw new Error(`${request.agency}'s acr table (identity-providers.json) has no value for ${request.assurance}`);
  }
  return new SignJWT({
    agency: request.agency,
    roles: request.roles,
    ...(request.fin ? { fin: request.fin } : {}),
    ...(acr ? { acr } : {}),
    ...(request.jkt ? { cnf: { jkt: request.jkt } } : {}),
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid ?? '' })
    .setIssuer(identity.issuerOf(request.agency))
    .setAudience(identity.audience)
    .setSubject(request.sub ?? `${request.agency.toLowerCase()}-${request.roles[0] ?? 'user'}-dev`)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3600}s`)
    .sign(await importJWK(jwk, 'EdDSA'));
}
