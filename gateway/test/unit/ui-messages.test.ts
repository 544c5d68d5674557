import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TITLES } from '../../src/http/pages';

/** The pages' catalogues (gateway/ui/messages): one per language, read here as the bundle reads them. */
const UI = resolve(__dirname, '../../../ui');
type Catalogue = { [key: string]: string | Catalogue };
const catalogue = (language: string) => JSON.parse(readFileSync(join(UI, 'messages', `${language}.json`), 'utf8')) as Catalogue;

function keysOf(tree: Catalogue, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) => (typeof value === 'string' ? [`${prefix}${key}`] : keysOf(value, `${prefix}${key}.`)));
}

function valueAt(tree: Catalogue, key: string): string | Catalogue | undefined {
  return key.split('.').reduce<string | Catalogue | undefined>((node, part) => (node && typeof node === 'object' ? node[part] : undefined), tree);
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe("the pages' message catalogues", () => {
  const az = catalogue('az');
  const en = catalogue('en');

  it('have the same keys in Azerbaijani and English, and no empty message', () => {
    assert.deepEqual(keysOf(az).sort(), keysOf(en).sort());
    for (const key of keysOf(az)) {
      assert.notEqual(String(valueAt(az, key)).trim(), '', `az: ${key}`);
      assert.notEqual(String(valueAt(en, key)).trim(), '', `en: ${key}`);
    }
  });

  it('fill the same placeholders in both languages', () => {
    for (const key of keysOf(az)) assert.deepEqual(placeholders(String(valueAt(az, key))), placeholders(String(valueAt(en, key))), key);
  });

  it('hold every key the pages ask for', () => {
    const asked = readdirSync(UI)
      .filter((file) => file.endsWith('.tsx') || file.endsWith('.ts'))
      .flatMap((file) => [...readFileSync(join(UI, file), 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)].map((m) => `${file}: ${m[1]}`));
    assert.ok(asked.length > 0, 'the pages ask for messages through t()');
    for (const entry of asked) {
      const key = entry.slice(entry.indexOf(': ') + 2);
      assert.equal(typeof valueAt(az, key), 'string', `az lacks ${entry}`);
      assert.equal(typeof valueAt(en, key), 'string', `en lacks ${entry}`);
    }
  });

  it('hold no message no page asks for: each key is asked for by name, or under a prefix the pages complete (`role.${role}`)', () => {
    const source = readdirSync(UI)
      .filter((file) => file.endsWith('.tsx') || file.endsWith('.ts'))
      .map((file) => readFileSync(join(UI, file), 'utf8'))
      .join('\n');
    const prefixes = new Set([...source.matchAll(/`([a-zA-Z.]+)\.\$\{/g)].map((m) => m[1]));
    const unused = keysOf(az).filter(
      (key) => !source.includes(`'${key}'`) && !source.includes(`"${key}"`) && !prefixes.has(key.slice(0, key.lastIndexOf('.'))),
    );
    assert.deepEqual(unused, []);
  });

  it("give the server's first title of each page, before its script runs (Azerbaijani first)", () => {
    for (const [page, title] of Object.entries(TITLES)) assert.equal(valueAt(az, `${page}.title`), title, page);
  });
});
