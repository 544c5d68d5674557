import type { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { hubError } from './errors';

export type Role = 'system' | 'officer' | 'auditor' | 'citizen';
export type AccessLevel = 'unlimited' | 'restricted';

/**
 * The caller as the gateway verified it. Subgraphs trust nothing else: the gateway signs
 * this assertion per request with its own key, audience = the subgraph's name.
 */
export interface Caller {
  agency: string;
  sub: string;
  roles: Role[];
  purpose: string;
  caseNumber: string | null;
  /** Set for a citizen reading about themselves (R4). */
  fin: string | null;
  /** The caller's level for this subgraph's resource; `none` never reaches a subgraph. */
  level: AccessLevel;
  registrationNumber: string;
  /** Most results one search may return (R7), set per role in the gateway's policies. */
  searchLimit: number;
  /** A citizen's own FİN as the journal names it (`kid:hex`, one per subjects key), for the uses of their data (R4). */
  subjectHashes?: string[];
  /** With subjectHashes: purposes whose uses the person does not see (R6). */
  hiddenPurposes?: string[];
}

const GATEWAY_ISSUER = 'hub-gateway';
const DEFAULT_SEARCH_LIMIT = 10;
const MAX_SEARCH_LIMIT = 50;
const ASSERTION_ALGORITHMS = ['EdDSA', 'ES256'];

export function loadJwks(path: string): JSONWebKeySet {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
  } catch (error) {
    throw new Error(`Cannot read the gateway's public keys from ${path} (GATEWAY_JWKS_PATH): ${(error as Error).message}`, { cause: error });
  }
}

const unauthenticated = (reason: string) =>
  hubError('UNAUTHENTICATED', `This subgraph answers only the hub gateway: ${reason}.`, { http: { status: 401 } });

type CallerVerifier = (authorization: string | undefined) => Promise<Caller>;

export function createCallerVerifier(audience: string, jwks: JSONWebKeySet): CallerVerifier {
  const keys = createLocalJWKSet(jwks);
  return async (authorization) => {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated('no gateway assertion');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer: GATEWAY_ISSUER, audience, algorithms: ASSERTION_ALGORITHMS, clockTolerance: 5 }));
    } catch (error) {
      throw unauthenticated(`the gateway assertion is not valid (${(error as { code?: string }).code ?? 'invalid'})`);
    }
    const level = payload['level'];
    if (level !== 'unlimited' && level !== 'restricted') throw unauthenticated('the assertion grants no access level');
    return {
      agency: String(payload['agency']),
      sub: String(payload.sub),
      roles: (payload['roles'] as Role[] | undefined) ?? [],
      purpose: String(payload['purpose']),
      caseNumber: (payload['caseNumber'] as string | null | undefined) ?? null,
      fin: (payload['fin'] as string | null | undefined) ?? null,
      level,
      registrationNumber: String(payload['reg']),
      searchLimit: typeof payload['searchLimit'] === 'number' ? Math.min(payload['searchLimit'], MAX_SEARCH_LIMIT) : DEFAULT_SEARCH_LIMIT,
      ...(Array.isArray(payload['subjectHashes']) ? { subjectHashes: (payload['subjectHashes'] as unknown[]).filter((h): h is string => typeof h === 'string') } : {}),
      ...(Array.isArray(payload['hiddenPurposes']) ? { hiddenPurposes: (payload['hiddenPurposes'] as unknown[]).filter((h): h is string => typeof h === 'string') } : {}),
    };
  };
}

export interface SigningKey {
  kid: string;
  privateKey: webcrypto.CryptoKey;
}

/** Signs the per-subgraph assertion; the gateway's half of the protocol above. */
export async function signCallerAssertion(key: SigningKey, audience: string, caller: Caller, ttlSeconds = 60): Promise<string> {
  const { agency, roles, purpose, caseNumber, fin, level, registrationNumber, searchLimit, subjectHashes, hiddenPurposes } = caller;
  return new SignJWT({ agency, roles, purpose, caseNumber, fin, level, reg: registrationNumber, searchLimit, ...(subjectHashes ? { subjectHashes } : {}), ...(hiddenPurposes ? { hiddenPurposes } : {}) })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setIssuer(GATEWAY_ISSUER)
    .setAudience(audience)
    .setSubject(caller.sub)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key.privateKey);
}

/** Creates an Ed25519 key pair, writing the private JWK and the public JWKS. */
export async function createKeyPair(kid: string): Promise<{ privateJwk: JWK; publicJwks: JSONWebKeySet }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return { privateJwk, publicJwks: { keys: [publicJwk] } };
}

export async function importSigningKey(privateJwk: JWK): Promise<SigningKey> {
  if (!privateJwk.kid) throw new Error('signing key has no kid');
  return { kid: privateJwk.kid, privateKey: (await importJWK(privateJwk, privateJwk.alg ?? 'EdDSA')) as webcrypto.CryptoKey };
}
