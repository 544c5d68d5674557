import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { FIN_PATTERN, type Role } from '@hub/kit';
import type { Policies } from '../policy/policies';
import { ROLES } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import { isAssuranceLevel, type AssuranceLevel } from './assurance';

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

const refuse = (reason: string) => new Refusal('UNAUTHENTICATED', `Authentication failed: ${reason}.`, 401, { reason });

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
  /** Epoch ms from which the token is expired or too old; the signature, issuer and audience do not change with time. */
  validUntil: number;
  keptUntil: number;
}

export class IdentityVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();
  /** Keyed by the token itself: a different string is a different token, verified in full. */
  private readonly verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS_KEPT });

  constructor(
    private readonly policies: Policies,
    /** The clock tokens are checked against; the address limit counts its checks on it too. */
    readonly now: () => number = Date.now,
  ) {}

  private keysOf(agency: string): JWTVerifyGetKey {
    let keys = this.keySets.get(agency);
    if (!keys) {
      const source = this.policies.identity.jwksOf(agency);
      keys = source.startsWith('file:') ? fileKeySet(source.slice(5), this.now) : createRemoteJWKSet(new URL(source));
      this.keySets.set(agency, keys);
    }
    return keys;
  }

  async verify(authorization: string | undefined): Promise<Identity> {
    if (!authorization) throw refuse('no Authorization: Bearer token');
    const token = bearerToken(authorization);
    if (!token) throw refuse('the Authorization header is not "Bearer <JWT>"');
    const now = this.now();
    const kept = this.kept(token, now);
    if (kept) return kept;
    const identity = await this.verifyToken(token, now);
    this.verified.set(token, identity);
    return identity.identity;
  }

  /**
   * True when the header carries a token this replica verified and that is still valid: a
   * lookup, no signature check. A forged, expired or never-seen token is not known.
   */
  knows(authorization: string | undefined): boolean {
    const token = authorization ? bearerToken(authorization) : null;
    return token !== null && this.kept(token, this.now()) !== null;
  }

  private kept(token: string, now: number): Identity | null {
    const kept = this.verified.get(token);
    if (!kept) return null;
    if (now < kept.validUntil && now < kept.keptUntil) return kept.identity;
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
    const identity = identityOf('token', { agency, sub: payload.sub, roles: payload['roles'], fin: payload['fin'], acr: payload['acr'] });
    // jose's own bounds, so a kept token is refused at the same instant a fresh check would refuse it.
    const { clockToleranceSeconds: tolerance, maxTokenAgeSeconds: maxAge } = this.policies.identity;
    const validUntil = Math.min(((payload.exp ?? 0) + tolerance) * 1000, ((payload.iat ?? 0) + maxAge + tolerance) * 1000);
    return { identity, validUntil, keptUntil: now + VERIFIED_TOKEN_MAX_KEEP_MS };
  }
}

/** The claims an identity is made of, whoever vouched for them: a token, or a provider people sign in with. */
export interface IdentityClaims {
  agency: string;
  sub: unknown;
  roles: unknown;
  fin: unknown;
  /** The hub's level when it names one; anything else is `low`. */
  acr: unknown;
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
    assurance: isAssuranceLevel(claims.acr) ? claims.acr : 'low',
  });
}

function bearerToken(authorization: string): string | null {
  return /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization)?.[1] ?? null;
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
