import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger, scalarLineLogger } from '../../src/monitoring/logger';

describe('the gateway log', () => {
  it('does not wait for a reader that falls behind, and leaves every line when the process exits right after logging', { timeout: 30_000 }, async () => {
    const logger = resolve(__dirname, '../../src/monitoring/logger.js');
    // Far more than a pipe holds: a synchronous log would block here until the reader read.
    const child = spawn(process.execPath, [
      '-e',
      `const log = require(${JSON.stringify(logger)}).createLogger('gateway');
       for (let i = 0; i < 20000; i++) log.info({ reg: 'HUB-' + i }, 'request');
       log.info('stopped');
       process.stderr.write('logged\\n');
       process.exit(0);`,
    ]);
    const exited = once(child, 'exit');
    // stdout is not read until the child has logged everything.
    for await (const line of createInterface({ input: child.stderr })) if (line === 'logged') break;
    const lines: Array<{ msg: string; reg?: string }> = [];
    for await (const line of createInterface({ input: child.stdout })) lines.push(JSON.parse(line) as (typeof lines)[number]);
    assert.deepEqual(await exited, [0, null]);
    assert.equal(lines.length, 20001);
    assert.deepEqual(
      lines.slice(0, 20000).map((l) => l.reg),
      Array.from({ length: 20000 }, (_, i) => `HUB-${i}`),
    );
    assert.equal(lines.at(-1)?.msg, 'stopped');
  });

  it("gives the request line the parent's name and level and redacts the same keys at its top level", () => {
    const lines: string[] = [];
    const line = scalarLineLogger(createLogger('gateway', { write: (text: string) => void lines.push(text) }, 'info'));
    line.debug({ reg: 'HUB-1' }, 'below the level');
    line.info({ reg: 'HUB-2', query: '{ person(fin: "SECRET1") { fin } }', variables: 'SECRET2', authorization: 'Bearer SECRET3', status: 200 }, 'request');
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes('SECRET'), lines[0]);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry['name'], 'gateway');
    assert.equal(entry['reg'], 'HUB-2');
    assert.equal(entry['query'], '[redacted]');
    assert.equal(entry['authorization'], '[redacted]');
    assert.equal(entry['status'], 200);
  });
});
