import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { ConfigError, sendJson } from '@hub/kit';
import { isAssuranceLevel, meets, ASSURANCE_LEVELS, type AssuranceLevel } from '../identity/assurance';
import { identityOf, type Identity } from '../identity/verifier';
import type { HubRequest } from '../pipeline/context';
import { Refusal } from '../pipeline/refusal';
import { refusalResult, type HubResult } from '../pipeline/stage';
import type { SignInPolicy, SignInProvider } from '../policy/policies';
import { readTextBody, type BodyLimits } from '../http/body';
import { wrongMethod } from '../stages/http';
import { clearedCookie, cookie, cookieOf, randomId, SESSION_COOKIE, TRANSACTION_COOKIE, type Session, type Sessions } from './sessions';
import type { SignInStore } from './store';

/** A provider as discovered at start-up: its metadata checked, the gateway's client configured. */
export interface DiscoveredProvider {
  policy: SignInProvider;
  config: oidc.Configuration;
  /** Its keys, for back-channel logout tokens (openid-client verifies the ID tokens itself). */
  keys: JWTVerifyGetKey;
}

/** The sign-in's path back from the provider: redirect URI = HUB_PUBLIC_URL + this. */
export const CALLBACK_PATH = '/auth/callback';
/** How long a person may take at the provider's sign-in page. */
export const TRANSACTION_TTL_MS = 600_000;
const DISCOVERY_TIMEOUT_SECONDS = 5;
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A back-channel logout token older than this (by iat) is refused, and its jti remembered this long. */
export const LOGOUT_TOKEN_MAX_AGE_SECONDS = 120;

/** Why a provider cannot serve: the message names it (production stops with it, development logs it). */
function unusable(provider: SignInProvider, why: string): ConfigError {
  return new ConfigError(`identity-providers.json: signIn.providers.${provider.name} (${provider.issuer}): ${why}`);
}

