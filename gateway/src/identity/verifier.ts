import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { FIN_PATTERN, type Role } from '@hub/kit';
import type { Policies } from '../policy/policies';
import { ROLES } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { AssuranceLevel } from './assurance';
import { checkProof, dpopChallenge, dpopRefusal, MemoryProofReplayCache, type ProofReplayCache, type ProofRequest } from './dpop';

/** The verified caller: who signed, for which body, in which roles (R13). */
export interface Identity {
  agency: string;
  sub: string;
  roles: Role[];
  fin: string | null;
  /** How strongly the person signed in (the token's or the session's `acr`); `low` when it names none. */
  assurance: AssuranceLevel;
}

/** What a token's subject may look like: an identifier, never free text. */
export const SUB_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
export const SUB_FORMAT = '1 to 64 letters, digits or . _ @ -';

const refuse = (reason: string, headers: Record<string, string> = {}) =>
  new Refusal('UNAUTHENTICATED', `Authentication failed: ${reason}.`, 401, { reason }, headers);

/** A JWKS file is re-read at most this often, however many unknown kids arrive. */
export const JWKS_RELOAD_COOLDOWN_MS = 5_000;

/** Local JWKS files are re-read when a token names a kid they lack, so a rotated key needs no restart. */
function fileKeySet(path: string, now: () => number): JWTVerifyGetKey {
  let keys: JWTVerifyGetKey | null = null;
  let loadedAt = 0;
  const load = () => {
    keys = createLocalJWKSet(JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet);
    loadedAt = now();
    return keys;
  };
  return async (header, token) => {
    try {
      return await (keys ?? load())(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && now() - loadedAt > JWKS_RELOAD_COOLDOWN_MS) return load()(header, token);
      throw error;
    }
  };
}

/** Verified tokens kept; a caller sends the same token for its whole life, so a few thousand cover every active caller. */
export const VERIFIED_TOKENS_KEPT = 10_000;
/** A verified token is verified again after this long even if it lives longer, as jose re-reads a remote key set. */
export const VERIFIED_TOKEN_MAX_KEEP_MS = 600_000;

interface Verified {
  identity: Identity;
  /** cnf.jkt of a DPoP-bound token: every request with it needs a proof by that key. */
  jkt: string | null;
  /** Epoch ms from which the token is expired or too old; the signature, issuer and audience do not change with time. */
  validUntil: number;
  keptUntil: number;
}

export interface VerifierOptions {
  /** HUB_PUBLIC_URL: what a DPoP proof's htu names; required when a body's tokens are DPoP-bound. */
  publicUrl?: string;
  /** The DPoP proofs seen (Redis when the replicas share it); this replica's memory when absent. */
  replays?: ProofReplayCache;
}

/** The bodies whose tokens are DPoP-bound: they need HUB_PUBLIC_URL, which their proofs name. */
export function dpopBodies(policies: Policies): string[] {
  return [...policies.agencies.keys()].filter((agency) => policies.identity.senderConstraintOf(agency) === 'dpop');
}

