import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Identity } from '../identity/verifier';
import { Refusal } from '../pipeline/refusal';
import type { SignInPolicy } from '../policy/policies';
import type { SignInStore } from './store';

/** The session's cookie: only its id, which the store knows by its hash. */
export const SESSION_COOKIE = '__Host-hub-session';
/** The sign-in transaction's cookie: the id of its state, nonce and PKCE verifier, kept server-side. */
export const TRANSACTION_COOKIE = '__Host-hub-sign-in';

/**
 * `__Host-`: Secure, Path=/ and no Domain, so no other host or path can set or read it. The
 * session is SameSite=Strict (decision 0020): the pages read it only in their own fetches; the
 * transaction is Lax, as it must come back with the provider's top-level redirect.
 */
export function cookie(name: string, value: string, sameSite: 'Strict' | 'Lax', maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=${sameSite}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

export function clearedCookie(name: string, sameSite: 'Strict' | 'Lax'): string {
  return cookie(name, '', sameSite, 0);
}

export function cookieOf(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : null;
    }
  }
  return null;
}

/** 256 bits, base64url: an id nobody guesses. */
export const randomId = () => randomBytes(32).toString('base64url');

export interface Session {
  identity: Identity;
  provider: string;
  /** The provider's session (`sid`) and subject, for its back-channel logout. */
  providerSid: string | null;
  providerSub: string;
  /** Kept server-side for RP-initiated logout's id_token_hint; never sent to the browser. */
  idToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** The earliest of the absolute lifetime and the provider's ID token. */
  expiresAt: number;
}

export type SessionEnd = 'sign-out' | 'session-expired' | 'backchannel-logout';

/** The schedule of sessions' ends, read by the sweep. */
const ENDS = 'session-ends';
/** Well within one idle period (at least a minute, policies.ts), the time a session is kept past its end. */
const SWEEP_EVERY_MS = 30_000;
const SWEEP_BATCH = 500;
/** What an expired session is replaced with until it would have left the store: a late request is told it expired, and nothing journals it again. */
const EXPIRED = 'expired';

/** Why a presented session is not one: said to the caller and journaled as the refusal's reason. */
const unauthenticated = (reason: string, why: string) => new Refusal('UNAUTHENTICATED', `Authentication failed: ${why}.`, 401, { reason });

/**
 * Server-side sessions (issue 22): an opaque random id in a cookie, a new one at every sign-in;
 * idle timeout and absolute lifetime from the policy, never past the provider's ID token. Keys
 * are the id's SHA-256, so a copy of the store holds no usable cookie. An expiry is journaled
 * once, by whoever ends the session first: the request that next presents it, or the sweep of
 * any replica.
 */
