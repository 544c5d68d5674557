import { createPublicKey, KeyObject, sign, verify, type JsonWebKey, type webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from 'jose';
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

export function loadJwks(path: string): JSONWebKeySet {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
  } catch (error) {
    throw new Error(`Cannot read the gateway's public keys from ${path} (GATEWAY_JWKS_PATH): ${(error as Error).message}`, { cause: error });
  }
}

const unauthenticated = (reason: string) => hubError('UNAUTHENTICATED', `This subgraph answers only the hub gateway: ${reason}.`, { http: { status: 401 } });

type CallerVerifier = (authorization: string | undefined) => Promise<Caller>;

/** Seconds of clock difference between the gateway and a subgraph that are forgiven. */
const CLOCK_TOLERANCE_S = 5;
/** Verified assertions kept until they expire; at most this many, the oldest dropped first. */
const MAX_CACHED_ASSERTIONS = 10_000;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Why an assertion is refused, named like jose's error codes so the message reads as before. */
class AssertionRefused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

function decodeJson(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new AssertionRefused('ERR_JWS_INVALID');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AssertionRefused('ERR_JWT_INVALID');
  return value as Record<string, unknown>;
}

/** The JWKS's Ed25519 signing keys by kid: the only keys an assertion may name. */
function verifyingKeys(jwks: JSONWebKeySet): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const jwk of jwks.keys) {
    if (!jwk.kid || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') continue;
    if ((jwk.alg !== undefined && jwk.alg !== 'EdDSA') || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    keys.set(jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  }
  return keys;
}

/**
 * A compact JWS checked with node:crypto: alg EdDSA only, the key named by kid, then the claims
 * jose checked (iss, aud, exp, iat, nbf). Returns the payload; throws AssertionRefused.
 */
function verifiedPayload(token: string, keys: Map<string, KeyObject>, audience: string, nowS: number): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) throw new AssertionRefused('ERR_JWS_INVALID');
  const [encodedHeader, encodedPayload, signature] = parts as [string, string, string];
  const header = decodeJson(encodedHeader);
  if (header['alg'] !== 'EdDSA') throw new AssertionRefused('ERR_JOSE_ALG_NOT_ALLOWED');
  // No extension is understood, so none may be critical.
  if (header['crit'] !== undefined || header['b64'] !== undefined) throw new AssertionRefused('ERR_JWS_INVALID');
  const key = typeof header['kid'] === 'string' ? keys.get(header['kid']) : undefined;
  if (!key) throw new AssertionRefused('ERR_JWKS_NO_MATCHING_KEY');
  if (!verify(null, Buffer.from(`${encodedHeader}.${encodedPayload}`), key, Buffer.from(signature, 'base64url'))) {
    throw new AssertionRefused('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  }
  const payload = decodeJson(encodedPayload);
  const { iss, aud, exp, iat, nbf } = payload;
  if (iss !== GATEWAY_ISSUER) throw new AssertionRefused('ERR_JWT_CLAIM_VALIDATION_FAILED');
  if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) throw new AssertionRefused('ERR_JWT_CLAIM_VALIDATION_FAILED');
  if (typeof iat !== 'number' || iat > nowS + CLOCK_TOLERANCE_S) throw new AssertionRefused('ERR_JWT_CLAIM_VALIDATION_FAILED');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowS + CLOCK_TOLERANCE_S)) throw new AssertionRefused('ERR_JWT_CLAIM_VALIDATION_FAILED');
  if (typeof exp !== 'number' || exp <= nowS - CLOCK_TOLERANCE_S) throw new AssertionRefused('ERR_JWT_EXPIRED');
  return payload;
}

function callerOf(payload: Record<string, unknown>): Caller {
  const level = payload['level'];
  if (level !== 'unlimited' && level !== 'restricted') throw unauthenticated('the assertion grants no access level');
  const searchLimit = payload['searchLimit'];
  // Shared by every request that presents the same assertion: nobody may change it.
  return Object.freeze({
    agency: String(payload['agency']),
    sub: String(payload['sub']),
    roles: Object.freeze([...((payload['roles'] as Role[] | undefined) ?? [])]) as Role[],
    purpose: String(payload['purpose']),
    caseNumber: (payload['caseNumber'] as string | null | undefined) ?? null,
    fin: (payload['fin'] as string | null | undefined) ?? null,
    level,
    registrationNumber: String(payload['reg']),
    searchLimit: typeof searchLimit === 'number' ? Math.min(searchLimit, MAX_SEARCH_LIMIT) : DEFAULT_SEARCH_LIMIT,
    ...(Array.isArray(payload['subjectHashes'])
      ? { subjectHashes: Object.freeze((payload['subjectHashes'] as unknown[]).filter((h): h is string => typeof h === 'string')) as string[] }
      : {}),
    ...(Array.isArray(payload['hiddenPurposes'])
      ? { hiddenPurposes: Object.freeze((payload['hiddenPurposes'] as unknown[]).filter((h): h is string => typeof h === 'string')) as string[] }
      : {}),
  });
}

/**
 * Verifies the gateway's assertion for this subgraph (audience = its name). A verified
 * assertion is kept until its exp, so one presented again costs a map lookup.
 */
export function createCallerVerifier(audience: string, jwks: JSONWebKeySet, now: () => number = Date.now): CallerVerifier {
  const keys = verifyingKeys(jwks);
  const cache = new Map<string, { caller: Caller; expiresAtMs: number }>();
  return async (authorization) => {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated('no gateway assertion');
    const nowMs = now();
    const cached = cache.get(token);
    if (cached && nowMs < cached.expiresAtMs) return cached.caller;
    cache.delete(token);
    let payload;
    try {
      payload = verifiedPayload(token, keys, audience, Math.floor(nowMs / 1000));
    } catch (error) {
      throw unauthenticated(`the gateway assertion is not valid (${error instanceof AssertionRefused ? error.code : 'invalid'})`);
    }
    const caller = callerOf(payload);
    if (cache.size >= MAX_CACHED_ASSERTIONS) cache.delete(cache.keys().next().value!);
    cache.set(token, { caller, expiresAtMs: (payload['exp'] as number) * 1000 });
    return caller;
  };
}

export interface SigningKey {
  kid: string;
  privateKey: webcrypto.CryptoKey;
}

const signers = new WeakMap<webcrypto.CryptoKey, KeyObject>();

function signerOf(key: SigningKey): KeyObject {
  let signer = signers.get(key.privateKey);
  if (!signer) {
    signer = KeyObject.from(key.privateKey);
    signers.set(key.privateKey, signer);
  }
  return signer;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs the per-subgraph assertion (a compact JWS, EdDSA, with node:crypto); the gateway's half of the protocol above. */
export function signCallerAssertion(key: SigningKey, audience: string, caller: Caller, ttlSeconds = 60): Promise<string> {
  const { agency, roles, purpose, caseNumber, fin, level, registrationNumber, searchLimit, subjectHashes, hiddenPurposes } = caller;
  const iat = Math.floor(Date.now() / 1000);
  const input = `${base64url({ alg: 'EdDSA', kid: key.kid })}.${base64url({
    agency,
    roles,
    purpose,
    caseNumber,
    fin,
    level,
    reg: registrationNumber,
    searchLimit,
    ...(subjectHashes ? { subjectHashes } : {}),
    ...(hiddenPurposes ? { hiddenPurposes } : {}),
    iss: GATEWAY_ISSUER,
    aud: audience,
    sub: caller.sub,
    iat,
    exp: iat + ttlSeconds,
  })}`;
  return Promise.resolve(`${input}.${sign(null, Buffer.from(input), signerOf(key)).toString('base64url')}`);
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
