import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startProcess, startWaiting } from '../src/processes';

/**
 * `npm start` starts the subgraph host and the gateway before the database is up; each loads
 * its modules, then waits for the rest of its environment from the launcher (launched.ts).
 */
const dir = mkdtempSync(join(tmpdir(), 'hub-launched-'));
const ENTRY = join(dir, 'child.js');
// Writes down what it was handed over (or why not) and ends by itself: nothing keeps it alive.
writeFileSync(
  ENTRY,
  `
const { writeFileSync } = require('node:fs');
const { environmentFromLauncher, tellLauncher } = require(${JSON.stringify(join(ROOT, 'scripts/dist/src/launched.js'))});
if (process.env.TELL) tellLauncher(process.env.TELL);
environmentFromLauncher().then(
  (env) => writeFileSync(process.env.OUT, JSON.stringify({ env, seen: process.env.STARTED_WITH })),
  (error) => { writeFileSync(process.env.OUT, JSON.stringify({ error: error.message })); process.exitCode = 1; },
);
`,
);

let runs = 0;
const outFile = () => join(dir, `out-${(runs += 1)}.json`);
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { env?: Record<string, string>; seen?: string; error?: string };

describe('a child the launcher starts before its environment is complete', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('goes on with what the launcher hands over, and ends on its own afterwards', async () => {
    const out = outFile();
    const child = startWaiting('child', ENTRY, { ...process.env, OUT: out, STARTED_WITH: 'spawn' });
    child.go({ env: { DATABASE_URL: 'postgres://127.0.0.1:5/db' } });
    assert.equal(await child.exited, 0);
    assert.deepEqual(read(out), { env: { DATABASE_URL: 'postgres://127.0.0.1:5/db' }, seen: 'spawn' });
  });

  it('named a readiness URL, goes on only once that answers 200', async () => {
    // Not ready twice, then ready: the child must have asked three times, and no more.
    let asked = 0;
    const server = createServer((_req, res) => {
      asked += 1;
      res.writeHead(asked < 3 ? 503 : 200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const out = outFile();
      const child = startWaiting('child', ENTRY, { ...process.env, OUT: out });
      child.go({ env: { PORT: '1' }, after: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready` });
      assert.equal(await child.exited, 0);
      assert.equal(asked, 3);
      assert.deepEqual(read(out).env, { PORT: '1' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('tells the launcher when something it waits for is done; exiting first is a failure', async () => {
    const telling = startWaiting('child', ENTRY, { ...process.env, OUT: outFile(), TELL: 'keys' });
    assert.equal(await telling.told, 'keys');
    telling.go({ env: {} });
    assert.equal(await telling.exited, 0);
    const silent = startWaiting('silent', ENTRY, { ...process.env, OUT: outFile() });
    silent.go({ env: {} });
    await assert.rejects(silent.told, /silent exited \(0\)/);
  });

  it('stops, saying why, when the launcher goes away before handing anything over', async () => {
    const out = outFile();
    const child = startWaiting('child', ENTRY, { ...process.env, OUT: out });
    child.process.disconnect();
    assert.equal(await child.exited, 1);
    assert.match(read(out).error ?? '', /launcher went away/);
  });

  it('started by anyone else (no launcher), has its whole environment already', async () => {
    const out = outFile();
    const child = startProcess('child', ENTRY, { ...process.env, OUT: out, STARTED_WITH: 'plain' }, 'ignore');
    assert.equal(await child.exited, 0);
    assert.deepEqual(read(out), { env: {}, seen: 'plain' });
  });
});
