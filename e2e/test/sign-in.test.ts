import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { discoverProviders, MemorySignInStore, relyingPartyOf, type SignInPolicy } from '@hub/gateway';
import { DEMO_ACR, demoSignInPeople, startDemoProvider, type DemoProvider } from '@hub/scripts/dist/src/dev/demo-provider';
import { freePort, startTestHub, type TestHub } from '../src/hub';

/** The hub's store, with a hook that alters a sign-in transaction as the callback takes it (a wrong nonce or PKCE verifier). */
class TamperingStore extends MemorySignInStore {
  tamper: ((transaction: Record<string, unknown>) => Record<string, unknown>) | null = null;

  override async take(key: string): Promise<string | null> {
    const value = await super.take(key);
    if (!value || !key.startsWith('transaction:') || !this.tamper) return value;
    return JSON.stringify(this.tamper(JSON.parse(value) as Record<string, unknown>));
  }
}

/** A browser's part: cookies kept by name (loopback ports share them, as in a browser), redirects followed by hand. */
class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly gateway: string) {}

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...(init.headers ?? {}) };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const response = await fetch(url, { method: init.method ?? 'GET', redirect: 'manual', headers, ...(body ? { body } : {}) });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split('; ');
      const [name, ...value] = pair!.split('=');
      if (attributes.includes('Max-Age=0')) this.cookies.delete(name!);
      else this.cookies.set(name!, value.join('='));
    }
    return response;
  }

  /** Follows redirects until a page is shown or the hub sends the person to one of its pages (not /auth/...). */
  async follow(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ at: string; response: Response }> {
    let response = await this.request(url, init);
    let at = url;
    while (response.status >= 300 && response.status < 400) {
      at = new URL(response.headers.get('location')!, at).href;
      if (at.startsWith(this.gateway) && !new URL(at).pathname.startsWith('/auth/')) return { at, response };
      response = await this.request(at);
    }
    return { at, response };
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** What the hub's pages send: same-origin fetches with the session cookie and no Authorization header. */
  fromPages(origin: string): Record<string, string> {
    return { origin, 'sec-fetch-site': 'same-origin' };
  }
}