export class IdentityVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();
  /** Keyed by the token itself: a different string is a different token, verified in full. */
  private readonly verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS_KEPT });
  private readonly replays: ProofReplayCache;
  /** What a caller refused at the door is told it may use (RFC 6750 3, RFC 9449 7.1): Bearer, and DPoP when a body's tokens are bound. */
  private readonly challenge: Record<string, string>;

  constructor(
    private readonly policies: Policies,
    /** The clock tokens are checked against; the address limit counts its checks on it too. */
    readonly now: () => number = Date.now,
    private readonly options: VerifierOptions = {},
  ) {
    const bound = dpopBodies(policies);
    if (bound.length > 0 && !options.publicUrl)
      throw new Error(
        `HUB_PUBLIC_URL must be set: the tokens of ${bound.join(', ')} are DPoP-bound (identity-providers.json), and their proofs name the URL the gateway is reached at`,
      );
    this.replays = options.replays ?? new MemoryProofReplayCache();
    const bearer = 'Bearer realm="hub"';
    this.challenge = { 'www-authenticate': bound.length > 0 ? `${bearer}, ${dpopChallenge(policies.identity.algorithms)}` : bearer };
  }

  private keysOf(agency: string): JWTVerifyGetKey {
    let keys = this.keySets.get(agency);
    if (!keys) {
      const source = this.policies.identity.jwksOf(agency);
      keys = source.startsWith('file:') ? fileKeySet(source.slice(5), this.now) : createRemoteJWKSet(new URL(source));
      this.keySets.set(agency, keys);
    }
    return keys;
  }

  /**
   * The caller of a request: its token verified (or kept from an earlier request), and for a
   * DPoP-bound token the proof of this request, checked every time. No `request`: no proof.
   */
  async verify(authorization: string | undefined, request?: ProofRequest): Promise<Identity> {
    const { scheme, token, verified } = await this.verifiedToken(authorization);
    const algorithms = this.policies.identity.algorithms;
    if (verified.jkt === null) {
      if (scheme === 'DPoP') throw dpopRefusal('the token is not bound to a key (no cnf.jkt): send it as "Authorization: Bearer"', algorithms, 'invalid_token');
      return verified.identity;
    }
    if (scheme !== 'DPoP') throw dpopRefusal('a DPoP-bound token must be sent as "Authorization: DPoP <token>" with a DPoP proof', algorithms, 'invalid_token');
    // Without its public URL the gateway cannot tell what a proof must name (no body of its policy is DPoP-bound).
    const publicUrl = this.options.publicUrl;
    if (!publicUrl) throw dpopRefusal('this gateway takes no DPoP-bound tokens (it has no HUB_PUBLIC_URL)', algorithms, 'invalid_token');
    await checkProof({
      request: request ?? { proof: undefined, method: '', path: '' },
      publicUrl,
      accessToken: token,
      jkt: verified.jkt,
      algorithms,
      clockToleranceSeconds: this.policies.identity.clockToleranceSeconds,
      now: this.now(),
      replays: this.replays,
    });
    return verified.identity;
  }

  /**
   * True when the token verifies (signature, issuer, claims), without a DPoP-bound token's
   * proof: the address limit's budgeted check, before the identity stage checks the proof.
   */
  async verifiesToken(authorization: string | undefined): Promise<boolean> {
    return this.verifiedToken(authorization).then(
      () => true,
      () => false,
    );
  }

  private async verifiedToken(authorization: string | undefined): Promise<{ scheme: Scheme; token: string; verified: Verified }> {
    if (!authorization) throw refuse('no Authorization: Bearer token', this.challenge);
    const presented = presentedToken(authorization);
    if (!presented) throw refuse('the Authorization header is not "Bearer <JWT>" or "DPoP <JWT>"', this.challenge);
    const now = this.now();
    let verified = this.kept(presented.token, now);
    if (!verified) {
      verified = await this.verifyToken(presented.token, now);
      this.verified.set(presented.token, verified);
    }
    return { ...presented, verified };
  }

  /**
   * True when the header carries a token this replica verified and that is still valid: a
   * lookup, no signature check. A forged, expired or never-seen token is not known, nor is a
   * DPoP-bound one: holding it proves nothing until its proof is checked (the identity stage).
   */
  knows(authorization: string | undefined): boolean {
    const token = authorization ? presentedToken(authorization)?.token : undefined;
    if (token === undefined) return false;
    const kept = this.kept(token, this.now());
    return kept !== null && kept.jkt === null;
  }

  private kept(token: string, now: number): Verified | null {
    const kept = this.verified.get(token);
    if (!kept) return null;
    if (now < kept.validUntil && now < kept.keptUntil) return kept;
    // Expired or kept long enough: the full check gives the reason, or keeps it anew.
    this.verified.delete(token);
    return null;
  }

  private async verifyToken(token: string, now: number): Promise<Verified> {
    let alg: string | undefined;
    let agency: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      agency = decodeJwt(token)['agency'];
    } catch {
      throw refuse('the token is malformed');
    }
    if (!alg || alg === 'none') throw refuse('unsigned tokens (alg "none") are refused');
    if (alg.startsWith('HS')) throw refuse(`symmetric algorithm ${alg} is refused; agencies sign with asymmetric keys`);
    if (!this.policies.identity.algorithms.includes(alg)) throw refuse(`algorithm ${alg} is not accepted`);
    if (typeof agency !== 'string' || !this.policies.agencies.has(agency)) throw refuse('the token names no known agency');

    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.keysOf(agency), {
        issuer: this.policies.identity.issuerOf(agency),
        audience: this.policies.identity.audience,
        algorithms: this.policies.identity.algorithms,
        clockTolerance: this.policies.identity.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub', 'iat'],
        maxTokenAge: this.policies.identity.maxTokenAgeSeconds,
        currentDate: new Date(now),
      }));
    } catch (error) {
      throw refuse(describe(error));
    }
    const jkt = (payload['cnf'] as { jkt?: unknown } | undefined)?.jkt;
    if (jkt !== undefined && (typeof jkt !== 'string' || !JKT_PATTERN.test(jkt))) throw refuse('the token\'s "cnf.jkt" must be a SHA-256 JWK thumbprint');
    if (jkt === undefined && this.policies.identity.senderConstraintOf(agency) === 'dpop')
      throw refuse(`${agency}'s tokens must be DPoP-bound (cnf.jkt): its policy says so`);
    // The body's own acr values, read through its table (identity-providers.json).
    const assurance = this.policies.identity.assuranceOf(agency, payload['acr']);
    const identity = identityOf('token', { agency, sub: payload.sub, roles: payload['roles'], fin: payload['fin'], assurance });
    // jose's own bounds, so a kept token is refused at the same instant a fresh check would refuse it.
    const { clockToleranceSeconds: tolerance, maxTokenAgeSeconds: maxAge } = this.policies.identity;
    const validUntil = Math.min(((payload.exp ?? 0) + tolerance) * 1000, ((payload.iat ?? 0) + maxAge + tolerance) * 1000);
    return { identity, jkt: jkt ?? null, validUntil, keptUntil: now + VERIFIED_TOKEN_MAX_KEEP_MS };
  }
}

