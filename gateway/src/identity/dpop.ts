import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, errors, jwtVerify, type JWK } from 'jose';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Refusal } from '../pipeline/refusal';

/**
 * DPoP (RFC 9449): a sender-constrained token is served only with a proof, made for this one
 * request by the holder of the key the token is bound to (cnf.jkt). The signature and the
 * embedded key are jose's (a maintained library); the gateway checks what binds the proof to
 * the request: method, URL, time, a jti never seen before, the token's hash and the key.
 */

/** A proof is made just before its request: older ones are refused (RFC 9449 11.1). */
export const DPOP_PROOF_MAX_AGE_SECONDS = 60;
/** The proof's jti is the caller's text: bounded, and kept only as a hash. */
const MAX_JTI_LENGTH = 256;
/** Members of a private or symmetric key: a proof carries only the public key (RFC 9449 4.2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** What the proof must match: the request as the gateway received it. */
export interface ProofRequest {
  /** The DPoP header(s) as received; several are refused. */
  proof: string | string[] | undefined;
  method: string;
  /** The request's path, without its query. */
  path: string;
}

/** Remembers the proofs seen while they could still be accepted: a second use is a replay. */
export interface ProofReplayCache {
  /** True the first time a key is offered within ttlMs; false for a replay. */
  firstUse(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Proofs kept per replica, at most; past it the oldest are forgotten before their window ends (see MemoryProofReplayCache). */
export const PROOFS_KEPT = 100_000;

/**
 * One replica's memory. Its limits: replicas do not share it (without Redis a proof could be
 * replayed once on each other replica within its window), and past PROOFS_KEPT proofs in one
 * window the oldest are forgotten early. Redis (RedisProofReplayCache) lifts both.
 */
export class MemoryProofReplayCache implements ProofReplayCache {
  private readonly seen: LRUCache<string, true>;
  constructor(max = PROOFS_KEPT) {
    this.seen = new LRUCache<string, true>({ max });
  }
  async firstUse(key: string, ttlMs: number): Promise<boolean> {
    if (this.seen.has(key)) return false;
    this.seen.set(key, true, { ttl: ttlMs });
    return true;
  }
  async close(): Promise<void> {}
}

/** Shared by every replica (SET NX with the proof's window); while Redis is unreachable, this replica's memory stands in. */
export class RedisProofReplayCache implements ProofReplayCache {
  private readonly local = new MemoryProofReplayCache();
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'hub:dpop:',
  ) {}
  async firstUse(key: string, ttlMs: number): Promise<boolean> {
    // Recorded here too, so a replay is caught on this replica even if Redis drops out between the two uses.
    const locally = await this.local.firstUse(key, ttlMs);
    try {
      return (await this.redis.set(this.prefix + key, '1', 'PX', ttlMs, 'NX')) === 'OK' && locally;
    } catch {
      return locally;
    }
  }
  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** The cache the gateway uses: Redis when REDIS_URL is set (as the quotas), this replica's memory otherwise. */
export function proofReplaysFromEnv(redisUrl: string | undefined): ProofReplayCache {
  if (!redisUrl) return new MemoryProofReplayCache();
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  return new RedisProofReplayCache(redis);
}

export interface ProofCheck {
  request: ProofRequest;
  /** HUB_PUBLIC_URL: where callers reach the gateway, so what a proof's htu names. */
  publicUrl: string;
  accessToken: string;
  /** The token's cnf.jkt: the thumbprint of the key that must have signed the proof. */
  jkt: string;
  algorithms: readonly string[];
  clockToleranceSeconds: number;
  now: number;
  replays: ProofReplayCache;
}

/** How a refused proof is answered: UNAUTHENTICATED with the reason, and the DPoP challenge (RFC 9449 7.1). */
export function dpopRefusal(reason: string, algorithms: readonly string[], error: 'invalid_dpop_proof' | 'invalid_token' = 'invalid_dpop_proof'): Refusal {
  return new Refusal('UNAUTHENTICATED', `Authentication failed: ${reason}.`, 401, { reason }, { 'www-authenticate': dpopChallenge(algorithms, error) });
}

export function dpopChallenge(algorithms: readonly string[], error?: string): string {
  return `DPoP ${error ? `error="${error}", ` : ''}algs="${algorithms.join(' ')}"`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** The URL a proof must name for this request: the public URL's origin and path prefix, then the request's path. */
export function expectedHtu(publicUrl: string, path: string): string {
  const base = new URL(publicUrl);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`;
}

/** Throws a Refusal unless the proof is one valid DPoP proof for this request, this token and its key, never used before. */
export async function checkProof(check: ProofCheck): Promise<void> {
  const refuse = (reason: string) => dpopRefusal(reason, check.algorithms);
  const { proof } = check.request;
  if (proof === undefined || proof === '') throw refuse('a DPoP-bound token needs a DPoP proof header');
  // Node joins repeated unknown headers with ", ": a JWS has no comma, so either form is more than one.
  if (Array.isArray(proof) || proof.includes(',')) throw refuse('send exactly one DPoP proof header');

  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw refuse('the DPoP proof is malformed');
  }
  if (header.typ !== 'dpop+jwt') throw refuse('the DPoP proof\'s "typ" must be "dpop+jwt"');
  if (!header.alg || !check.algorithms.includes(header.alg)) throw refuse(`the DPoP proof's algorithm must be one of ${check.algorithms.join(', ')}`);
  const jwk = header.jwk as (JWK & Record<string, unknown>) | undefined;
  if (typeof jwk !== 'object' || jwk === null) throw refuse('the DPoP proof must carry its public key in "jwk"');
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw refuse('the DPoP proof\'s "jwk" must be a public key, with no private part');

  let payload;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...check.algorithms],
      requiredClaims: ['iat', 'jti', 'htm', 'htu', 'ath'],
      maxTokenAge: DPOP_PROOF_MAX_AGE_SECONDS,
      clockTolerance: check.clockToleranceSeconds,
      currentDate: new Date(check.now),
    }));
  } catch (error) {
    throw refuse(describe(error));
  }

  if (payload['htm'] !== check.request.method) throw refuse('the DPoP proof is for another HTTP method (htm)');
  const htu = payload['htu'];
  if (typeof htu !== 'string' || withoutQuery(htu) !== expectedHtu(check.publicUrl, check.request.path))
    throw refuse('the DPoP proof is for another URL (htu)');
  if (payload['ath'] !== sha256(check.accessToken)) throw refuse('the DPoP proof is for another access token (ath)');
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== check.jkt) throw refuse("the DPoP proof is signed by a key other than the token's (cnf.jkt)");
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    throw refuse(`the DPoP proof's "jti" must be 1 to ${MAX_JTI_LENGTH} characters`);
  // Last, so only a proof valid in every other way can take its jti: kept for as long as the proof could be accepted.
  const window = (DPOP_PROOF_MAX_AGE_SECONDS + 2 * check.clockToleranceSeconds) * 1000;
  if (!(await check.replays.firstUse(sha256(`${check.jkt}:${jti}`), window))) throw refuse('the DPoP proof was used before (replayed jti)');
}

/** RFC 9449 4.3: htu is compared without its query and fragment. */
function withoutQuery(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the DPoP proof is too old (iat)';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the DPoP proof's "${error.claim}" claim is missing`;
    if (error.claim === 'iat') return 'the DPoP proof was made in the future (iat)';
    return `the DPoP proof's "${error.claim}" claim is invalid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the DPoP proof's signature does not verify";
  if (error instanceof errors.JOSEAlgNotAllowed) return "the DPoP proof's algorithm is not accepted";
  if (error instanceof errors.JOSEError) return `the DPoP proof is invalid (${error.code})`;
  return 'the DPoP proof is invalid';
}
