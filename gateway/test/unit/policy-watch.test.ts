import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayConfigFromEnv } from '../../src/config';
import { watchPolicySet, type Schedule } from '../../src/policy/policy-watch';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A clock the test turns: each scheduled run is kept, a cancelled one marked, and `calls(n)`
 * resolves once n runs have been scheduled (each change the watcher hears schedules one).
 */
function manualClock() {
  const runs: Array<{ run: () => void; ms: number; cancelled: boolean }> = [];
  const waiting: Array<{ n: number; resolve: () => void }> = [];
  const schedule: Schedule = (run, ms) => {
    const entry = { run, ms, cancelled: false };
    runs.push(entry);
    for (const w of waiting.filter((w) => runs.length >= w.n)) w.resolve();
    return () => {
      entry.cancelled = true;
    };
  };
  const calls = (n: number) => new Promise<void>((resolve) => (runs.length >= n ? resolve() : waiting.push({ n, resolve })));
  return { runs, schedule, calls, pending: () => runs.filter((r) => !r.cancelled) };
}

/** A policies folder with a nested one, and a folder holding the supergraph and the signature. */
function folders() {
  const dir = mkdtempSync(join(tmpdir(), 'hub-watch-'));
  made.push(dir);
  const policiesDir = join(dir, 'policies');
  mkdirSync(join(policiesDir, 'operations', 'MIA'), { recursive: true });
  writeFileSync(join(policiesDir, 'access-matrix.json'), '{}');
  const configDir = join(dir, 'config');
  mkdirSync(configDir);
  return { dir, policiesDir, configDir, supergraphPath: join(configDir, 'supergraph.graphql'), signaturePath: join(configDir, 'policy-set.jws') };
}

function watching(f: ReturnType<typeof folders>, clock: ReturnType<typeof manualClock>) {
  let changed = 0;
  const unwatchable: string[] = [];
  const watcher = watchPolicySet({
    ...f,
    debounceMs: 750,
    schedule: clock.schedule,
    changed: () => (changed += 1),
    unwatchable: (path) => unwatchable.push(path),
  });
  return { watcher, changed: () => changed, unwatchable };
}

describe('watching the policy set', () => {
  it('makes a burst of writes, nested folders included, one reload once the files stay still', async () => {
    const f = folders();
    const clock = manualClock();
    const w = watching(f, clock);
    try {
      writeFileSync(join(f.policiesDir, 'access-matrix.json'), '{"a":1}');
      writeFileSync(join(f.policiesDir, 'operations', 'MIA', 'check.graphql'), 'query Check { x }');
      writeFileSync(f.supergraphPath, 'type Query { x: Int }');
      await clock.calls(3);
      assert.equal(w.changed(), 0, 'nothing reloads while the burst lasts');
      assert.equal(clock.pending().length, 1, 'each change postpones the one reload');
      assert.equal(clock.pending()[0]?.ms, 750);
      clock.pending()[0]!.run();
      assert.equal(w.changed(), 1);
      assert.deepEqual(w.unwatchable, []);
    } finally {
      w.watcher.close();
    }
  });

  it("takes a Kubernetes ConfigMap's update: the `..data` symlink swapped beside the supergraph", async () => {
    const f = folders();
    // As the kubelet mounts it: dated folder, `..data` pointing at it, each file a link through `..data`.
    mkdirSync(join(f.configDir, '..2026_12_07_19_00_00.1'));
    writeFileSync(join(f.configDir, '..2026_12_07_19_00_00.1', 'supergraph.graphql'), 'old');
    symlinkSync('..2026_12_07_19_00_00.1', join(f.configDir, '..data'));
    symlinkSync('..data/supergraph.graphql', f.supergraphPath);
    const clock = manualClock();
    const w = watching(f, clock);
    try {
      // The update: a new dated folder, then `..data` replaced by a rename (atomic for readers).
      mkdirSync(join(f.configDir, '..2026_12_07_20_00_00.2'));
      writeFileSync(join(f.configDir, '..2026_12_07_20_00_00.2', 'supergraph.graphql'), 'new');
      symlinkSync('..2026_12_07_20_00_00.2', join(f.configDir, '..data_tmp'));
      renameSync(join(f.configDir, '..data_tmp'), join(f.configDir, '..data'));
      await clock.calls(1);
      clock.pending()[0]!.run();
      assert.equal(w.changed(), 1);
    } finally {
      w.watcher.close();
    }
  });

  it('takes a new signature written beside the supergraph and renamed into place', async () => {
    const f = folders();
    const clock = manualClock();
    const w = watching(f, clock);
    try {
      writeFileSync(join(f.dir, 'policy-set.jws.new'), 'header..signature');
      renameSync(join(f.dir, 'policy-set.jws.new'), f.signaturePath);
      await clock.calls(1);
      clock.pending()[0]!.run();
      assert.equal(w.changed(), 1);
    } finally {
      w.watcher.close();
    }
  });

  it('says which folder it cannot watch and watches the rest', () => {
    const f = folders();
    const w = watching({ ...f, signaturePath: join(f.dir, 'absent', 'policy-set.jws') }, manualClock());
    w.watcher.close();
    assert.deepEqual(w.unwatchable, [join(f.dir, 'absent')]);
  });

  it('is on unless POLICY_WATCH=off, and a value that is neither is a configuration error', () => {
    const base = { HUB_MODE: 'development', DATABASE_URL: 'postgres://hub@127.0.0.1:1/unused' };
    assert.deepEqual(gatewayConfigFromEnv(base).policyWatch, { enabled: true, debounceMs: 1000 });
    assert.deepEqual(gatewayConfigFromEnv({ ...base, POLICY_WATCH: 'off', POLICY_WATCH_DEBOUNCE_MS: '200' }).policyWatch, { enabled: false, debounceMs: 200 });
    assert.throws(() => gatewayConfigFromEnv({ ...base, POLICY_WATCH: 'yes' }), /POLICY_WATCH="yes": expected on or off/);
  });
});