/** The claims an identity is made of, whoever vouched for them: a token, or a provider people sign in with. */
export interface IdentityClaims {
  agency: string;
  sub: unknown;
  roles: unknown;
  fin: unknown;
  /** The level the vouching party's acr stands for, read through its table. */
  assurance: AssuranceLevel;
}

/**
 * The shape checks every identity passes, from a token or a sign-in: the sub and the roles are
 * journaled, claims the caller's body controls, so only of a known shape; a citizen is only a
 * citizen and carries a FİN. Refused UNAUTHENTICATED naming what is wrong.
 */
export function identityOf(what: 'token' | 'sign-in', claims: IdentityClaims): Identity {
  const { agency, sub, roles, fin } = claims;
  if (typeof sub !== 'string' || !SUB_PATTERN.test(sub)) throw refuse(`the ${what}'s "sub" must be ${SUB_FORMAT}`);
  if (!Array.isArray(roles) || roles.length === 0) throw refuse(`the ${what}'s roles must be a non-empty list of ${ROLES.join(', ')}`);
  if (roles.length > ROLES.length) throw refuse(`the ${what} carries more than ${ROLES.length} roles`);
  if (roles.some((r) => !ROLES.includes(r as Role))) throw refuse(`the ${what} names an unknown role (known: ${ROLES.join(', ')})`);
  if (new Set(roles).size !== roles.length) throw refuse(`the ${what} names a role twice`);
  if (roles.includes('citizen')) {
    if (roles.length > 1) throw refuse(`a citizen ${what} carries no other role`);
    if (typeof fin !== 'string' || !FIN_PATTERN.test(fin)) throw refuse(`a citizen ${what} must carry the person's FİN`);
  }
  return Object.freeze({
    agency,
    sub,
    roles: Object.freeze([...roles]) as Role[],
    fin: roles.includes('citizen') ? (fin as string) : null,
    assurance: claims.assurance,
  });
}

/** A base64url SHA-256 digest (RFC 7638 thumbprint). */
const JKT_PATTERN = /^[A-Za-z0-9_-]{43}$/;

type Scheme = 'Bearer' | 'DPoP';

function presentedToken(authorization: string): { scheme: Scheme; token: string } | null {
  const match = /^(Bearer|DPoP)\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization);
  return match ? { scheme: match[1] as Scheme, token: match[2]! } : null;
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired)
    return error.claim === 'iat' ? 'the token was issued too long ago to be accepted (maximum token age)' : 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the token's "${error.claim}" claim is missing`;
    switch (error.claim) {
      case 'nbf':
        return 'the token is not valid yet';
      case 'aud':
        return 'the token is for another audience';
      case 'iss':
        return "the token's issuer does not match its agency";
      case 'iat':
        return 'the token was issued in the future';
      default:
        return `the token's "${error.claim}" claim is missing or invalid`;
    }
  }
  if (error instanceof errors.JWKSNoMatchingKey) return "no key of the agency matches the token's key id (kid)";
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the algorithm is not accepted';
  if (error instanceof errors.JWKSInvalid || (error as NodeJS.ErrnoException).code === 'ENOENT') return 'no keys are configured for the agency';
  if (error instanceof errors.JOSEError) return `the token is invalid (${error.code})`;
  return 'the token is invalid';
}

export interface Purpose {
  purpose: string;
  caseNumber: string | null;
}