export class Sessions {
  private readonly sweeper: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly store: SignInStore,
    private readonly policy: SignInPolicy['session'],
    /** Where the gateway is reached: the only Origin a cookie-authenticated request may come from. */
    readonly origin: string,
    /** An expired session found: journaled as its own event (its own registration number). */
    private readonly expired: (session: Session, clientAddress: string | null) => Promise<void>,
    readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = true;
      // A store outage: what is due stays listed, and the next sweep ends it.
      this.sweep()
        .catch(() => undefined)
        .finally(() => (this.sweeping = false));
    }, SWEEP_EVERY_MS).unref();
  }

  private key = (id: string) => `session:${createHash('sha256').update(id).digest('base64url')}`;

  /** When it ends unless used again: its idle timeout or its absolute end, whichever comes first. */
  private endsAt(session: Session): number {
    return Math.min(session.expiresAt, session.lastSeenAt + this.policy.idleTimeoutSeconds * 1000);
  }

  /** Kept past its end for one idle period, so a late request still learns that it expired, and the sweep finds it before the store drops it. */
  private keepMs(session: Session): number {
    return session.expiresAt - this.now() + this.policy.idleTimeoutSeconds * 1000;
  }

  async create(fields: Omit<Session, 'createdAt' | 'lastSeenAt' | 'expiresAt'>, idTokenExpiresAt: number): Promise<{ id: string; session: Session }> {
    const now = this.now();
    const session: Session = {
      ...fields,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: Math.min(now + this.policy.absoluteLifetimeSeconds * 1000, idTokenExpiresAt),
    };
    const id = randomId();
    const keep = this.keepMs(session);
    const hash = this.key(id);
    await this.store.set(hash, JSON.stringify(session), keep);
    await this.store.schedule(ENDS, hash, this.endsAt(session));
    if (session.providerSid) await this.store.add(`sid:${session.provider}:${session.providerSid}`, hash, keep);
    await this.store.add(`sub:${session.provider}:${session.providerSub}`, hash, keep);
    return { id, session };
  }

  /** The cookie's Max-Age: the session's absolute end; the idle timeout is kept server-side. */
  cookieFor(id: string, session: Session): string {
    return cookie(SESSION_COOKIE, id, 'Strict', (session.expiresAt - this.now()) / 1000);
  }

  /**
   * The session a request carries, refreshed; null when it carries none. An expired one is ended
   * (and journaled, by whoever ends it first) and refused.
   */
  async current(req: IncomingMessage): Promise<{ id: string; session: Session } | null> {
    const id = cookieOf(req, SESSION_COOKIE);
    if (!id) return null;
    const raw = await this.store.get(this.key(id));
    if (!raw) return null;
    const refused = unauthenticated('SESSION_EXPIRED', 'the session has expired; sign in again');
    if (raw === EXPIRED) throw refused;
    const session = JSON.parse(raw) as Session;
    const now = this.now();
    if (now >= this.endsAt(session)) {
      const ended = await this.expire(this.key(id), session);
      if (ended) await this.expired(ended, req.socket.remoteAddress ?? null);
      throw refused;
    }
    session.lastSeenAt = now;
    await this.store.set(this.key(id), JSON.stringify(session), this.keepMs(session));
    await this.store.schedule(ENDS, this.key(id), this.endsAt(session));
    return { id, session };
  }

  /** Ends a session: read and removed in one step, so only one caller (on any replica) has it. */
  private async take(key: string): Promise<string | null> {
    const raw = await this.store.take(key);
    await this.store.unschedule(ENDS, key);
    return raw === EXPIRED ? null : raw;
  }

  /** Ends an expired session, marking it expired; the session for the one caller (on any replica) that ended it, to journal. */
  private async expire(key: string, session: Session): Promise<Session | null> {
    const raw = await this.store.replace(key, EXPIRED, this.keepMs(session));
    await this.store.unschedule(ENDS, key);
    return raw && raw !== EXPIRED ? (JSON.parse(raw) as Session) : null;
  }

  /**
   * Ends the sessions past their end that nobody presented again, journaling each (with no
   * client address: no request found it). Runs on a timer; tests call it on their clock.
   */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const key of await this.store.due(ENDS, now, SWEEP_BATCH)) {
      const raw = await this.store.get(key);
      // Ended already (its ender unlists it), or dropped by the store.
      if (!raw || raw === EXPIRED) {
        await this.store.unschedule(ENDS, key);
        continue;
      }
      const session = JSON.parse(raw) as Session;
      // Used since it was listed: its refresh has listed it later.
      if (now < this.endsAt(session)) continue;
      const ended = await this.expire(key, session);
      if (ended) await this.expired(ended, null);
    }
  }

  /** Stops the sweep (the store is closed by its owner). */
  close(): void {
    clearInterval(this.sweeper);
  }

  /**
   * The caller of a request that carries no Authorization header: its session, once the request
   * is shown to come from the gateway's own pages (CSRF). A cross-site request is refused
   * FORBIDDEN before its session is even looked up.
   */
  async identify(req: IncomingMessage): Promise<Identity | null> {
    if (!cookieOf(req, SESSION_COOKIE)) return null;
    const refusal = this.crossSite(req);
    if (refusal) throw refusal;
    const current = await this.current(req);
    if (!current) throw unauthenticated('SESSION_UNKNOWN', 'the session is unknown or has ended; sign in again');
    return current.session.identity;
  }

  /**
   * Cookies go with any request to the gateway, so a request they authenticate must show it came
   * from the gateway's pages: Sec-Fetch-Site same-origin when the browser sends it and, for a
   * request that can change anything, an Origin of the gateway and a JSON body (which no
   * cross-site form can send without a CORS preflight the gateway never grants).
   */
  crossSite(req: IncomingMessage): Refusal | null {
    const forbidden = (reason: string, why: string) => new Refusal('FORBIDDEN', `Cross-site request refused: ${why}.`, 403, { reason });
    const site = req.headers['sec-fetch-site'];
    const safe = req.method === 'GET' || req.method === 'HEAD';
    // A person typing the address or following a bookmark (none) reads, never writes.
    if (site !== undefined && site !== 'same-origin' && !(safe && site === 'none')) return forbidden('CSRF_SITE', 'Sec-Fetch-Site is not same-origin');
    if (safe) return null;
    if (req.headers.origin !== this.origin) return forbidden('CSRF_ORIGIN', "the Origin is not the hub's own");
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') return forbidden('CSRF_CONTENT_TYPE', 'send application/json');
    return null;
  }

  /** Ends one session (its cookie's); true when there was one. */
  async end(id: string): Promise<boolean> {
    return (await this.take(this.key(id))) !== null;
  }

  /** The provider ended its session (back-channel logout): ends ours that it covers, returning them. */
  async endByProvider(provider: string, sid: string | null, sub: string | null): Promise<Session[]> {
    const keys = sid ? await this.store.members(`sid:${provider}:${sid}`) : sub ? await this.store.members(`sub:${provider}:${sub}`) : [];
    const ended: Session[] = [];
    for (const key of keys) {
      const raw = await this.take(key);
      if (!raw) continue;
      const session = JSON.parse(raw) as Session;
      // With both, a session must match both: a sid of another subject ends nothing.
      if (sub && session.providerSub !== sub) {
        await this.store.set(key, raw, this.keepMs(session));
        await this.store.schedule(ENDS, key, this.endsAt(session));
        continue;
      }
      ended.push(session);
    }
    return ended;
  }
}