describe('people sign in through the national provider (issue 22), journaled', () => {
  let hub: TestHub;
  let provider: DemoProvider;
  let gateway: string;
  let journal: Client;
  const store = new TamperingStore(() => Date.now() + clockOffset);
  let clockOffset = 0;
  const officer = demoSignInPeople().find((p) => p.agency === 'MIA' && p.roles.includes('officer'))!;
  const citizen = demoSignInPeople().find((p) => p.roles.includes('citizen'))!;

  before(async () => {
    const port = await freePort();
    gateway = `http://127.0.0.1:${port}`;
    const secret = randomBytes(32).toString('base64url');
    hub = await startTestHub({
      port,
      signIn: async ({ keysDir, policies, journal: hubJournal, registrations }) => {
        const national = policies.signIn!.providers.get('asan-login')!;
        provider = await startDemoProvider({
          clients: [
            {
              client_id: national.clientId,
              client_secret: secret,
              redirect_uris: [`${gateway}/auth/callback`],
              post_logout_redirect_uris: [`${gateway}/`],
              backchannel_logout_uri: `${gateway}/auth/backchannel-logout`,
            },
          ],
          people: demoSignInPeople(),
        });
        const secretPath = join(keysDir, national.clientSecretFile);
        mkdirSync(dirname(secretPath), { recursive: true });
        writeFileSync(secretPath, secret);
        // The repository's policy, its national provider where the demo one listens.
        const signIn: SignInPolicy = { ...policies.signIn!, providers: new Map([['asan-login', { ...national, issuer: provider.issuer }]]) };
        const logger = pino({ level: 'silent' });
        const providers = await discoverProviders(signIn, { keysDir, publicUrl: gateway, production: true, logger });
        return relyingPartyOf({
          publicUrl: gateway,
          redisUrl: undefined,
          policies: { signIn, identity: policies.identity },
          providers,
          journal: hubJournal,
          registrations,
          logger,
          now: () => Date.now() + clockOffset,
          store,
        });
      },
    });
    journal = new Client({ connectionString: hub.database.url });
    await journal.connect();
  });
  after(async () => {
    await journal?.end();
    await hub?.stop();
    await provider?.stop();
  });

  /** The journal's record under a registration number, or the last of an event. */
  async function record(where: { number?: string; event?: string }) {
    const { rows } = await journal.query<{
      registration_number: string;
      event: string;
      agency: string | null;
      sub: string | null;
      decision: string;
      reason: string | null;
    }>(
      `SELECT registration_number, event, agency, sub, decision, reason FROM audit.journal WHERE ${where.number ? 'registration_number = $1' : 'event = $1'} ORDER BY seq DESC LIMIT 1`,
      [where.number ?? where.event],
    );
    return rows[0];
  }

  /** The whole sign-in: the hub's redirect, the provider's page, the person's choice, the callback's redirect to `next`. */
  async function signIn(browser: Browser, sub: string, level: 'substantial' | 'high', query = 'next=/playground') {
    const page = await browser.follow(`${gateway}/auth/sign-in?${query}`);
    assert.equal(page.response.status, 200, `the provider's sign-in page: ${page.at}`);
    const chosen = await browser.follow(page.at, { method: 'POST', form: { choice: `${sub} ${level}` } });
    return { landing: new URL(chosen.at), response: chosen.response };
  }

  const session = async (browser: Browser) => (await (await browser.request(`${gateway}/auth/session`)).json()) as Record<string, unknown>;
  const query = (browser: Browser) =>
    browser.request(`${gateway}/graphql`, {
      method: 'POST',
      json: { query: '{ __typename }' },
      headers: { ...browser.fromPages(gateway), 'x-purpose': 'identity-check' },
    });

  it('signs an officer in: a session cookie (never a token), the pages query with it, the sign-in journaled', async () => {
    const browser = new Browser(gateway);
    const { landing, response } = await signIn(browser, officer.sub, 'substantial');
    assert.equal(response.status, 303);
    assert.equal(`${landing.pathname}${landing.search}`, '/playground');
    assert.match(browser.cookie('__Host-hub-session') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(browser.cookie('__Host-hub-sign-in'), undefined, 'the transaction cookie is cleared');
    const me = await session(browser);
    assert.deepEqual(
      { signedIn: me['signedIn'], sub: me['sub'], agency: me['agency'], roles: me['roles'], assurance: me['assurance'], provider: me['provider'] },
      { signedIn: true, sub: officer.sub, agency: 'MIA', roles: ['officer'], assurance: 'substantial', provider: 'asan-login' },
    );
    assert.equal(JSON.stringify(me).includes('eyJ'), false, 'no token reaches the browser');
    const signedIn = await record({ event: 'sign-in' });
    assert.deepEqual(
      { ...signedIn, registration_number: undefined },
      { registration_number: undefined, event: 'sign-in', agency: 'MIA', sub: officer.sub, decision: 'allowed', reason: null },
    );

    const answer = await query(browser);
    const body = (await answer.json()) as { extensions?: { registrationNumber?: string } };
    assert.equal(answer.status, 200, JSON.stringify(body));
    assert.equal((await record({ number: body.extensions!.registrationNumber! }))?.sub, officer.sub);
  });

  it('asks the provider for the level wanted (acr_values) and keeps the level it vouched for', async () => {
    const browser = new Browser(gateway);
    await signIn(browser, citizen.sub, 'high', 'next=/me&acr=high');
    const me = await session(browser);
    assert.equal(me['assurance'], 'high');
    assert.equal(me['fin'], citizen.fin);
    const first = await browser.request(`${gateway}/auth/sign-in?next=/me&acr=substantial`);
    const asked = new URL(first.headers.get('location')!).searchParams.get('acr_values');
    assert.equal(asked, `${DEMO_ACR.high} ${DEMO_ACR.substantial}`);
  });

  it('refuses a callback whose state is not the transaction’s: sign-in-failed, STATE_MISMATCH, no session', async () => {
    const browser = new Browser(gateway);
    await browser.request(`${gateway}/auth/sign-in?next=/console`);
    const response = await browser.request(`${gateway}/auth/callback?code=forged&state=forged`);
    assert.equal(response.status, 303);
    const landing = new URL(response.headers.get('location')!, gateway);
    assert.equal(landing.pathname, '/console');
    const number = landing.searchParams.get('signInFailed')!;
    assert.deepEqual(await record({ number }), {
      registration_number: number,
      event: 'sign-in-failed',
      agency: null,
      sub: null,
      decision: 'refused',
      reason: 'STATE_MISMATCH',
    });
    assert.equal(browser.cookie('__Host-hub-session'), undefined);
  });

  it('refuses a callback with no transaction (NO_TRANSACTION)', async () => {
    const response = await new Browser(gateway).request(`${gateway}/auth/callback?code=x&state=y`);
    const number = new URL(response.headers.get('location')!, gateway).searchParams.get('signInFailed')!;
    assert.equal((await record({ number }))?.reason, 'NO_TRANSACTION');
  });

  for (const [what, field, reason] of [
    ['a wrong PKCE verifier', 'verifier', 'CODE_REFUSED'],
    ['a wrong nonce', 'nonce', 'NONCE_MISMATCH'],
  ] as const) {
    it(`refuses ${what}: sign-in-failed, ${reason}`, async (t) => {
      store.tamper = (transaction) => ({ ...transaction, [field]: `${String(transaction[field]).slice(0, -4)}AAAA` });
      t.after(() => {
        store.tamper = null;
      });
      const browser = new Browser(gateway);
      const { landing } = await signIn(browser, officer.sub, 'substantial');
      const number = landing.searchParams.get('signInFailed')!;
      assert.ok(number, landing.href);
      assert.equal((await record({ number }))?.reason, reason);
      assert.equal((await session(browser))['signedIn'], false);
    });
  }

  it('signs out: the session ends, the provider’s end-session URL is returned, the sign-out journaled; a cross-site sign-out is refused first', async () => {
    const browser = new Browser(gateway);
    await signIn(browser, officer.sub, 'substantial');
    const forged = await browser.request(`${gateway}/auth/sign-out`, {
      method: 'POST',
      json: {},
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(forged.status, 403);
    const refused = (await forged.json()) as { errors: Array<{ extensions: { code: string; reason: string } }> };
    assert.deepEqual(refused.errors[0]?.extensions, { reason: 'CSRF_SITE', code: 'FORBIDDEN' });
    assert.equal((await record({ event: 'sign-out' }))?.decision, 'refused');
    assert.equal((await session(browser))['signedIn'], true);

    const response = await browser.request(`${gateway}/auth/sign-out`, { method: 'POST', json: {}, headers: browser.fromPages(gateway) });
    const body = (await response.json()) as { registrationNumber: string; redirect: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.ok(body.redirect.startsWith(`${provider.issuer}/`), body.redirect);
    assert.match(body.redirect, /id_token_hint=/);
    assert.deepEqual(await record({ number: body.registrationNumber }), {
      registration_number: body.registrationNumber,
      event: 'sign-out',
      agency: 'MIA',
      sub: officer.sub,
      decision: 'allowed',
      reason: null,
    });
    assert.equal((await session(browser))['signedIn'], false);
    assert.equal((await query(browser)).status, 401);
  });

  it('ends the session when the provider says so (back-channel logout), journaled', async () => {
    const browser = new Browser(gateway);
    await signIn(browser, citizen.sub, 'substantial', 'next=/me');
    assert.equal((await session(browser))['signedIn'], true);
    assert.equal(await provider.backchannelLogout(citizen.sub), 1);
    const ended = await record({ event: 'backchannel-logout' });
    assert.deepEqual(
      { ...ended, registration_number: undefined },
      {
        registration_number: undefined,
        event: 'backchannel-logout',
        agency: 'EGOV',
        sub: citizen.sub,
        decision: 'allowed',
        reason: null,
      },
    );
    assert.equal((await session(browser))['signedIn'], false);
  });

  it('refuses a forged logout token, journaled as a refused back-channel logout', async () => {
    const response = await fetch(`${gateway}/auth/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.' }).toString(),
    });
    assert.equal(response.status, 400);
    const last = await record({ event: 'backchannel-logout' });
    assert.deepEqual([last?.decision, last?.reason], ['refused', 'BAD_REQUEST']);
  });

  it('journals a session that ran past its idle timeout once, when it is next presented', async () => {
    const browser = new Browser(gateway);
    await signIn(browser, officer.sub, 'substantial');
    clockOffset += (hub.policies.signIn!.session.idleTimeoutSeconds + 1) * 1000;
    try {
      assert.equal((await session(browser))['signedIn'], false);
      const expired = await record({ event: 'session-expired' });
      assert.deepEqual([expired?.agency, expired?.sub, expired?.decision], ['MIA', officer.sub, 'allowed']);
      assert.equal((await query(browser)).status, 401);
    } finally {
      clockOffset = 0;
    }
  });
});
