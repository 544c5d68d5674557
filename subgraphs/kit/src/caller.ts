import { KeyObject, sign, type webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
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

const unauthenticated = (reason: string) => hubError('UNAUTHENTICATED', `This subgraph answers only the hub gateway: ${reason}.`);

type CallerVerifier = (authorization: string | undefined) => Promise<Caller>;

/** Seconds of clock difference between the gateway and a subgraph that are forgiven. */
const CLOCK_TOLERANCE_S = 5;
/** Verified assertions kept until they expire; at most this many, the least recently used dropped first. */
const MAX_CACHED_ASSERTIONS = 10_000;

function callerOf(payload: JWTPayload): Caller {
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
 * Verifies the gateway's assertion for this subgraph with jose: EdDSA only, a key of the
 * gateway's JWKS named by kid, issuer, audience (the subgraph's name), iat and exp. A verified
 * assertion is kept until its exp, so one presented again costs a cache lookup.
 */
export function createCallerVerifier(audience: string, jwks: JSONWebKeySet, now: () => number = Date.now): CallerVerifier {
  const keys = createLocalJWKSet(jwks);
  const cache = new LRUCache<string, { caller: Caller; expiresAtMs: number }>({ max: MAX_CACHED_ASSERTIONS });
  return async (authorization) => {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated('no gateway assertion');
    const nowMs = now();
    const cached = cache.get(token);
    if (cached && nowMs < cached.expiresAtMs) return cached.caller;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['EdDSA'],
        issuer: GATEWAY_ISSUER,
        audience,
        requiredClaims: ['iat', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      cache.delete(token);
      throw unauthenticated(`the gateway assertion is not valid (${error instanceof errors.JOSEError ? error.code : 'invalid'})`);
    }
    const caller = callerOf(payload);
    cache.set(token, { caller, expiresAtMs: payload.exp! * 1000 });
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

/**
 * Signs the per-subgraph assertion, the gateway's half of the protocol above: a compact JWS
 * (EdDSA) that jose verifies, signed with node:crypto's Ed25519 because jose's WebCrypto
 * signing costs twice the CPU on every subgraph call (docs/decisions/0012-assertions-verified-by-jose.md).
 */
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
