import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { citizenAt } from '@hub/kit/synthetic';
import { startTestHub, type TestHub } from '../src/hub';

/**
 * A citizen's own page /me in a real browser (Debian's chromium via playwright-core): signed in
 * with a development citizen token, it shows their data, a body's use of it, and grants and
 * withdraws a consent; nothing leaves localhost, under a CSP that allows no other host.
 * The screenshot goes to test-artifacts/me.png.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '../../../test-artifacts');

describe("the citizen's page /me in a browser", () => {
  let hub: TestHub;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    hub = await startTestHub();
    process.env['HUB_KEYS_DIR'] = hub.keysDir;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it("signs in, shows the person's data and a body's use of it, grants and withdraws a consent", async () => {
    const person = citizenAt(hub.population, 7);
    const used = await hub.query(
      'query($fin: ID!) { person(fin: $fin) { fin } }',
      { fin: person.fin },
      { purpose: 'border-control', token: await hub.token({ agency: 'SBS', roles: ['officer'] }) },
    );
    assert.equal(used.body.errors, undefined, JSON.stringify(used.body.errors));

    const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const response = await page.goto(`http://127.0.0.1:${hub.gateway.port}/me`);
    assert.equal(response?.status(), 200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'(;|$)/);

    await page.getByTestId('dev-fin').fill(person.fin);
    await page.getByTestId('dev-sign-in').click();
    await page.getByTestId('use-row').first().waitFor();
    assert.match((await page.getByTestId('signed-in-as').textContent()) ?? '', new RegExp(person.fin));
    await page.waitForFunction(
      (last) =>
        (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document
          .querySelector('[data-testid="my-data"]')
          ?.textContent?.includes(last) ?? false,
      person.lastName,
    );
    const rows = await page.getByTestId('use-row').allTextContents();
    assert.equal(rows.length, 1, rows.join('\n'));
    assert.match(rows[0]!, /SBS.*border-control.*citizens/);

    await page.getByTestId('consent-agency').selectOption('MIA');
    await page.getByTestId('consent-purpose').selectOption('service-delivery');
    await page.getByTestId('grant').click();
    await page.getByTestId('consent').first().waitFor();
    assert.match((await page.getByTestId('consent').first().textContent()) ?? '', /MIA · service-delivery/);
    await page.screenshot({ path: resolve(ARTIFACTS, 'me.png'), fullPage: true });
    const served = await hub.query('query($fin: ID!) { person(fin: $fin) { fin } }', { fin: person.fin }, { purpose: 'service-delivery' });
    assert.equal(served.body.errors, undefined, JSON.stringify(served.body.errors));

    await page.getByTestId('withdraw').click();
    await page.getByTestId('consent').waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('consent-history').locator('li').count(), 2);
    const refused = await hub.query('query($fin: ID!) { person(fin: $fin) { fin } }', { fin: person.fin }, { purpose: 'service-delivery' });
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'CONSENT_REQUIRED');

    assert.deepEqual(errors, []);
    for (const url of requests) assert.ok(['127.0.0.1', 'localhost'].includes(new URL(url).hostname) || url.startsWith('data:'), url);
    await context.close();
  });
});
