import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { HubRequest } from '../../src/pipeline/context';
import type { Identity } from '../../src/identity/verifier';
import type { SignInPolicy } from '../../src/policy/policies';
import { RelyingParty, sameOriginPath, type DiscoveredProvider } from '../../src/sign-in/relying-party';
import { cookie, SESSION_COOKIE, Sessions, type Session } from '../../src/sign-in/sessions';
import { MemorySignInStore } from '../../src/sign-in/store';
import { fakeHttp, smallWorld } from '../support/world';

const ORIGIN = 'https://hub.example.gov.az';
const SESSION: SignInPolicy['session'] = { idleTimeoutSeconds: 900, absoluteLifetimeSeconds: 28_800 };
const OFFICER: Identity = { agency: 'AAA', sub: 'officer-1', roles: ['officer'], fin: null, assurance: 'substantial' };

/** Sessions on a clock the test moves; what they journal as expired is kept. */
function sessionsAt(start = 1_700_000_000_000) {
  let now = start;
  const expired: Array<{ session: Session; address: string | null }> = [];
  const store = new MemorySignInStore(() => now);
  const sessions = new Sessions(
    store,
    SESSION,
    ORIGIN,
    async (session, address) => {
      expired.push({ session, address });
    },
    () => now,
  );
  const create = (identity = OFFICER, idTokenExpiresAt = now + 3_600_000) =>
    sessions.create(
      { identity, provider: 'asan-login', providerSid: 'sid-1', providerSub: 'provider-sub-1', idToken: 'header.payload.signature' },
      idTokenExpiresAt,
    );
  return {
    sessions,
    store,
    expired,
    create,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const withCookie = (id: string, headers: Record<string, string> = {}, method = 'GET'): IncomingMessage =>
  fakeHttp({ method, headers: { cookie: `other=1; ${SESSION_COOKIE}=${id}`, ...headers } });

describe('sign-in sessions', () => {
  it('sets its cookies __Host-, Secure, HttpOnly, Path=/ with no Domain: the session SameSite=Strict, the transaction Lax', async () => {
    const { sessions, create } = sessionsAt();
    const { id, session } = await create();
    const set = sessions.cookieFor(id, session);
    assert.match(set, /^__Host-hub-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    assert.doesNotMatch(set, /Domain/i);
    assert.equal(
      cookie('__Host-hub-sign-in', 'x'.repeat(43), 'Lax', 600),
      `__Host-hub-sign-in=${'x'.repeat(43)}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600`,
    );
  });

  it('gives a new random id at every sign-in, and keeps none of them in the store in clear', async () => {
    const { create, store } = sessionsAt();
    const first = await create();
    const second = await create();
    assert.notEqual(first.id, second.id);
    assert.equal(await store.get(`session:${first.id}`), null);
  });

  it('never lives past the provider ID token, nor past its absolute lifetime', async () => {
    const { create } = sessionsAt(0);
    assert.equal((await create(OFFICER, 600_000)).session.expiresAt, 600_000);
    assert.equal((await create(OFFICER, 10 * 86_400_000)).session.expiresAt, SESSION.absoluteLifetimeSeconds * 1000);
  });

  it('ends after its idle timeout: refused SESSION_EXPIRED, journaled once as expired', async () => {
    const { sessions, create, advance, expired } = sessionsAt();
    const { id } = await create();
    advance(SESSION.idleTimeoutSeconds * 1000 - 1);
    assert.equal((await sessions.current(withCookie(id)))?.session.identity.sub, 'officer-1');
    // Each use moves the idle timeout on.
    advance(SESSION.idleTimeoutSeconds * 1000 - 1);
    assert.ok(await sessions.current(withCookie(id)));
    advance(SESSION.idleTimeoutSeconds * 1000);
    await assert.rejects(sessions.current(withCookie(id)), (error: Error & { extensions?: Record<string, unknown> }) => {
      assert.equal(error.extensions?.['reason'], 'SESSION_EXPIRED');
      return true;
    });
    assert.deepEqual(
      expired.map((e) => [e.session.identity.sub, e.address]),
      [['officer-1', '10.1.2.3']],
    );
    await assert.rejects(sessions.current(withCookie(id)), /the session has expired/);
    assert.equal(expired.length, 1);
  });

  it('ends at its absolute lifetime however busy it is', async () => {
    const { sessions, create, advance, expired } = sessionsAt();
    const { id } = await create(OFFICER, Number.MAX_SAFE_INTEGER);
    for (let used = 0; used < SESSION.absoluteLifetimeSeconds; used += SESSION.idleTimeoutSeconds / 2) {
      assert.ok(await sessions.current(withCookie(id)));
      advance((SESSION.idleTimeoutSeconds / 2) * 1000);
    }
    await assert.rejects(sessions.current(withCookie(id)), /the session has expired/);
    assert.equal(expired.length, 1);
  });

  it('journals a session nobody presents again once, by the sweep; presented later it is refused without a second row', async () => {
    const { sessions, create, advance, expired } = sessionsAt();
    const { id } = await create();
    const { id: used } = await create();
    advance(SESSION.idleTimeoutSeconds * 1000 - 1);
    assert.ok(await sessions.current(withCookie(used)));
    await sessions.sweep();
    assert.equal(expired.length, 0);
    advance(1);
    await sessions.sweep();
    await sessions.sweep();
    assert.deepEqual(
      expired.map((e) => [e.session.identity.sub, e.address]),
      [['officer-1', null]],
    );
    await assert.rejects(sessions.current(withCookie(id)), (error: Error & { extensions?: Record<string, unknown> }) => {
      assert.equal(error.extensions?.['reason'], 'SESSION_EXPIRED');
      return true;
    });
    assert.equal(expired.length, 1);
    // The one used later is due later, at its own idle timeout.
    assert.ok(await sessions.current(withCookie(used)));
    sessions.close();
  });

  it('journals by the sweep a session past its absolute lifetime, and never again one a request already ended', async () => {
    const { sessions, create, advance, expired } = sessionsAt();
    const { id: presented } = await create(OFFICER, Number.MAX_SAFE_INTEGER);
    const { id: busy } = await create(OFFICER, Number.MAX_SAFE_INTEGER);
    for (let used = 0; used < SESSION.absoluteLifetimeSeconds; used += SESSION.idleTimeoutSeconds / 2) {
      assert.ok(await sessions.current(withCookie(presented)));
      assert.ok(await sessions.current(withCookie(busy)));
      advance((SESSION.idleTimeoutSeconds / 2) * 1000);
    }
    await assert.rejects(sessions.current(withCookie(presented)), /the session has expired/);
    assert.deepEqual(
      expired.map((e) => e.address),
      ['10.1.2.3'],
    );
    await sessions.sweep();
    assert.deepEqual(
      expired.map((e) => e.address),
      ['10.1.2.3', null],
    );
    await sessions.sweep();
    assert.equal(expired.length, 2);
    sessions.close();
  });

  it('ends the sessions of a provider session (sid), and with a sub only those of that subject', async () => {
    const { sessions, create } = sessionsAt();
    const { id } = await create();
    assert.deepEqual(await sessions.endByProvider('asan-login', 'sid-1', 'someone-else'), []);
    assert.ok(await sessions.current(withCookie(id)));
    assert.equal((await sessions.endByProvider('asan-login', 'sid-1', 'provider-sub-1')).length, 1);
    assert.equal(await sessions.current(withCookie(id)), null);
  });
});

describe('next: same-origin paths only (no open redirect)', () => {
  for (const [next, expected] of [
    ['/playground?x=1#top', '/playground?x=1#top'],
    [null, '/'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\\evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['playground', '/'],
  ] as const) {
    it(`${String(next)} → ${expected}`, () => assert.equal(sameOriginPath(next, ORIGIN), expected));
  }
});

describe('requests authenticated by the session cookie (CSRF)', () => {
  async function world() {
    const clock = sessionsAt(Date.now());
    const signIn = new RelyingParty(new Map(), { national: 'asan-login', session: SESSION, providers: new Map() }, clock.sessions, clock.store, ORIGIN, 30, [
      'ES256',
    ]);
    const { id } = await clock.create();
    return { world: await smallWorld({ signIn }), id };
  }
  const same = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };

  it('serves a same-origin JSON POST from the pages as the session person, journaled under them', async () => {
    const { world: w, id } = await world();
    const { result, entry } = await w.run('{ person(fin: "A") { name } }', { token: null, headers: { cookie: `${SESSION_COOKIE}=${id}`, ...same } });
    assert.equal(result.refusal, null, JSON.stringify(result.body));
    assert.equal(entry?.sub, 'officer-1');
  });

  it("refuses a session at substantial under a purpose needing high: STEP_UP_REQUIRED naming the level, as a token's", async () => {
    const { world: w, id } = await world();
    const { result, entry, executed } = await w.run('{ person(fin: "A") { name } }', {
      token: null,
      purpose: 'enforce',
      headers: { cookie: `${SESSION_COOKIE}=${id}`, ...same },
    });
    assert.equal(executed, null);
    assert.equal(result.status, 401);
    assert.equal(result.refusal?.code, 'STEP_UP_REQUIRED');
    assert.equal(result.refusal?.extensions['requiredAssurance'], 'high');
    assert.equal(entry?.sub, 'officer-1');
    assert.equal(entry?.reason, 'STEP_UP_REQUIRED');
    assert.equal(entry?.attemptToExceedAuthority, false);
  });

  for (const [what, headers, reason] of [
    ['another Origin', { ...same, origin: 'https://evil.example' }, 'CSRF_ORIGIN'],
    ['no Origin', { 'sec-fetch-site': 'same-origin' }, 'CSRF_ORIGIN'],
    ['a cross-site fetch', { ...same, 'sec-fetch-site': 'cross-site' }, 'CSRF_SITE'],
    ['a same-site (other subdomain) fetch', { ...same, 'sec-fetch-site': 'same-site' }, 'CSRF_SITE'],
  ] as const) {
    it(`refuses ${what}: FORBIDDEN (${reason}), journaled as a refusal`, async () => {
      const { world: w, id } = await world();
      const { result, entry, executed } = await w.run('{ person(fin: "A") { name } }', {
        token: null,
        headers: { cookie: `${SESSION_COOKIE}=${id}`, ...headers },
      });
      assert.equal(executed, null);
      assert.equal(result.refusal?.code, 'FORBIDDEN');
      assert.equal(result.refusal?.extensions['reason'], reason);
      assert.equal(entry?.decision, 'refused');
      assert.equal(entry?.reason, 'FORBIDDEN');
    });
  }

  it('refuses a cookie-authenticated write that is not JSON (a cross-site form can send text/plain, urlencoded or multipart)', () => {
    const { sessions } = sessionsAt();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
      assert.equal(
        sessions.crossSite(withCookie('x'.repeat(43), { ...same, 'content-type': type }, 'DELETE'))?.extensions['reason'],
        'CSRF_CONTENT_TYPE',
        type,
      );
    assert.equal(sessions.crossSite(withCookie('x'.repeat(43), same, 'POST')), null);
    // Typing the address reads, never writes.
    assert.equal(sessions.crossSite(withCookie('x'.repeat(43), { 'sec-fetch-site': 'none' }, 'GET')), null);
    assert.equal(sessions.crossSite(withCookie('x'.repeat(43), { ...same, 'sec-fetch-site': 'none' }, 'POST'))?.extensions['reason'], 'CSRF_SITE');
  });

  it('takes the Authorization header over a cookie: a ministry system is never asked for an Origin', async () => {
    const { world: w, id } = await world();
    const { result } = await w.run('{ person(fin: "A") { name } }', { headers: { cookie: `${SESSION_COOKIE}=${id}`, origin: 'https://elsewhere.example' } });
    assert.equal(result.refusal, null, JSON.stringify(result.body));
  });

  it('refuses a cookie naming no session UNAUTHENTICATED', async () => {
    const { world: w } = await world();
    const { result } = await w.run('{ person(fin: "A") { name } }', { token: null, headers: { cookie: `${SESSION_COOKIE}=${'a'.repeat(43)}`, ...same } });
    assert.equal(result.refusal?.code, 'UNAUTHENTICATED');
    assert.equal(result.refusal?.extensions['reason'], 'SESSION_UNKNOWN');
  });
});

describe('back-channel logout tokens', () => {
  const ISSUER = 'https://asanlogin.example';
  const CLIENT = 'urn:az:hub:gateway';
  const EVENTS = { 'http://schemas.openid.net/event/backchannel-logout': {} };

  async function party() {
    const clock = sessionsAt(Date.now());
    const key = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'ES256' };
    const provider: DiscoveredProvider = {
      policy: {
        name: 'asan-login',
        title: 'ASAN Login',
        titleAz: 'ASAN Login',
        issuer: ISSUER,
        clientId: CLIENT,
        clientSecretFile: 'sign-in/asan-login.secret',
        bodies: new Set(['AAA']),
        claims: { sub: 'sub', fin: 'fin', agency: 'agency', roles: 'roles', acr: 'acr' },
        acr: new Map(),
      },
      config: new oidc.Configuration({ issuer: ISSUER }, CLIENT),
      keys: createLocalJWKSet({ keys: [jwk] }),
    };
    const rp = new RelyingParty(
      new Map([['asan-login', provider]]),
      { national: 'asan-login', session: SESSION, providers: new Map([['asan-login', provider.policy]]) },
      clock.sessions,
      clock.store,
      ORIGIN,
      30,
      ['ES256'],
    );
    const sign = (claims: Record<string, unknown>, signingKey = key.privateKey) =>
      new SignJWT({
        iss: ISSUER,
        aud: CLIENT,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 120,
        jti: randomUUID(),
        events: EVENTS,
        sid: 'sid-1',
        sub: 'provider-sub-1',
        ...claims,
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'logout+jwt' })
        .sign(signingKey);
    return { rp, sign, clock };
  }

  const reasonOf = async (work: Promise<unknown>) => {
    try {
      await work;
      return 'accepted';
    } catch (error) {
      return (error as { extensions?: Record<string, unknown> }).extensions?.['reason'];
    }
  };

  it('accepts a signed token of the provider naming the logout event, sid and sub', async () => {
    const { rp, sign } = await party();
    assert.equal(await reasonOf(rp.verifyLogoutToken(await sign({}))), 'accepted');
  });

  it('refuses a replayed token (its jti was used)', async () => {
    const { rp, sign } = await party();
    const token = await sign({});
    await rp.verifyLogoutToken(token);
    assert.equal(await reasonOf(rp.verifyLogoutToken(token)), 'REPLAYED');
  });

  it('refuses a forged token (signed by another key under the provider kid)', async () => {
    const { rp, sign } = await party();
    const other = await generateKeyPair('ES256');
    assert.equal(await reasonOf(rp.verifyLogoutToken(await sign({}, other.privateKey))), 'INVALID_TOKEN');
  });

  it('refuses a token for another audience, from another issuer, or too old', async () => {
    const { rp, sign } = await party();
    assert.equal(await reasonOf(rp.verifyLogoutToken(await sign({ aud: 'another-client' }))), 'INVALID_TOKEN');
    assert.equal(await reasonOf(rp.verifyLogoutToken(await sign({ iss: 'https://elsewhere.example' }))), 'UNKNOWN_ISSUER');
    const old = Math.floor(Date.now() / 1000) - 3600;
    assert.equal(await reasonOf(rp.verifyLogoutToken(await sign({ iat: old, exp: old + 7200 }))), 'INVALID_TOKEN');
  });

  it('refuses a token carrying a nonce, lacking the logout event, or naming neither sid nor sub', async () => {
    const { rp, sign } = await party();
    assert.equal(await reasonOf(rp.verifyLogoutToken(await sign({ nonce: 'n' }))), 'NONCE_PRESENT');
    assert.equal(await reasonOf(rp.verifyLogoutToken(await sign({ events: { 'urn:other': {} } }))), 'NO_LOGOUT_EVENT');
    assert.equal(await reasonOf(rp.verifyLogoutToken(await sign({ sid: undefined, sub: undefined }))), 'NO_SID_OR_SUB');
    assert.equal(await reasonOf(rp.verifyLogoutToken('not-a-jwt')), 'MALFORMED');
  });

  it('ends the session the token names', async () => {
    const { rp, sign, clock } = await party();
    const { id } = await clock.create();
    const body = new URLSearchParams({ logout_token: await sign({}) }).toString();
    const http = Object.assign(Readable.from([Buffer.from(body)]), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      socket: { remoteAddress: '10.9.9.9' },
    }) as unknown as IncomingMessage;
    const hub = new HubRequest(http, 'backchannel-logout', new Date());
    const result = await rp.backchannelLogout(hub, { maxBytes: 16_384, timeoutMs: 1_000 });
    assert.deepEqual(result.body, { data: { ended: 1 } });
    assert.equal(hub.identity?.sub, 'officer-1');
    assert.equal(await clock.sessions.current(withCookie(id)), null);
  });
});
