import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upToDate, writeStamp } from '../src/up-to-date';

/** `npm start`'s prestart skips the UI bundle when nothing it read changed since (build-ui.ts --if-changed). */
describe('a build stamp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-stamp-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'input.tsx');
  const output = join(dir, 'out.js');
  const stamp = join(dir, 'stamp.json');
  // Times set explicitly: the file system's clock resolution does not decide the outcome.
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  function built(): void {
    writeFileSync(input, 'x');
    writeFileSync(output, 'y');
    writeStamp(stamp, [input]);
    at(input, 1_000);
    at(stamp, 2_000);
  }

  it('is up to date when no input is newer than the stamp and every output exists', () => {
    built();
    assert.equal(upToDate(stamp, [output]), true);
  });

  it('is not when an input changed after the build', () => {
    built();
    at(input, 3_000);
    assert.equal(upToDate(stamp, [output]), false);
  });

  it('is not when an input or an output is gone, or there is no stamp', () => {
    built();
    rmSync(input);
    assert.equal(upToDate(stamp, [output]), false);
    built();
    rmSync(output);
    assert.equal(upToDate(stamp, [output]), false);
    assert.equal(upToDate(join(dir, 'none.json'), [output]), false);
  });
});
