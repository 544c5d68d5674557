import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SUBGRAPHS } from '@hub/kit';
import { gatewayEntry, ROOT, subgraphEntry } from '../src/processes';

/**
 * The embedded PostgreSQL (PGlite and the patch of its socket server) and the demo OpenID
 * provider (oidc-provider, a dev package the image prunes) are for development and tests: no
 * production process loads them. Each entry runs in a node of its own, with an empty
 * environment and a preload that writes down every module loaded when the process exits; the
 * entry's imports load before its first line runs, and the preload ends it before anything listens
 * (a subgraph's entry loads its module later, so it runs until its database refuses it).
 */
const dir = mkdtempSync(join(tmpdir(), 'hub-modules-'));
const PRELOAD = join(dir, 'list-modules.js');
writeFileSync(
  PRELOAD,
  `
const { writeFileSync } = require('node:fs');
process.on('exit', () => writeFileSync(process.env.MODULES_OUT, JSON.stringify(Object.keys(require.cache))));
if (!process.env.RUN_TO_EXIT) setImmediate(() => process.exit(0));
`,
);

let runs = 0;
async function modulesLoadedBy(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  runs += 1;
  const out = join(dir, `modules-${runs}.json`);
  // Exit code 1 (no DATABASE_URL, no supergraph) is expected: only what was loaded matters.
  await promisify(execFile)(process.execPath, ['--require', PRELOAD, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'], MODULES_OUT: out, ...env },
  }).catch((error: { code?: number }) => {
    if (error.code !== 1) throw error;
  });
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

const isPglite = (path: string) => path.includes('/node_modules/@electric-sql/pglite');
const isDemoProvider = (path: string) => path.includes('/node_modules/oidc-provider/') || path.includes('/scripts/dist/src/dev/');

describe('production processes', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the check sees PGlite where it is loaded: @hub/kit/dev', async () => {
    const loaded = await modulesLoadedBy(['-e', "require('@hub/kit/dev')"]);
    assert.ok(loaded.some(isPglite));
  });

  it('the check sees the demo provider where it is loaded: the demo launcher', async () => {
    const loaded = await modulesLoadedBy(['-e', "require('./scripts/dist/src/dev/demo-provider.js')"]);
    assert.ok(loaded.some((path) => path.includes('/node_modules/oidc-provider/')));
  });

  it('oidc-provider is a dev package: the image prunes it', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    assert.ok(root.devDependencies?.['oidc-provider']);
    assert.equal(root.dependencies?.['oidc-provider'], undefined);
  });

  for (const { name } of SUBGRAPHS) {
    it(`the ${name} subgraph's process loads its module and the kit, and not PGlite nor the demo provider`, async () => {
      // A subgraph's process loads its module once its tracing has started (decision 0024): it runs
      // until its database, which nothing serves, refuses it, and exits 1.
      const loaded = await modulesLoadedBy([subgraphEntry(name)], { DATABASE_URL: 'postgres://hub@127.0.0.1:1/unused', RUN_TO_EXIT: '1' });
      assert.ok(loaded.some((path) => path.endsWith('/subgraphs/kit/dist/src/index.js')));
      assert.ok(loaded.some((path) => path.endsWith(`/subgraphs/${name}/dist/src/index.js`)));
      assert.deepEqual(loaded.filter(isPglite), []);
      assert.deepEqual(loaded.filter(isDemoProvider), []);
    });
  }

  it("the gateway's process does not load PGlite nor the demo provider, and does load its relying party", async () => {
    const loaded = await modulesLoadedBy([gatewayEntry()]);
    assert.ok(loaded.some((path) => path.endsWith('/gateway/dist/src/http/server.js')));
    assert.ok(loaded.some((path) => path.endsWith('/gateway/dist/src/sign-in/relying-party.js')));
    assert.deepEqual(loaded.filter(isPglite), []);
    assert.deepEqual(loaded.filter(isDemoProvider), []);
  });
});
