import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client } from 'pg';
import { APPEND_JOURNAL_SQL, correctionOf, entryFromRow, journalRow } from '@hub/audit';
import { loadOperations, policySetFiles, policySetHash, type RunningGateway } from '@hub/gateway';
import { childProfileOf, citizenAt, citizenDocuments, citizenRestrictions, DEMO_CASES, demoPeople, enforcementCasesOf } from '@hub/kit/synthetic';
import { assertAccessible, documentLanguage, launchChromium, screenshot, switchLanguage } from '../src/browser';
import { POLICIES_DIR, startGatewayOver, type TestHub } from '../src/hub';
import { startSignInHub } from '../src/sign-in-hub';

/**
 * The officers' playground and the auditors' console in a real browser (Debian's chromium,
 * driven by playwright-core): queries typed and run in GraphiQL, their registration numbers,
 * then the same requests found in the console; all of it without a request leaving localhost
 * and under a CSP that allows no other host. Both pages open in Azerbaijani and switch to
 * English; each passes axe-core's WCAG 2.1 AA checks in both. Screenshots of each language go to
 * test-artifacts/ (playground-az.png, playground-en.png, audit-console-az.png, audit-console-en.png).
 */
/** The pages' Azerbaijani catalogue: what a person reads, checked as the page shows it. */
const AZ = JSON.parse(readFileSync(resolve(__dirname, '../../../gateway/ui/messages/az.json'), 'utf8')) as {
  code: Record<string, string>;
  decision: Record<string, string>;
  console: { title: string };
  playground: { title: string };
  session: { noSignIn: string };
};
/** The repository's policy set, named as the gateway's: each journal record carries it. */
const POLICY_SET = policySetHash(policySetFiles(POLICIES_DIR, resolve(__dirname, '../../../schema/supergraph.graphql')));
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);
const REGISTRATION = /^HUB-\d{17}-[0-9A-Z]{3}-[0-9A-Z]{4}$/;

/** The page functions below run in the browser; the e2e project is compiled without the DOM library. */
interface PageElement {
  textContent: string | null;
}
declare const document: {
  querySelector(
    selector: string,
  ): (PageElement & { CodeMirror?: { getValue(): string; setValue(v: string): void; setCursor(line: number, ch: number): void; focus(): void } }) | null;
  querySelectorAll(selector: string): { length: number };
};

interface Watched {
  page: Page;
  requests: string[];
  /** Console errors and uncaught exceptions: CSP violations show up here. */
  errors: string[];
  /** Bodies of every /graphql response the page received. */
  graphqlBodies: string[];
}

/** Index of a demo person in the generator, from the table of demo cases. */
const citizenIndex = (demoCase: keyof typeof DEMO_CASES) => (DEMO_CASES[demoCase] as { citizen: number }).citizen;

/** The CSP as a map of directive → sources. */
function directives(header: string | undefined): Map<string, string[]> {
  assert.ok(header, 'the page has a Content-Security-Policy header');
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function assertStrictCsp(header: string | undefined): void {
  const csp = directives(header);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('script-src'), ["'self'"], 'scripts only from the gateway: no inline, no eval');
  assert.deepEqual(csp.get('connect-src'), ["'self'"]);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
  for (const [name, sources] of csp) {
    for (const source of sources) {
      assert.ok(
        ["'self'", "'none'", 'data:'].includes(source) || /^'nonce-[A-Za-z0-9+/=]+'$/.test(source),
        `${name} allows only this gateway (found ${source})`,
      );
    }
  }
  assert.ok(!csp.has('font-src'), 'no fonts are loaded: system fonts only');
}

