import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { citizenAt } from '@hub/kit/synthetic';
import { assertAccessible, documentLanguage, launchChromium, screenshot, switchLanguage } from '../src/browser';
import { startTestHub, type TestHub } from '../src/hub';

/**
 * A citizen's own page /me in a real browser (Debian's chromium via playwright-core): signed in
 * with a development citizen token, it shows their data, each body's use of it as a sentence
 * naming only the registers that gave something out, and grants and withdraws a consent; in
 * Azerbaijani first and in English on the switch, each passing axe-core's WCAG 2.1 AA checks.
 * Nothing leaves localhost, under a CSP that allows no other host. Screenshots go to
 * test-artifacts/me-az.png and me-en.png.
 */
const AZ = JSON.parse(readFileSync(resolve(__dirname, '../../../gateway/ui/messages/az.json'), 'utf8')) as { me: { title: string } };

describe("the citizen's page /me in a browser", () => {
  let hub: TestHub;
  let browser: Browser;

  before(async () => {
    hub = await startTestHub();
    process.env['HUB_KEYS_DIR'] = hub.keysDir;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it("signs in, shows the person's data and each body's use of it, never a refused register as used, grants and withdraws a consent", async () => {
    const person = citizenAt(hub.population, 7);
    const used = await hub.query(
      'query($fin: ID!) { person(fin: $fin) { fin } }',
      { fin: person.fin },
      { purpose: 'border-control', token: await hub.token({ agency: 'SBS', roles: ['officer'] }) },
    );
    assert.equal(used.body.errors, undefined, JSON.stringify(used.body.errors));
    // The Ministry of Defence reads the citizens register but asks the enforcement register too, which it may not read.
    const mod = await hub.token({ agency: 'MOD', roles: ['officer'], sub: 'mod-officer-1' });
    const partly = await hub.query(
      'query($fin: ID!) { person(fin: $fin) { fin citizen { lastName } enforcementCases(first: 5) { caseNumber } } }',
      { fin: person.fin },
      { token: mod, purpose: 'identity-check' },
    );
    assert.equal(partly.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(partly.body));
    const citizens = hub.policies.resources.get('citizens')!.titleAz;
    const enforcement = hub.policies.resources.get('enforcement')!.titleAz;

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
    assert.equal(await documentLanguage(page), 'az');
    assert.equal(await page.locator('h1').textContent(), AZ.me.title);
    await assertAccessible(page, 'me, signed out, az');

    await page.getByTestId('dev-fin').fill(person.fin);
    await page.getByTestId('dev-sign-in').click();
    await page.locator('[data-testid="use-row"][data-agency="MOD"]').waitFor();
    assert.match((await page.getByTestId('signed-in-as').textContent()) ?? '', new RegExp(person.fin));
    await page.waitForFunction(
      (last) =>
        (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document
          .querySelector('[data-testid="my-data"]')
          ?.textContent?.includes(last) ?? false,
      person.lastName,
    );
    assert.equal(await page.locator('[data-testid="my-data"] pre, [data-testid="my-data"] code').count(), 0, 'the data is in sections, not JSON');

    const uses = await page.getByTestId('use-row').evaluateAll((rows) =>
      rows.map((r) => ({
        agency: r.getAttribute('data-agency'),
        purpose: r.getAttribute('data-purpose'),
        sentence: r.querySelector('[data-testid="use-sentence"]')?.textContent ?? '',
        refused: r.querySelector('[data-testid="use-refused"]')?.textContent ?? null,
      })),
    );
    assert.equal(uses.length, 2, JSON.stringify(uses));
    const bySbs = uses.find((u) => u.agency === 'SBS')!;
    assert.equal(bySbs.purpose, 'border-control');
    assert.ok(bySbs.sentence.startsWith(hub.policies.agencies.get('SBS')!.nameAz), bySbs.sentence);
    assert.ok(bySbs.sentence.includes(citizens) && bySbs.sentence.includes(hub.policies.purposes.get('border-control')!.descriptionAz), bySbs.sentence);
    assert.equal(bySbs.refused, null);
    // The refused register is never said to be read: it is named apart, as asked and refused.
    const byMod = uses.find((u) => u.agency === 'MOD')!;
    assert.ok(byMod.sentence.includes(citizens), byMod.sentence);
    assert.ok(!byMod.sentence.includes(enforcement), `the sentence names only what was given out: ${byMod.sentence}`);
    assert.ok(byMod.refused?.includes(enforcement), `the refusal is said apart: ${byMod.refused}`);

    await page.getByTestId('consent-agency').selectOption('MIA');
    await page.getByTestId('consent-purpose').selectOption('service-delivery');
    await page.getByTestId('grant').click();
    await page.getByTestId('consent').first().waitFor();
    const consent = page.getByTestId('consent').first();
    assert.deepEqual([await consent.getAttribute('data-agency'), await consent.getAttribute('data-purpose')], ['MIA', 'service-delivery']);
    assert.ok(((await consent.textContent()) ?? '').includes(hub.policies.agencies.get('MIA')!.nameAz));
    await screenshot(page, 'me-az');
    await assertAccessible(page, 'me, signed in, az');

    await switchLanguage(page, 'en');
    await page.getByRole('heading', { name: 'My data in the data-exchange hub' }).waitFor();
    const english = (await page.locator('[data-testid="use-row"][data-agency="MOD"] [data-testid="use-sentence"]').textContent()) ?? '';
    assert.ok(english.includes(hub.policies.resources.get('citizens')!.title) && !english.includes(hub.policies.resources.get('enforcement')!.title), english);
    await screenshot(page, 'me-en');
    await assertAccessible(page, 'me, signed in, en');
    await switchLanguage(page, 'az');

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
