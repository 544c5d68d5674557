import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * What the browser tests share: Debian's chromium driven by playwright-core, the folder their
 * screenshots are kept in, the pages' language switch, and an accessibility check with axe-core.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = resolve(__dirname, '../../../test-artifacts');
/** WCAG 2.1 levels A and AA: what a tool can check of what the pages must meet. */
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function launchChromium(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium is not installed at ${CHROMIUM}: install Debian's "chromium" package (apt-get install -y chromium), as .ci/run does.`,
  );
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The page's language: the document's lang, as the switch sets it. */
export const documentLanguage = (page: Page): Promise<string> =>
  page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang);

/** Switches the page's language and waits until the document says it. */
export async function switchLanguage(page: Page, language: 'az' | 'en'): Promise<void> {
  await page.getByTestId(`language-${language}`).click();
  await page.waitForFunction(
    (l) => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang === l,
    language,
  );
}

/**
 * axe-core's WCAG 2.1 A and AA rules on the page as it stands. The script is evaluated through
 * the DevTools protocol, which the page's CSP does not govern: the page itself still loads nothing
 * but its own scripts.
 */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const axe = (
      globalThis as unknown as {
        axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown[] }> }> }> };
      }
    ).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  }, WCAG_21_AA);
  assert.deepEqual(violations, [], `${label}: WCAG 2.1 AA violations`);
}