describe("the playground and the auditors' console in a browser", () => {
  let hub: TestHub;
  let production: RunningGateway;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  const testStart = new Date();
  const pages: Watched[] = [];
  /** What the playground showed, by example. */
  const ran = new Map<string, { registrationNumber: string; agency: string; sub: string; purpose: string; caseNumber: string }>();
  /** The border guard's run of a registered operation offered in the playground. */
  let registeredRun: { registrationNumber: string; id: string } | null = null;
  /** Refused requests sent straight to /graphql by the test (not through the browser). */
  const refused: string[] = [];

  before(async () => {
    // People sign in through the demo provider, as under `npm start`; machine clients' tokens are minted in development.
    ({ hub, publicUrl: base } = await startSignInHub({ policySet: POLICY_SET }));
    // The development token endpoint signs with the keys in HUB_KEYS_DIR, as under `npm start`.
    process.env['HUB_KEYS_DIR'] = hub.keysDir;
    production = await startGatewayOver(hub, { production: true });
    browser = await launchChromium();
    context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1440, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await production?.stop();
    await hub?.stop();
  });

  /** Opens a page of the gateway (or of another origin), recording every request, error and /graphql response. */
  async function open(path: string, origin = base): Promise<Watched & { csp: string | undefined }> {
    const page = await context.newPage();
    const watched: Watched = { page, requests: [], errors: [], graphqlBodies: [] };
    page.on('request', (r) => watched.requests.push(r.url()));
    // The demo provider's pages (its sign-in and end-session pages) are not the hub's.
    page.on('console', (m) => {
      if (m.type() === 'error' && m.location().url.startsWith(origin)) watched.errors.push(m.text());
    });
    page.on('pageerror', (e) => watched.errors.push(e.message));
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/graphql')
        void r.text().then(
          (t) => watched.graphqlBodies.push(t),
          () => undefined,
        );
    });
    pages.push(watched);
    const response = await page.goto(`${origin}${path}`);
    assert.equal(response?.status(), 200, path);
    return { ...watched, csp: response?.headers()['content-security-policy'] };
  }

  const testId = (page: Page, id: string) => page.getByTestId(id);

  async function responseJson(page: Page): Promise<{ data: Record<string, unknown> | null; errors?: unknown[]; extensions: { registrationNumber: string } }> {
    const text = await page.evaluate(() => document.querySelector('.result-window .CodeMirror')!.CodeMirror!.getValue());
    return JSON.parse(text);
  }

  /** Loads an example (or, with `registered`, an operation registered for the body), runs it, and returns the response and the registration number shown. */
  async function runExample(page: Page, example: string, purpose: string, registered = false) {
    await testId(page, registered ? `registered-${example}` : `example-${example}`).click();
    assert.equal(await testId(page, 'purpose').inputValue(), purpose, `${example}: the example states its purpose`);
    const previous = await testId(page, 'registration-number').textContent();
    await page.locator('.graphiql-execute-button').click();
    await page.waitForFunction((last) => {
      const shown = document.querySelector('[data-testid="registration-number"]')?.textContent ?? '';
      return shown.startsWith('HUB-') && shown !== last;
    }, previous);
    const shown = (await testId(page, 'registration-number').textContent()) ?? '';
    // The response pane follows a moment later; until then it still holds the previous response.
    await page.waitForFunction((number) => document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue().includes(number) ?? false, shown);
    const body = await responseJson(page);
    assert.match(shown, REGISTRATION);
    assert.equal(body.extensions.registrationNumber, shown, `${example}: the number shown is the response's`);
    assert.equal(body.errors, undefined, `${example}: ${JSON.stringify(body.errors)}`);
    return { body, registrationNumber: shown };
  }

  /** Signs out of a development token's session. */
  async function signOut(page: Page) {
    await testId(page, 'sign-out').click();
    await testId(page, 'dev-sign-in').waitFor();
  }

  /** Signs in through the demo provider's page of people, and comes back to the page signed in. */
  async function signInThroughProvider(page: Page, sub: string, level: 'substantial' | 'high') {
    await testId(page, 'sign-in-asan-login').click();
    await testId(page, `sign-in-${sub}-${level}`).click();
    await testId(page, 'signed-in-as').waitFor();
  }

  /** Signs out of the hub and, on its end-session page, of the provider. */
  async function signOutThroughProvider(page: Page) {
    await testId(page, 'sign-out').click();
    await testId(page, 'provider-sign-out').click();
    await testId(page, 'dev-sign-in').waitFor();
  }

  it('redirects / to the playground, served with a strict CSP', async () => {
    const { page, csp } = await open('/');
    assert.equal(page.url(), `${base}/playground`);
    assertStrictCsp(csp);
    await page.close();
  });

  it('sends a browser opening /graphql to the playground; the API itself stays POST only', async () => {
    const { page } = await open('/graphql');
    assert.equal(page.url(), `${base}/playground`);
    await page.close();
    const api = await request(hub.gateway.server).get('/graphql').set('accept', 'application/json').expect(405);
    assert.equal(api.body.errors[0].extensions.code, 'BAD_REQUEST');
    // A GET carrying a query is refused (and journaled) whoever sends it, a browser too.
    await request(hub.gateway.server).get('/graphql').query({ query: '{ __typename }' }).set('accept', 'text/html').expect(405);
  });

  it('opens the playground in Azerbaijani for an officer, switches to English and remembers the choice', async () => {
    const { page, errors } = await open('/playground');
    await testId(page, 'dev-sign-in').waitFor();
    assert.equal(await documentLanguage(page), 'az');
    assert.equal(await page.locator('h1').textContent(), AZ.playground.title);
    assert.equal(await page.title(), AZ.playground.title);
    assert.equal(await testId(page, 'dev-role').inputValue(), 'officer', 'the first sign-in is an officer, who has a schema and examples');
    await assertAccessible(page, 'playground, signed out, az');

    await switchLanguage(page, 'en');
    assert.equal(await page.locator('h1').textContent(), "Officers' playground");
    assert.equal(await page.title(), "Officers' playground");
    await assertAccessible(page, 'playground, signed out, en');
    await page.reload();
    await testId(page, 'dev-sign-in').waitFor();
    assert.equal(await documentLanguage(page), 'en', 'the choice is remembered');
    assert.equal(await page.locator('h1').textContent(), "Officers' playground");
    await switchLanguage(page, 'az');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("offers a role that runs only registered operations those operations, and explains a refusal in the page's language", async () => {
    const { page, graphqlBodies } = await open('/playground');
    await testId(page, 'dev-agency').selectOption('SBS');
    await testId(page, 'dev-role').selectOption('system');
    await testId(page, 'dev-sub').fill('sbs-system-2');
    await testId(page, 'dev-sign-in').click();
    await page.getByText('sbs-system-2').waitFor();
    await testId(page, 'registered-only').waitFor();
    await testId(page, 'registered-SBS/borderCheckByFin').waitFor();
    assert.equal(await page.locator('[data-testid^="example-"]').count(), 0, 'no ad-hoc example, which the role would be refused');
    const run = await runExample(page, 'SBS/borderCheckByFin', 'identity-check', true);
    assert.equal((run.body.data as { person: { fin: string } }).person.fin, citizenAt(hub.population, citizenIndex('citizen-full')).fin);
    assert.ok(!graphqlBodies.some((b) => b.includes('__schema')), 'no schema is asked for: the role may not send query text');

    // Query text of its own is refused, and the page says why in words before the code.
    await page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror')!.CodeMirror!.setValue('{ __typename }'));
    await page.locator('.graphiql-execute-button').click();
    await testId(page, 'response-error').waitFor();
    const shown = (await testId(page, 'response-error').textContent()) ?? '';
    assert.ok(shown.startsWith(`${AZ.code['PERSISTED_QUERY_REQUIRED']} (PERSISTED_QUERY_REQUIRED)`), shown);
    await assertAccessible(page, 'playground, registered operations only, az');
    await signOut(page);
    await page.close();
  });

  it('runs the ready-made queries in GraphiQL, with schema completion, and shows each registration number', async () => {
    const { page, csp, errors } = await open('/playground');
    assertStrictCsp(csp);
    const population = hub.population;

    // A border guard of SBS, with a development token minted by the gateway.
    await testId(page, 'dev-agency').selectOption('SBS');
    await testId(page, 'dev-role').selectOption('officer');
    await testId(page, 'dev-sub').fill('sbs-officer-7');
    await testId(page, 'dev-sign-in').click();
    await page.getByText('sbs-officer-7').waitFor();

    const sbsPerson = citizenIndex('restricted-by-SBS');
    const passport = citizenDocuments(population, sbsPerson).find((d) => d.type === 'GENERAL_PASSPORT' && d.active)!;
    const border = await runExample(page, 'border', 'border-control');
    const holderEntries = citizenRestrictions(population, sbsPerson).filter((e) => e.active && e.fin !== null);
    const checkedAt = (border.body.data as { document: { holder: { restrictionCheck: { checkedAt: string } } } }).document.holder.restrictionCheck.checkedAt;
    assert.ok(!Number.isNaN(Date.parse(checkedAt)), checkedAt);
    assert.deepEqual(border.body.data, {
      document: {
        number: passport.number,
        type: passport.type,
        active: true,
        statusReason: passport.statusReason,
        expiresAt: passport.expiresAt,
        restrictionCheck: { hit: false, contactAgencies: [] },
        holder: {
          fin: citizenAt(population, sbsPerson).fin,
          citizen: (({ lastName, firstName, patronymic, birthDate }) => ({ lastName, firstName, patronymic, birthDate }))(citizenAt(population, sbsPerson)),
          restrictionCheck: { hit: true, contactAgencies: [...new Set(holderEntries.map((e) => e.initiatingAgency))].sort(), checkedAt },
        },
      },
    });
    ran.set('border', { registrationNumber: border.registrationNumber, agency: 'SBS', sub: 'sbs-officer-7', purpose: 'border-control', caseNumber: '' });
    await screenshot(page, 'playground-az');
    await assertAccessible(page, 'playground, signed in, az');
    await switchLanguage(page, 'en');
    await page.getByText('Border check by passport number').waitFor();
    await screenshot(page, 'playground-en');
    await assertAccessible(page, 'playground, signed in, en');
    await switchLanguage(page, 'az');

    // SBS's registered operations are offered as examples, and only SBS's; one runs as it is registered, by its id.
    const offered = await page.locator('[data-testid^="registered-"]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-testid')));
    assert.deepEqual(offered, ['registered-SBS/borderCheckByFin', 'registered-SBS/borderCheckByPassport']);
    const registered = await runExample(page, 'SBS/borderCheckByFin', 'border-control', true);
    assert.equal((registered.body.data as { person: { fin: string } }).person.fin, citizenAt(population, citizenIndex('citizen-full')).fin);
    const operation = loadOperations(POLICIES_DIR, hub.policies).find((o) => o.name === 'SBS/borderCheckByFin')!;
    registeredRun = { registrationNumber: registered.registrationNumber, id: operation.id };

    // Completion comes from the schema GraphiQL fetched through the same fetcher and token.
    await page.evaluate(() => {
      const editor = document.querySelector('.graphiql-query-editor .CodeMirror')!.CodeMirror!;
      editor.setValue('{\n  \n}');
      editor.setCursor(1, 2);
      editor.focus();
    });
    await page.keyboard.type('restrictionC');
    const hints = page.locator('.CodeMirror-hints li');
    await hints.first().waitFor();
    assert.ok((await hints.allTextContents()).includes('restrictionCheck'), "completion offers the schema's fields");
    await page.keyboard.press('Escape');

    // GraphiQL's dialogs add style elements; the CSP nonce lets them in.
    await page.getByLabel('Open settings dialog').click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await signOut(page);

    // An enforcement officer of MOJ signs in through single sign-on, with a qualified e-signature.
    await signInThroughProvider(page, 'moj-officer-1', 'high');
    await page.getByText('moj-officer-1').waitFor();
    await testId(page, 'case-number').fill('IC-2026-0000042');
    const debtorIndex = citizenIndex('citizen-full');
    const debtor = await runExample(page, 'debtor', 'enforcement-proceedings');
    const person = (debtor.body.data as { person: { fin: string; enforcementCases: Array<{ caseNumber: string; amount: string }> } }).person;
    assert.equal(person.fin, citizenAt(population, debtorIndex).fin);
    assert.deepEqual(
      person.enforcementCases.map((c) => [c.caseNumber, c.amount]).sort(),
      enforcementCasesOf(population, debtorIndex)
        .map((c) => [c.caseNumber, c.amount])
        .sort(),
    );
    ran.set('debtor', {
      registrationNumber: debtor.registrationNumber,
      agency: 'MOJ',
      sub: 'moj-officer-1',
      purpose: 'enforcement-proceedings',
      caseNumber: 'IC-2026-0000042',
    });
    await signOutThroughProvider(page);
    await testId(page, 'case-number').fill('');

    // The child data bank's owner, minted again.
    await testId(page, 'dev-agency').selectOption('SCFWCA');
    await testId(page, 'dev-sub').fill('scfwca-officer-1');
    await testId(page, 'dev-sign-in').click();
    await page.getByText('scfwca-officer-1').waitFor();
    const childIndex = citizenIndex('child');
    const child = await runExample(page, 'child', 'child-protection');
    const profile = childProfileOf(population, childIndex)!;
    const shown = (child.body.data as { childProfile: Record<string, unknown> }).childProfile;
    assert.deepEqual(
      [shown['fin'], shown['lastName'], shown['birthDate'], shown['archived']],
      [profile.fin, profile.lastName, profile.birthDate, profile.archived],
    );
    assert.deepEqual(shown['education'], { school: profile.school, grade: profile.grade });
    ran.set('child', { registrationNumber: child.registrationNumber, agency: 'SCFWCA', sub: 'scfwca-officer-1', purpose: 'child-protection', caseNumber: '' });
    await signOut(page);

    assert.deepEqual(errors, [], 'no CSP violation or script error');
  });

  it("offers the generator's demo persons, and mints tokens only in development", async () => {
    const html = (await request(hub.gateway.server).get('/playground').expect(200)).text;
    const config = JSON.parse(/<script type="application\/json" id="hub-config">(.*?)<\/script>/s.exec(html)![1]!) as {
      development: { people: unknown[] } | null;
    };
    assert.deepEqual(
      config.development?.people,
      demoPeople(hub.population).map((p) => {
        const where = DEMO_CASES[p.case] as { citizen?: number };
        const passport =
          where.citizen === undefined
            ? null
            : (citizenDocuments(hub.population, where.citizen).find((d) => d.type === 'GENERAL_PASSPORT' && d.active)?.number ?? null);
        return { case: p.case, fin: p.fin, passport };
      }),
    );
    const bad = await request(hub.gateway.server).post('/dev/token').send({ agency: 'NOPE', role: 'officer' }).expect(400);
    assert.equal(bad.body.errors[0].extensions.code, 'BAD_USER_INPUT');

    await request(production.server).post('/dev/token').send({ agency: 'MIA', role: 'auditor' }).expect(404);
    const page = (await request(production.server).get('/playground').expect(200)).text;
    assertStrictCsp((await request(production.server).get('/audit').expect(200)).headers['content-security-policy']);
    assert.match(page, /"development":null/);
    const { page: browserPage, csp } = await open('/playground', `http://127.0.0.1:${production.port}`);
    assertStrictCsp(csp);
    // This production gateway has no provider of its own: the page says so, and offers no token field instead.
    await browserPage.getByText(AZ.session.noSignIn).waitFor();
    assert.equal(await browserPage.getByTestId('token-input').count(), 0, 'no token field in production');
    assert.equal(await browserPage.getByTestId('dev-sign-in').count(), 0, 'no development sign-in in production');
    await browserPage.close();
  });

  it('shows an auditor the history of those queries, filtered and paged, with the hourly chart', async () => {
    assert.equal(ran.size, 3, 'the playground test ran first');
    // Twelve refused requests of a body with no access to the child data bank (sent directly).
    const mod = await hub.token({ agency: 'MOD', roles: ['officer'], sub: 'mod-officer-9' });
    for (let i = 0; i < 12; i++) {
      const res = await hub.query(
        'query($fin: ID!) { childProfile(fin: $fin) { fin } }',
        { fin: citizenAt(hub.population, citizenIndex('child')).fin },
        { token: mod },
      );
      const registrationNumber = res.headers['x-registration-number'];
      assert.ok(registrationNumber, 'a refusal carries its registration number');
      refused.push(registrationNumber);
    }

    const { page, csp, errors, graphqlBodies } = await open('/audit');
    assertStrictCsp(csp);
    await signInThroughProvider(page, 'mia-auditor-1', 'high');

    const rowsShown = async () =>
      page.locator('[data-testid="audit-row"]').evaluateAll((rows) =>
        rows.map((r) => ({
          registrationNumber: r.getAttribute('data-registration-number'),
          agency: r.querySelector('[data-column="agency"]')?.getAttribute('data-code'),
          sub: r.querySelector('[data-column="sub"]')?.textContent,
          decision: r.querySelector('[data-column="decision"]')?.getAttribute('data-code'),
          positive: r.querySelector('[data-column="positive"]')?.getAttribute('data-code'),
          purpose: r.querySelector('[data-column="purpose"]')?.getAttribute('data-code'),
          caseNumber: r.querySelector('[data-column="case"]')?.textContent,
          event: r.querySelector('[data-column="event"]')?.getAttribute('data-code'),
          marked: r.className,
          operationId: r.querySelector('[data-column="operation"]')?.getAttribute('data-operation-id') ?? null,
        })),
      );
    async function show(filter: Record<string, string>): Promise<Awaited<ReturnType<typeof rowsShown>>> {
      await testId(page, 'clear-filter').click();
      for (const [field, value] of Object.entries(filter)) {
        const input = testId(page, `filter-${field}`);
        if (await input.evaluate((e) => e.tagName === 'SELECT')) await input.selectOption(value);
        else await input.fill(value);
      }
      const readNumber = testId(page, 'console-registration-number');
      const previous = (await readNumber.count()) > 0 ? await readNumber.textContent() : null;
      await testId(page, 'apply-filter').click();
      await page.waitForFunction((last) => {
        const shown = document.querySelector('[data-testid="console-registration-number"]')?.textContent ?? null;
        return shown !== null && shown !== last;
      }, previous);
      if (await testId(page, 'console-error').count()) assert.fail(`the console shows an error: ${await testId(page, 'console-error').textContent()}`);
      return rowsShown();
    }

    // The last day (the API's default range), which holds all this hub has seen: each body's requests per hour.
    await show({});
    const agencies = await page.locator('[data-testid="chart-bar"]').evaluateAll((rects) => rects.map((r) => r.getAttribute('data-agency')));
    for (const agency of ['SBS', 'MOJ', 'SCFWCA', 'MOD', 'MIA']) assert.ok(agencies.includes(agency), `the chart has ${agency}'s requests`);
    assert.equal(await page.locator('h1').textContent(), AZ.console.title);
    await screenshot(page, 'audit-console-az');
    await assertAccessible(page, 'console, az');
    await switchLanguage(page, 'en');
    await page.getByRole('heading', { name: "Auditors' console" }).waitFor();
    await screenshot(page, 'audit-console-en');
    await assertAccessible(page, 'console, en');
    await switchLanguage(page, 'az');

    // Each query made in the playground, by its registration number, with the purpose and case number stated there.
    for (const [example, { registrationNumber, agency, sub, purpose, caseNumber }] of ran) {
      const rows = await show({ 'registration-number': registrationNumber });
      assert.deepEqual(
        rows,
        [{ registrationNumber, agency, sub, decision: 'ALLOWED', positive: 'yes', purpose, caseNumber, event: 'QUERY', marked: '', operationId: null }],
        example,
      );
      // Words beside the codes: the decision as the catalogue says it, the body by its name with its code.
      const row = page.locator(`[data-registration-number="${registrationNumber}"]`);
      assert.equal(await row.locator('[data-column="decision"]').textContent(), AZ.decision['ALLOWED']);
      assert.equal(await row.locator('[data-column="agency"]').textContent(), `${hub.policies.agencies.get(agency)!.nameAz} ${agency}`);
      // The policy set it was decided under: its first twelve hex digits, the whole hash in the title.
      const policySet = row.locator('[data-column="policy-set"]');
      assert.equal(await policySet.textContent(), `sha256:${POLICY_SET.slice(0, 12)}…`);
      assert.equal(await policySet.getAttribute('title'), `sha256:${POLICY_SET}`);
    }

    // The child profile's write was in doubt (as the gateway owes it, decision 0018): its correction stands first,
    // marked, and the record it supersedes is struck through but shown as written.
    const doubted = ran.get('child')!;
    const db = new Client({ connectionString: hub.database.url });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT * FROM audit.journal WHERE registration_number = $1', [doubted.registrationNumber]);
      await db.query(APPEND_JOURNAL_SQL, [JSON.stringify([journalRow(correctionOf(entryFromRow(rows[0]!)))])]);
    } finally {
      await db.end();
    }
    assert.deepEqual(
      (await show({ 'registration-number': doubted.registrationNumber })).map((r) => [r.event, r.decision, r.positive, r.marked]),
      [
        ['CORRECTION', 'REFUSED', 'no', 'hub-correction'],
        ['QUERY', 'ALLOWED', 'yes', 'hub-superseded'],
      ],
    );

    // The registered operation the border guard ran, by its id and by its reviewed name: that request alone.
    assert.ok(registeredRun, 'the playground ran a registered operation');
    for (const operation of [registeredRun.id, 'SBS/borderCheckByFin']) {
      // The officer's run only: the information system's run of the same operation (above) is another caller's.
      const rows = await show({ operation, sub: 'sbs-officer-7' });
      assert.deepEqual(
        rows.map((r) => [r.registrationNumber, r.operationId]),
        [[registeredRun.registrationNumber, registeredRun.id]],
        operation,
      );
    }

    // The border guard's sign-in, query and sign-out, by officer.
    const guard = await show({ sub: 'sbs-officer-7', agency: 'SBS' });
    const events = guard.map((r) => r.event);
    assert.ok(events.includes('SIGN_IN') && events.includes('SIGN_OUT'), `sign-in and sign-out are journaled: ${events.join(', ')}`);
    assert.ok(guard.some((r) => r.registrationNumber === ran.get('border')!.registrationNumber));
    assert.ok(guard.every((r) => r.sub === 'sbs-officer-7' && r.agency === 'SBS'));

    // Positive results of MOJ's officer: the debtor lookup found records.
    const positive = await show({ agency: 'MOJ', positive: 'yes', resource: 'enforcement' });
    assert.deepEqual(
      positive.map((r) => r.registrationNumber),
      [ran.get('debtor')!.registrationNumber],
    );

    // The refused requests, within the time range, ten per page and then the rest.
    const minute = (d: Date) => d.toISOString().slice(0, 16);
    const from = minute(new Date(testStart.getTime() - 60_000));
    const to = minute(new Date(Date.now() + 120_000));
    const first = await show({ agency: 'MOD', decision: 'REFUSED', from, to });
    assert.equal(await testId(page, 'total').textContent(), '12');
    assert.equal(first.length, 10);
    // The chart of the same filter: MOD's requests per hour, all of them refused.
    const bars = await page.locator('[data-testid="chart-bar"]').evaluateAll((rects) =>
      rects.map((r) => ({
        agency: r.getAttribute('data-agency'),
        requests: Number(r.getAttribute('data-requests')),
        refusals: Number(r.getAttribute('data-refusals')),
      })),
    );
    assert.ok(bars.length >= 1 && bars.every((b) => b.agency === 'MOD'));
    assert.deepEqual([bars.reduce((s, b) => s + b.requests, 0), bars.reduce((s, b) => s + b.refusals, 0)], [12, 12]);
    // Refusals are bars of their own beside each hour's requests: visible even when the range holds one hour.
    const refusalBars = await page
      .locator('[data-testid="chart-refusal-bar"]')
      .evaluateAll((bars) => bars.map((e) => ({ refusals: Number(e.getAttribute('data-refusals')), height: Number(e.getAttribute('height')) })));
    assert.equal(
      refusalBars.reduce((s, b) => s + b.refusals, 0),
      12,
    );
    assert.ok(
      refusalBars.every((b) => b.refusals === 0 || b.height > 10),
      JSON.stringify(refusalBars),
    );

    await testId(page, 'page-older').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length === 2);
    const second = await rowsShown();
    assert.deepEqual([...first, ...second].map((r) => r.registrationNumber).sort(), [...refused].sort());
    assert.ok(
      first.every((r) => r.registrationNumber! > second[0]!.registrationNumber!),
      'newest first',
    );
    assert.equal(await testId(page, 'page-older').isDisabled(), true, 'no page after the last');

    // The filtered history exported as CSV: every record the filter holds, read through the hub page by page.
    const [download] = await Promise.all([page.waitForEvent('download'), testId(page, 'export').click()]);
    const csv = readFileSync(await download.path(), 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(csv.length, 13, csv.join('\n'));
    assert.deepEqual(
      csv
        .slice(1)
        .map((line) => line.split(',')[0])
        .sort(),
      [...refused].sort(),
    );
    assert.ok(csv.slice(1).every((line) => line.split(',')[10] === 'REFUSED' && line.split(',')[3] === 'MOD'));
    // Each record names the policy set it was decided under, whole in the CSV.
    assert.ok(csv.slice(1).every((line) => line.split(',').at(-1) === `sha256:${POLICY_SET}`));
    // The export is itself a journaled read: the auditor's own request, with the purpose "audit".
    const exportNumber = /HUB-\d{17}-[0-9A-Z]{3}-[0-9A-Z]{4}/.exec((await testId(page, 'exported').textContent()) ?? '')?.[0];
    assert.ok(exportNumber, "the page names the export's registration number");
    const journaled = await show({ 'registration-number': exportNumber });
    assert.deepEqual(
      journaled.map((r) => [r.event, r.agency, r.purpose, r.decision]),
      [['QUERY', 'MIA', 'audit', 'ALLOWED']],
    );

    // A range that ends before the test began holds none of it.
    await show({ to: minute(new Date(testStart.getTime() - 3_600_000)) });
    assert.equal(await testId(page, 'total').textContent(), '0');
    await testId(page, 'chart-empty').waitFor();

    // Nothing the officers asked for, neither query text nor variables, ever reaches the console.
    const passport = citizenDocuments(hub.population, citizenIndex('restricted-by-SBS')).find((d) => d.type === 'GENERAL_PASSPORT' && d.active)!.number;
    const secrets = [
      passport,
      citizenAt(hub.population, citizenIndex('citizen-full')).fin,
      citizenAt(hub.population, citizenIndex('child')).fin,
      'restrictionCheck {',
      '$number',
    ];
    const seen = [await page.content(), ...graphqlBodies].join('\n');
    for (const secret of secrets) assert.ok(!seen.includes(secret), `the console never holds "${secret}"`);
    assert.ok(graphqlBodies.length > 0);
    assert.deepEqual(errors, []);
  });

  it('never sends a request beyond localhost', () => {
    const urls = pages.flatMap((p) => p.requests);
    assert.ok(urls.length > 0);
    for (const url of urls) {
      const parsed = new URL(url);
      if (parsed.protocol === 'data:') continue;
      assert.ok(LOCAL_HOSTS.has(parsed.hostname), `request to ${url}`);
    }
  });
});
