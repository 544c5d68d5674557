import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client } from 'pg';
import { demoPeople } from '@hub/kit/synthetic';
import { launchChromium, screenshot } from '../src/browser';
import type { TestHub } from '../src/hub';
import { startSignInHub, type SignInHub } from '../src/sign-in-hub';

interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  CodeMirror?: { getValue(): string };
}
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): { length: number } };

/**
 * People sign in through the demo OpenID provider in ASAN Login's place, as under `npm start`,
 * in a real browser: an officer runs a query, an auditor reads the history (the sign-ins and
 * sign-outs among it), a citizen reads who used their data; each signs out through the
 * provider's end-session page; an officer signed in at `substantial` is refused a query under a
 * purpose that needs `high` (STEP_UP_REQUIRED, from the gateway), signs in again at `high` and is answered. The page never holds a token: only the gateway's cookies. Screenshots go to
 * test-artifacts/ (sign-in-provider.png, sign-in-playground.png, sign-in-console.png,
 * sign-in-me.png, sign-in-step-up.png). The time from the click on "Daxil ol" to the signed-in
 * page is printed, not asserted.
 */
/** A criminal case number of the purpose's format (purposes.json). */
const CRIMINAL_CASE = '241001234';

describe('signing in through the provider, in a browser', () => {
  let hub: TestHub;
  let demo: SignInHub['demo'];
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  /** From the click on "Daxil ol" to the provider's page of people, and from the click on a person to the signed-in page. */
  const timings: Array<{ who: string; toProvider: number; back: number }> = [];
  const restrictedBySbs = () => demoPeople(hub.population).find((p) => p.case === 'restricted-by-SBS')!;

  before(async () => {
    ({ hub, demo, publicUrl: base } = await startSignInHub());
    browser = await launchChromium();
    context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1440, height: 900 } });
  });
  after(async () => {
    if (timings.length)
      console.log(
        `sign-in, ms from "Daxil ol" to the provider's page + from the person's click to the signed-in page: ${timings
          .map((t) => `${t.who} ${t.toProvider.toFixed(0)} + ${t.back.toFixed(0)} = ${(t.toProvider + t.back).toFixed(0)}`)
          .join('; ')}`,
      );
    await browser?.close();
    await hub?.stop();
  });

  /** Opens a page of the hub, recording its script errors (the provider's pages are not the hub's) and whether any request carried an Authorization header. */
  async function open(path: string): Promise<{ page: Page; errors: string[]; authorization: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    const authorization: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && m.location().url.startsWith(base)) errors.push(m.text());
    });
    page.on('request', (r) => {
      if (r.headers()['authorization']) authorization.push(r.url());
    });
    const response = await page.goto(`${base}${path}`);
    assert.equal(response?.status(), 200, path);
    return { page, errors, authorization };
  }

  /** "Daxil ol", the person at the level on the provider's page, back to the page signed in; the time it took is kept. */
  async function signIn(page: Page, sub: string, level: 'substantial' | 'high', who: string, shot?: string): Promise<void> {
    const started = performance.now();
    await page.getByTestId('sign-in-asan-login').click();
    const person = page.getByTestId(`sign-in-${sub}-${level}`);
    await person.waitFor();
    const toProvider = performance.now() - started;
    if (shot) await screenshot(page, shot);
    const chosen = performance.now();
    await person.click();
    await page.getByTestId('signed-in-as').waitFor();
    timings.push({ who, toProvider, back: performance.now() - chosen });
  }

  /** Sign-out ends the hub's session, then the provider's on its end-session page, and comes back signed out. */
  async function signOut(page: Page): Promise<void> {
    await page.getByTestId('sign-out').click();
    await page.getByTestId('provider-sign-out').click();
    await page.getByTestId('sign-in-asan-login').waitFor();
    assert.deepEqual(await session(page), { signedIn: false });
  }

  const session = (page: Page) => page.evaluate(() => fetch('/auth/session').then((r) => r.json() as Promise<Record<string, unknown>>));

  /** The border example, under border-control or, given a criminal case number, under criminal-investigation; its registration number once answered or refused. */
  async function runBorderCheck(page: Page, criminalCase?: string): Promise<string> {
    await page.getByTestId('example-border').click();
    assert.equal(await page.getByTestId('purpose').inputValue(), 'border-control');
    if (criminalCase) {
      await page.getByTestId('purpose').selectOption('criminal-investigation');
      await page.getByTestId('case-number').fill(criminalCase);
    }
    const before = await page.getByTestId('registration-number').textContent();
    await page.locator('.graphiql-execute-button').click();
    await page.waitForFunction((previous) => {
      const shown = document.querySelector('[data-testid="registration-number"]')?.textContent ?? '';
      return shown.startsWith('HUB-') && shown !== previous;
    }, before);
    if (!(await page.getByTestId('response-error').count()))
      await page.waitForFunction(() => document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue().includes('"holder"') ?? false);
    return (await page.getByTestId('registration-number').textContent())!;
  }

  it('signs an officer in: the playground, a query with the cookie and no token, then sign-out through the provider', async () => {
    const { page, errors, authorization } = await open('/playground');
    assert.equal((await page.getByTestId('sign-in-asan-login').textContent())?.trim(), 'Daxil ol', 'Azerbaijani first');
    await signIn(page, 'sbs-officer-1', 'substantial', 'officer', 'sign-in-provider');
    assert.equal(new URL(page.url()).pathname, '/playground', 'back on the page signed in from');
    assert.match((await page.getByTestId('signed-in-as').textContent()) ?? '', /sbs-officer-1/);
    const { signedIn, sub, agency, roles, fin, assurance } = await session(page);
    assert.deepEqual(
      { signedIn, sub, agency, roles, fin, assurance },
      { signedIn: true, sub: 'sbs-officer-1', agency: 'SBS', roles: ['officer'], fin: null, assurance: 'substantial' },
    );
    const registrationNumber = await runBorderCheck(page);
    assert.match(registrationNumber, /^HUB-/);
    assert.equal(await page.getByTestId('response-error').count(), 0);
    assert.equal(await page.getByTestId('token-input').count(), 0, 'no token field');
    await screenshot(page, 'sign-in-playground');
    const cookies = await context.cookies(base);
    assert.ok(
      cookies.some((c) => c.name === '__Host-hub-session' && c.httpOnly && c.secure),
      cookies.map((c) => c.name).join(', '),
    );
    await signOut(page);
    assert.deepEqual(authorization, [], 'no request of the page carried a token');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("signs an auditor in at the high level: the history shows and filters the officer's sign-in and sign-out", async () => {
    const { page, errors } = await open('/audit');
    await signIn(page, 'mia-auditor-1', 'high', 'auditor');
    await page.getByTestId('filter-event').selectOption('SIGN_IN');
    await page.getByTestId('filter-sub').fill('sbs-officer-1');
    await page.getByTestId('apply-filter').click();
    await page.getByTestId('audit-row').first().waitFor();
    const events = async () =>
      page.locator('[data-testid="audit-row"] [data-column="event"]').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-code')));
    assert.deepEqual(await events(), ['SIGN_IN']);
    await page.getByTestId('filter-event').selectOption('SIGN_OUT');
    await page.getByTestId('apply-filter').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="audit-row"] [data-column="event"]')?.getAttribute('data-code') === 'SIGN_OUT');
    assert.deepEqual(await events(), ['SIGN_OUT']);
    await page.getByTestId('filter-event').selectOption('');
    await page.getByTestId('apply-filter').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length >= 3);
    assert.ok((await events()).includes('QUERY'), 'the border check between them');
    await screenshot(page, 'sign-in-console');
    await signOut(page);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('signs a citizen in by FİN: their page shows who used their data', async () => {
    const citizen = restrictedBySbs();
    const { page, errors } = await open('/me');
    await signIn(page, `citizen-${citizen.fin}`, 'substantial', 'citizen');
    assert.match((await page.getByTestId('signed-in-as').textContent()) ?? '', new RegExp(citizen.fin));
    await page.locator('[data-testid="use-row"][data-agency="SBS"]').waitFor();
    assert.equal(await page.locator('[data-testid="use-row"][data-agency="SBS"]').first().getAttribute('data-purpose'), 'border-control');
    await screenshot(page, 'sign-in-me');
    await signOut(page);
    assert.equal(await page.getByTestId('use-row').count(), 0, 'signed out, nothing of theirs is shown');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("refuses a query under a purpose above the session's level with STEP_UP_REQUIRED, and answers it after a sign-in at that level", async () => {
    // criminal-investigation needs `high` (purposes.json) and SBS may claim it; the officer signs in at `substantial`.
    const db = new Client({ connectionString: hub.database.url });
    await db.connect();
    const since = (await db.query<{ since: string }>('SELECT coalesce(max(seq), 0)::text AS since FROM audit.journal')).rows[0]!.since;
    const { page, errors, authorization } = await open('/playground');
    await signIn(page, 'sbs-officer-1', 'substantial', 'officer again');
    await runBorderCheck(page, CRIMINAL_CASE);
    assert.match((await page.getByTestId('response-error').textContent()) ?? '', /high/);
    await page.getByTestId('step-up').waitFor();
    await screenshot(page, 'sign-in-step-up');
    const link = page.getByTestId('step-up').getByTestId('sign-in-asan-login');
    const href = new URL((await link.getAttribute('href'))!, base);
    assert.equal(href.pathname, '/auth/sign-in');
    assert.equal(href.searchParams.get('acr'), 'high');
    assert.equal(href.searchParams.get('next'), '/playground');
    await link.click();
    // The provider's session is at `substantial`: it shows the people again rather than answering at once.
    await page.getByTestId('sign-in-sbs-officer-1-high').click();
    await page.getByTestId('signed-in-as').waitFor();
    assert.equal((await session(page))['assurance'], 'high');
    const answered = await runBorderCheck(page, CRIMINAL_CASE);
    assert.equal(await page.getByTestId('response-error').count(), 0);

    // The journal: the sign-in at substantial, the refusal, the sign-in at high, the answer.
    const { rows } = await db.query<{ event: string; decision: string; reason: string | null; purpose: string | null; registration_number: string }>(
      `SELECT event, decision, reason, purpose, registration_number FROM audit.journal
        WHERE seq > $1 AND sub = 'sbs-officer-1' AND (event <> 'query' OR purpose = 'criminal-investigation') ORDER BY seq`,
      [since],
    );
    await db.end();
    assert.deepEqual(
      rows.map(({ event, decision, reason, purpose }) => ({ event, decision, reason, purpose })),
      [
        { event: 'sign-in', decision: 'allowed', reason: null, purpose: null },
        { event: 'query', decision: 'refused', reason: 'STEP_UP_REQUIRED', purpose: 'criminal-investigation' },
        { event: 'sign-in', decision: 'allowed', reason: null, purpose: null },
        { event: 'query', decision: 'allowed', reason: null, purpose: 'criminal-investigation' },
      ],
    );
    assert.equal(rows[3]!.registration_number, answered);
    await signOut(page);
    assert.deepEqual(authorization, [], 'no request of the page carried a token');
    // The browser logs the refusal's 401 (RFC 9470's insufficient_user_authentication) as a failed load: that one only.
    assert.deepEqual(
      errors.filter((e) => !e.includes('status of 401')),
      [],
    );
    await page.close();
  });

  it('a back-channel logout from the provider ends the session the page holds', async () => {
    const { page } = await open('/playground');
    await signIn(page, 'sbs-officer-1', 'substantial', 'officer, third time');
    assert.equal(await demo.provider.backchannelLogout('sbs-officer-1'), 1);
    assert.deepEqual(await session(page), { signedIn: false });
    await page.reload();
    await page.getByTestId('sign-in-asan-login').waitFor();
    await page.close();
  });
});
