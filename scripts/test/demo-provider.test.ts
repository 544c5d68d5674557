import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { DEMO_ACR, demoSignInPeople, startDemoProvider, type DemoProvider } from '../src/dev/demo-provider';

const CLIENT = { client_id: 'hub', client_secret: 'demo-secret-for-tests' };
const REDIRECT = 'http://127.0.0.1:1/auth/callback';

/** A browser's part of the flow: follows the provider's redirects by hand, keeping its cookies, up to the client's redirect URI. */
class Browser {
  private readonly cookies = new Map<string, string>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!, value.join('='));
    }
    return response;
  }

  /** Follows redirects from url until one leaves the provider (the client's redirect URI) or a page is shown. */
  async follow(url: string, issuer: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ url: string; response: Response }> {
    let response = await this.request(url, init);
    let at = url;
    while (response.status >= 300 && response.status < 400) {
      at = new URL(response.headers.get('location')!, at).href;
      if (!at.startsWith(issuer)) return { url: at, response };
      response = await this.request(at);
    }
    return { url: at, response };
  }
}

describe('the demo OpenID provider', () => {
  let provider: DemoProvider;
  let config: oidc.Configuration;
  let logoutReceiver: Server;
  const logoutTokens: string[] = [];
  const officer = demoSignInPeople().find((p) => p.agency === 'MIA' && p.roles.includes('officer'))!;
  const citizen = demoSignInPeople().find((p) => p.roles.includes('citizen'))!;

  before(async () => {
    logoutReceiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += String(chunk)));
      req.on('end', () => {
        logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => logoutReceiver.listen(0, '127.0.0.1', resolve));
    const backchannel = `http://127.0.0.1:${(logoutReceiver.address() as AddressInfo).port}/auth/backchannel-logout`;
    provider = await startDemoProvider({
      clients: [{ ...CLIENT, redirect_uris: [REDIRECT], post_logout_redirect_uris: ['http://127.0.0.1:1/'], backchannel_logout_uri: backchannel }],
      people: demoSignInPeople(),
    });
    config = await oidc.discovery(new URL(provider.issuer), CLIENT.client_id, CLIENT.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
  });
  after(async () => {
    await provider.stop();
    logoutReceiver.close();
  });

  async function signIn(browser: Browser, sub: string, level: 'substantial' | 'high', parameters: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...parameters,
    });
    const shown = await browser.follow(url.href, provider.issuer);
    let back = shown.url;
    if (shown.url.startsWith(provider.issuer)) {
      const html = await shown.response.text();
      assert.ok(html.includes(`data-testid="sign-in-${sub}-${level}"`), 'the sign-in page lists the person at the level');
      back = (await browser.follow(shown.url, provider.issuer, { method: 'POST', form: { choice: `${sub} ${level}` } })).url;
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    return { claims: tokens.claims()!, askedAgain: shown.url.startsWith(provider.issuer) };
  }

  it('publishes discovery: code flow with S256 PKCE, its acr values, end-session and back-channel logout', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, provider.issuer);
    assert.ok(provider.issuer.startsWith('http://127.0.0.1:'), 'loopback only');
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.acr_values_supported, [DEMO_ACR.substantial, DEMO_ACR.high]);
    assert.ok(metadata.end_session_endpoint);
    assert.equal(metadata['backchannel_logout_supported'], true);
  });

  it('signs in an officer through the code flow: the body, roles and level in the ID token; the sign-in page speaks Azerbaijani first', async () => {
    const browser = new Browser();
    const { claims } = await signIn(browser, officer.sub, 'substantial');
    assert.equal(claims.sub, officer.sub);
    assert.equal(claims['agency'], 'MIA');
    assert.deepEqual(claims['roles'], ['officer']);
    assert.equal(claims['fin'], undefined);
    assert.equal(claims['acr'], DEMO_ACR.substantial);
    assert.equal(typeof claims['sid'], 'string', 'a session id, which back-channel logout names');
  });

  it("signs in a citizen with their FİN at the high level, and asks again when a stronger level than the session's is requested", async () => {
    const browser = new Browser();
    assert.equal((await signIn(browser, citizen.sub, 'substantial')).claims['fin'], citizen.fin);
    const same = await signIn(browser, citizen.sub, 'substantial');
    assert.equal(same.askedAgain, false, 'single sign-on: the provider session answers');
    const stepped = await signIn(browser, citizen.sub, 'high', { acr_values: DEMO_ACR.high });
    assert.equal(stepped.askedAgain, true, 'a stronger level makes the person sign in again');
    assert.equal(stepped.claims['acr'], DEMO_ACR.high);
    assert.equal(stepped.claims['fin'], citizen.fin);
  });

  it('requires PKCE', async () => {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state: oidc.randomState() });
    const { url: back } = await new Browser().follow(url.href, provider.issuer);
    assert.equal(new URL(back).searchParams.get('error'), 'invalid_request');
  });

  it("sends a back-channel logout for a person's session, naming its sid, and ends the provider session", async () => {
    const browser = new Browser();
    const { claims } = await signIn(browser, officer.sub, 'high');
    logoutTokens.length = 0;
    assert.equal(await provider.backchannelLogout(officer.sub), 1);
    assert.equal(logoutTokens.length, 1);
    const payload = JSON.parse(Buffer.from(logoutTokens[0]!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(payload['iss'], provider.issuer);
    assert.equal(payload['aud'], CLIENT.client_id);
    assert.equal(payload['sub'], officer.sub);
    assert.equal(payload['sid'], claims['sid']);
    assert.deepEqual(payload['events'], { 'http://schemas.openid.net/event/backchannel-logout': {} });
    assert.equal(payload['nonce'], undefined);
    assert.equal((await signIn(browser, officer.sub, 'high')).askedAgain, true, 'the provider session is gone');
    assert.equal(await provider.backchannelLogout('nobody'), 0);
  });
});