async function discover(provider: SignInProvider, keysDir: string): Promise<DiscoveredProvider> {
  let secret: string;
  try {
    secret = readFileSync(join(keysDir, provider.clientSecretFile), 'utf8').trim();
  } catch {
    throw unusable(provider, `its client secret ${join(keysDir, provider.clientSecretFile)} is missing or unreadable`);
  }
  if (secret.length < 16) throw unusable(provider, `its client secret ${join(keysDir, provider.clientSecretFile)} is shorter than 16 characters`);
  // http:// only for loopback issuers, which the policy check allows for the demo alone.
  const insecure = new URL(provider.issuer).protocol === 'http:';
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(new URL(provider.issuer), provider.clientId, undefined, oidc.ClientSecretBasic(secret), {
      timeout: DISCOVERY_TIMEOUT_SECONDS,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
  } catch (error) {
    const detail =
      error instanceof oidc.ClientError && error.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED'
        ? 'its metadata names another issuer'
        : (error as Error).message;
    throw unusable(provider, `discovery failed: ${detail}`);
  }
  const meta = config.serverMetadata();
  if (meta.issuer !== provider.issuer) throw unusable(provider, `its metadata names the issuer ${meta.issuer}`);
  if (!meta.code_challenge_methods_supported?.includes('S256')) throw unusable(provider, 'it does not support PKCE with S256');
  if (!meta.end_session_endpoint) throw unusable(provider, 'it has no end_session_endpoint (RP-initiated logout)');
  if (meta['backchannel_logout_supported'] !== true) throw unusable(provider, 'it does not support back-channel logout');
  if (!meta.jwks_uri) throw unusable(provider, 'it publishes no jwks_uri');
  const methods = meta.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  if (!methods.includes('client_secret_basic')) {
    if (!methods.includes('client_secret_post')) throw unusable(provider, 'it takes neither client_secret_basic nor client_secret_post');
    config = new oidc.Configuration(meta, provider.clientId, undefined, oidc.ClientSecretPost(secret));
    if (insecure) oidc.allowInsecureRequests(config);
  }
  return { policy: provider, config, keys: createRemoteJWKSet(new URL(meta.jwks_uri)) };
}

export interface DiscoveryOptions {
  keysDir: string;
  publicUrl: string | undefined;
  production: boolean;
  logger: Logger;
}

/**
 * Every provider of the policy, discovered at start-up. Production stops on the first one that
 * is unreachable or inconsistent, naming it; development logs it and leaves it out. Without
 * HUB_PUBLIC_URL there is no redirect URI: production stops, development has no sign-in.
 */
export async function discoverProviders(policy: SignInPolicy | null, options: DiscoveryOptions): Promise<Map<string, DiscoveredProvider>> {
  const discovered = new Map<string, DiscoveredProvider>();
  if (!policy || policy.providers.size === 0) return discovered;
  if (!options.publicUrl) {
    const why = 'HUB_PUBLIC_URL is not set: sign-in needs it for its redirect URI (HUB_PUBLIC_URL + /auth/callback)';
    if (options.production) throw new ConfigError(why);
    options.logger.warn(`sign-in off: ${why}`);
    return discovered;
  }
  for (const provider of policy.providers.values()) {
    try {
      discovered.set(provider.name, await discover(provider, options.keysDir));
      options.logger.info({ provider: provider.name, issuer: provider.issuer }, 'sign-in provider discovered');
    } catch (error) {
      if (options.production) throw error;
      options.logger.warn({ provider: provider.name }, `sign-in provider left out: ${(error as Error).message}`);
    }
  }
  return discovered;
}

/** The transaction the sign-in cookie refers to: what the callback must find again. */
interface Transaction {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  acr: AssuranceLevel | null;
}

/** Why a sign-in failed: a code, never what the provider or the person sent. */
export type SignInFailure =
  | 'NO_TRANSACTION'
  | 'STATE_MISMATCH'
  | 'PROVIDER_ERROR'
  | 'CODE_REFUSED'
  | 'NONCE_MISMATCH'
  | 'INVALID_ID_TOKEN'
  | 'IDENTITY_REFUSED'
  | 'BODY_NOT_VOUCHED'
  | 'PROVIDER_UNREACHABLE';

export class SignInFailed extends Refusal {
  constructor(readonly failure: SignInFailure) {
    super('UNAUTHENTICATED', `Sign-in failed (${failure}).`, 401, { reason: failure });
  }
}

/** Only a path of this origin: `next` never sends a person elsewhere (no open redirect). */
export function sameOriginPath(next: string | null, origin: string): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  try {
    const url = new URL(next, origin);
    return url.origin === origin ? `${url.pathname}${url.search}${url.hash}` : '/';
  } catch {
    return '/';
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('base64url');
const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The gateway as the OpenID Connect relying party of its own pages (issue 22): authorization
 * code with PKCE (S256), state and nonce; sessions server-side; RP-initiated and back-channel
 * logout. The browser holds two cookies and never a token.
 */
export class RelyingParty {
  readonly redirectUri: string;

  constructor(
    readonly providers: ReadonlyMap<string, DiscoveredProvider>,
    private readonly policy: SignInPolicy,
    readonly sessions: Sessions,
    private readonly store: SignInStore,
    publicUrl: string,
    /** Back-channel logout tokens are checked with the identity policy's tolerance. */
    private readonly clockToleranceSeconds: number,
    private readonly algorithms: readonly string[],
  ) {
    this.redirectUri = new URL(CALLBACK_PATH, publicUrl).href;
  }

  private get now(): () => number {
    return this.sessions.now;
  }

  /** GET /auth/sign-in?next=/path[&provider=NAME][&acr=LEVEL]: 302 to the provider, the transaction kept server-side. */
  async signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const method = wrongMethod(req.method, ['GET']);
    if (method) return sendRefusal(res, method);
    const url = new URL(req.url ?? '/', this.sessions.origin);
    const name = url.searchParams.get('provider') ?? this.policy.national;
    const provider = this.providers.get(name);
    if (!provider) return sendRefusal(res, new Refusal('BAD_REQUEST', 'No such sign-in provider.', 400, { reason: 'UNKNOWN_PROVIDER' }));
    const acr = url.searchParams.get('acr');
    if (acr !== null && !isAssuranceLevel(acr))
      return sendRefusal(res, new Refusal('BAD_REQUEST', `acr must be one of ${ASSURANCE_LEVELS.join(', ')}.`, 400, { reason: 'ACR' }));
    const transaction: Transaction = {
      provider: name,
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      next: sameOriginPath(url.searchParams.get('next'), this.sessions.origin),
      acr,
    };
    const id = randomId();
    await this.store.set(`transaction:${sha(id)}`, JSON.stringify(transaction), TRANSACTION_TTL_MS);
    const parameters: Record<string, string> = {
      redirect_uri: this.redirectUri,
      scope: 'openid',
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
    };
    // acr_values: the provider's values that stand for the level asked for or a stronger one, strongest first.
    if (acr) {
      const values = [...provider.policy.acr].filter(([, level]) => meets(level, acr));
      values.sort(([, a], [, b]) => ASSURANCE_LEVELS.indexOf(b) - ASSURANCE_LEVELS.indexOf(a));
      if (values.length > 0) parameters['acr_values'] = values.map(([value]) => value).join(' ');
    }
    res.writeHead(302, {
      location: oidc.buildAuthorizationUrl(provider.config, parameters).href,
      'set-cookie': cookie(TRANSACTION_COOKIE, id, 'Lax', TRANSACTION_TTL_MS / 1000),
      'cache-control': 'no-store',
    });
    res.end();
  }

  /**
   * GET /auth/callback, inside its pipeline (journaled as `sign-in` or `sign-in-failed`): the
   * transaction is used once; the code is exchanged with the PKCE verifier; openid-client checks
   * the ID token (signature, issuer, audience, expiry, nonce); the claims become an Identity by the
   * same checks as a token's. A new session id, then 303 to `next`. A failure is a reason code
   * only, and the person lands on `next` unsigned, the registration number in the address.
   */
  async callback(hub: HubRequest): Promise<HubResult> {
    const transactionId = cookieOf(hub.http, TRANSACTION_COOKIE);
    const raw = transactionId ? await this.store.take(`transaction:${sha(transactionId)}`) : null;
    const transaction = raw ? (JSON.parse(raw) as Transaction) : null;
    const cleared = clearedCookie(TRANSACTION_COOKIE, 'Lax');
    try {
      if (!transaction) throw new SignInFailed('NO_TRANSACTION');
      const provider = this.providers.get(transaction.provider);
      if (!provider) throw new SignInFailed('NO_TRANSACTION');
      const url = new URL(hub.http.url ?? '/', this.redirectUri);
      const state = url.searchParams.get('state');
      if (state === null || !equal(state, transaction.state)) throw new SignInFailed('STATE_MISMATCH');
      if (url.searchParams.has('error')) throw new SignInFailed('PROVIDER_ERROR');
      const claims = await this.exchange(provider, url, transaction);
      const { id, session } = await this.sessions.create(
        {
          identity: this.identityFrom(provider.policy, claims.payload),
          provider: provider.policy.name,
          providerSid: typeof claims.payload['sid'] === 'string' ? claims.payload['sid'] : null,
          providerSub: String(claims.payload.sub),
          idToken: claims.idToken,
        },
        (claims.payload.exp ?? 0) * 1000,
      );
      hub.identity = session.identity;
      return { status: 303, headers: { location: transaction.next, 'set-cookie': [cleared, this.sessions.cookieFor(id, session)] }, body: {}, refusal: null };
    } catch (error) {
      if (!(error instanceof SignInFailed)) throw error;
      hub.event = 'sign-in-failed';
      const result = refusalResult(error);
      const landing = new URL(transaction?.next ?? '/', this.sessions.origin);
      landing.searchParams.set('signInFailed', hub.registrationNumber);
      return { ...result, status: 303, headers: { ...result.headers, location: `${landing.pathname}${landing.search}${landing.hash}`, 'set-cookie': cleared } };
    }
  }

  private async exchange(provider: DiscoveredProvider, url: URL, transaction: Transaction): Promise<{ payload: JWTPayload; idToken: string }> {
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(provider.config, url, {
        pkceCodeVerifier: transaction.verifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new SignInFailed(failureOf(error));
    }
    const payload = tokens.claims();
    if (!payload || !tokens.id_token) throw new SignInFailed('INVALID_ID_TOKEN');
    return { payload, idToken: tokens.id_token };
  }

  /** The provider's claims, by the names its policy gives, checked as a token's are; the body must be one it may vouch for. */
  private identityFrom(provider: SignInProvider, payload: JWTPayload): Identity {
    const agency = payload[provider.claims.agency];
    if (typeof agency !== 'string' || !provider.bodies.has(agency)) throw new SignInFailed('BODY_NOT_VOUCHED');
    const acr = payload[provider.claims.acr];
    try {
      return identityOf('sign-in', {
        agency,
        sub: payload[provider.claims.sub],
        roles: payload[provider.claims.roles],
        fin: payload[provider.claims.fin],
        assurance: typeof acr === 'string' ? (provider.acr.get(acr) ?? 'low') : 'low',
      });
    } catch {
      throw new SignInFailed('IDENTITY_REFUSED');
    }
  }

  /**
   * POST /auth/sign-out, inside its pipeline (the identity stage has found the session and
   * checked the request came from the hub's pages; journaled as `sign-out`): the session ends,
   * its cookie is cleared, and the answer names the provider's end-session URL for the page.
   */
  async signOut(hub: HubRequest): Promise<HubResult> {
    const id = cookieOf(hub.http, SESSION_COOKIE);
    const raw = id ? await this.sessions.current(hub.http) : null;
    if (!id || !raw) throw new Refusal('BAD_REQUEST', 'There is no session to end.', 400, { reason: 'NO_SESSION' });
    await this.sessions.end(id);
    const provider = this.providers.get(raw.session.provider);
    const redirect = provider
      ? oidc.buildEndSessionUrl(provider.config, {
          id_token_hint: raw.session.idToken,
          post_logout_redirect_uri: new URL('/', this.redirectUri).href,
        }).href
      : '/';
    return { status: 200, headers: { 'set-cookie': clearedCookie(SESSION_COOKIE, 'Strict') }, body: { data: { redirect } }, refusal: null };
  }

  /**
   * POST /auth/backchannel-logout (Back-Channel Logout 1.0), inside its pipeline (journaled as
   * `backchannel-logout`): the logout token is verified with the provider's keys (issuer,
   * audience, iat, the event, sid and/or sub, no nonce), used once (jti), and ends the sessions
   * of the provider session (sid) or, failing that, of the subject.
   */
  async backchannelLogout(hub: HubRequest, limits: BodyLimits): Promise<HubResult> {
    const type = (hub.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw logoutRefused('CONTENT_TYPE');
    const token = new URLSearchParams(await readTextBody(hub.http, limits)).get('logout_token');
    if (!token) throw logoutRefused('NO_LOGOUT_TOKEN');
    const { provider, payload } = await this.verifyLogoutToken(token);
    const ended = await this.sessions.endByProvider(provider.policy.name, (payload['sid'] as string | undefined) ?? null, payload.sub ?? null);
    hub.identity = ended[0]?.identity ?? null;
    return { status: 200, headers: {}, body: { data: { ended: ended.length } }, refusal: null };
  }

  async verifyLogoutToken(token: string): Promise<{ provider: DiscoveredProvider; payload: JWTPayload }> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw logoutRefused('MALFORMED');
    }
    const provider = [...this.providers.values()].find((p) => p.policy.issuer === issuer);
    if (!provider) throw logoutRefused('UNKNOWN_ISSUER');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, provider.keys, {
        issuer: provider.policy.issuer,
        audience: provider.policy.clientId,
        algorithms: [...this.algorithms],
        clockTolerance: this.clockToleranceSeconds,
        maxTokenAge: LOGOUT_TOKEN_MAX_AGE_SECONDS,
        requiredClaims: ['iat', 'jti'],
        currentDate: new Date(this.now()),
      }));
    } catch {
      throw logoutRefused('INVALID_TOKEN');
    }
    const events = payload['events'];
    if (typeof events !== 'object' || events === null || typeof (events as Record<string, unknown>)[LOGOUT_EVENT] !== 'object')
      throw logoutRefused('NO_LOGOUT_EVENT');
    if ('nonce' in payload) throw logoutRefused('NONCE_PRESENT');
    const sid = payload['sid'];
    if ((sid === undefined || typeof sid !== 'string') && typeof payload.sub !== 'string') throw logoutRefused('NO_SID_OR_SUB');
    const maxAgeMs = (LOGOUT_TOKEN_MAX_AGE_SECONDS + 2 * this.clockToleranceSeconds) * 1000;
    if (!(await this.store.claim(`logout-jti:${sha(`${provider.policy.issuer} ${String(payload.jti)}`)}`, maxAgeMs))) throw logoutRefused('REPLAYED');
    return { provider, payload };
  }

  close(): Promise<void> {
    this.sessions.close();
    return this.store.close();
  }

  /** GET /auth/session: what the pages show; never a token. An expired session is ended (and journaled) here too. */
  async session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const method = wrongMethod(req.method, ['GET']);
    if (method) return sendRefusal(res, method);
    let current: { session: Session } | null;
    try {
      current = await this.sessions.current(req);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      current = null;
    }
    if (!current) return sendJson(res, 200, { signedIn: false }, { 'cache-control': 'no-store' });
    const { identity, provider, expiresAt } = current.session;
    sendJson(
      res,
      200,
      {
        signedIn: true,
        sub: identity.sub,
        agency: identity.agency,
        roles: identity.roles,
        fin: identity.fin,
        assurance: identity.assurance,
        provider,
        expiresAt: new Date(expiresAt).toISOString(),
      },
      { 'cache-control': 'no-store' },
    );
  }
}

function logoutRefused(reason: string): Refusal {
  return new Refusal('BAD_REQUEST', 'The logout token is refused.', 400, { reason });
}

function failureOf(error: unknown): SignInFailure {
  if (error instanceof oidc.ResponseBodyError) return 'CODE_REFUSED';
  const code = (error as { code?: unknown }).code;
  // openid-client wraps oauth4webapi's error, whose cause names the claim.
  const claim = (error as { cause?: { cause?: { claim?: unknown } } }).cause?.cause?.claim;
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && claim === 'nonce') return 'NONCE_MISMATCH';
  if (error instanceof TypeError || code === 'OAUTH_HTTP_REQUEST_FORBIDDEN') return 'PROVIDER_UNREACHABLE';
  return 'INVALID_ID_TOKEN';
}

function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  sendJson(
    res,
    refusal.httpStatus,
    { errors: [{ message: refusal.message, extensions: { ...refusal.extensions, code: refusal.code } }] },
    {
      ...refusal.headers,
      'cache-control': 'no-store',
    },
  );
}
