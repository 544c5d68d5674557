import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { createKeyPair } from '@hub/kit';
import { PolicyReloads, reloadPolicySet, type ReloadTarget, type SetInForce } from '../../src/bootstrap';
import { gatewayConfigFromEnv } from '../../src/config';
import { ensureDevelopmentKeys } from '../../src/identity/keys';
import type { PolicySetParts } from '../../src/http/server';
import { policyRefusalEntry, type PolicyRefusal } from '../../src/journal/policy-change';
import { loadPolicySet, policySetFiles, policySetHash } from '../../src/policy/policy-set';
import { policyKeyPaths, signPolicySet } from '../../src/policy/policy-signature';

const ROOT = resolve(__dirname, '../../../..');
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the repository's set and a keys folder, in a folder of their own. */
function copyOfSet(): { dir: string; policiesDir: string; supergraphPath: string; keysDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hub-reload-'));
  made.push(dir);
  cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  cpSync(join(ROOT, 'schema/supergraph.graphql'), join(dir, 'supergraph.graphql'));
  return { dir, policiesDir: join(dir, 'policies'), supergraphPath: join(dir, 'supergraph.graphql'), keysDir: join(dir, 'keys') };
}

function configOf(set: ReturnType<typeof copyOfSet>, production: boolean) {
  return gatewayConfigFromEnv({
    HUB_MODE: production ? 'production' : 'development',
    POLICIES_DIR: set.policiesDir,
    SUPERGRAPH_PATH: set.supergraphPath,
    HUB_KEYS_DIR: set.keysDir,
    DATABASE_URL: 'postgres://hub@127.0.0.1:1/unused',
  });
}

/** MIA's level for a resource, rewritten in the copy's access matrix. */
function setLevel(policiesDir: string, resource: string, level: string): void {
  const path = join(policiesDir, 'access-matrix.json');
  const matrix = JSON.parse(readFileSync(path, 'utf8')) as { agencies: Record<string, { levels: Record<string, string> }> };
  matrix.agencies['MIA']!.levels[resource] = level;
  writeFileSync(path, JSON.stringify(matrix, null, 2));
}

interface Recorded {
  reloads: PolicySetParts[];
  refusals: Date[];
  changes: Array<{ sha256: string }>;
  refusalRecords: Array<{ sha256: string | null; refusal: PolicyRefusal }>;
}

/** A gateway and a journal that record what the reload did to them. */
function target(inForce: SetInForce): { target: ReloadTarget; seen: Recorded } {
  const seen: Recorded = { reloads: [], refusals: [], changes: [], refusalRecords: [] };
  return {
    seen,
    target: {
      inForce,
      registrationNumber: () => 'R-1',
      gateway: {
        reload: async (set) => {
          seen.reloads.push(set);
        },
        refused: (at) => seen.refusals.push(at),
      },
      journalChange: async (_url, sha256) => {
        seen.changes.push({ sha256 });
        return { previous: inForce.sha256 };
      },
      journalRefusal: async (_url, sha256, refusal) => {
        seen.refusalRecords.push({ sha256, refusal });
      },
    },
  };
}

/** The log lines a reload writes, to check what it says. */
function capturedLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const hashOf = (set: ReturnType<typeof copyOfSet>) => policySetHash(policySetFiles(set.policiesDir, set.supergraphPath));
/** The copy as it is now, loaded: the set in force a reload compares the next one with. */
const loaded = (set: ReturnType<typeof copyOfSet>) => loadPolicySet({ ...set, subgraphUrls: {} });

describe('reloading the policy set (SIGHUP)', () => {
  it('puts a changed set in force and journals the change with its hash', async () => {
    const set = copyOfSet();
    const before = loaded(set);
    setLevel(set.policiesDir, 'blanks', 'restricted');
    const { target: t, seen } = target(before);
    const inForce = (await reloadPolicySet(configOf(set, false), capturedLogger().logger, t)).sha256;
    assert.equal(inForce, hashOf(set));
    assert.notEqual(inForce, before.sha256);
    assert.equal(seen.reloads.length, 1);
    assert.equal(seen.reloads[0]?.policies.agencies.get('MIA')?.levels['blanks'], 'restricted');
    assert.deepEqual(seen.changes, [{ sha256: inForce }]);
    assert.deepEqual(seen.refusals, []);
  });

  it('keeps a set swapped in as in force when its journal record fails, and says so in the log', async () => {
    const set = copyOfSet();
    const before = loaded(set);
    setLevel(set.policiesDir, 'blanks', 'restricted');
    const { target: t, seen } = target(before);
    t.journalChange = async () => {
      throw new Error('journal unreachable');
    };
    const { logger, lines } = capturedLogger();
    assert.equal((await reloadPolicySet(configOf(set, false), logger, t)).sha256, hashOf(set));
    assert.equal(seen.reloads.length, 1);
    assert.ok(lines.some((l) => l['msg'] === 'policy change not journaled' && l['policySet'] === hashOf(set)));
  });

  it('leaves an unchanged set as it is: nothing rebuilt, nothing journaled', async () => {
    const set = copyOfSet();
    const { target: t, seen } = target(loaded(set));
    assert.equal((await reloadPolicySet(configOf(set, false), capturedLogger().logger, t)).sha256, hashOf(set));
    assert.deepEqual([seen.reloads.length, seen.changes.length, seen.refusals.length], [0, 0, 0]);
  });

  it('refuses an invalid set (an unknown level): the old set stays, the refusal is logged with its reason and journaled', async () => {
    const set = copyOfSet();
    const before = loaded(set);
    setLevel(set.policiesDir, 'blanks', 'everything');
    const { target: t, seen } = target(before);
    const { logger, lines } = capturedLogger();
    assert.equal(await reloadPolicySet(configOf(set, false), logger, t), before);
    assert.equal(seen.reloads.length, 0);
    assert.equal(seen.refusals.length, 1);
    assert.deepEqual(seen.refusalRecords, [{ sha256: hashOf(set), refusal: 'POLICY_SET_INVALID' }]);
    const line = lines.find((l) => l['msg'] === 'policy set refused: the one in force keeps serving');
    assert.equal(line?.['refusal'], 'POLICY_SET_INVALID');
    assert.equal(line?.['policySet'], before.sha256);
    assert.match(String(line?.['reason']), /everything/);
  });

  it('refuses a set whose request path cannot be built, keeping the one in force', async () => {
    const set = copyOfSet();
    const before = loaded(set);
    setLevel(set.policiesDir, 'blanks', 'restricted');
    const { target: t, seen } = target(before);
    t.gateway = {
      reload: async () => {
        throw new Error('the query planner refused the supergraph');
      },
      refused: (at) => seen.refusals.push(at),
    };
    assert.equal(await reloadPolicySet(configOf(set, false), capturedLogger().logger, t), before);
    assert.equal(seen.refusals.length, 1);
    assert.deepEqual(seen.refusalRecords, [{ sha256: hashOf(set), refusal: 'POLICY_SET_INVALID' }]);
    assert.deepEqual(seen.changes, []);
  });

  it('in production, refuses an unsigned set and one altered after signing', async () => {
    const set = copyOfSet();
    await ensureDevelopmentKeys(set.keysDir, loadPolicySet({ ...set, subgraphUrls: {} }).policies.agencies.keys());
    const config = configOf(set, true);
    const before = loaded(set);

    const unsigned = target(before);
    assert.equal(await reloadPolicySet(config, capturedLogger().logger, unsigned.target), before);
    assert.deepEqual(unsigned.seen.refusalRecords, [{ sha256: before.sha256, refusal: 'POLICY_SET_UNSIGNED' }]);
    assert.equal(unsigned.seen.reloads.length, 0);

    // Signed, then one level changed: the signature no longer covers the set.
    const { privateJwk, publicJwks } = await createKeyPair('reload-test');
    writeFileSync(policyKeyPaths(set.keysDir).jwks, JSON.stringify(publicJwks));
    writeFileSync(config.policySignature.signaturePath, await signPolicySet(loadPolicySet({ ...set, subgraphUrls: {} }), privateJwk));
    setLevel(set.policiesDir, 'blanks', 'restricted');
    const altered = target(before);
    assert.equal(await reloadPolicySet(config, capturedLogger().logger, altered.target), before);
    assert.deepEqual(altered.seen.refusalRecords, [{ sha256: hashOf(set), refusal: 'POLICY_SET_UNSIGNED' }]);
    assert.equal(altered.seen.refusals.length, 1);
    assert.equal(altered.seen.reloads.length, 0);

    // Signed as it now is: accepted.
    writeFileSync(config.policySignature.signaturePath, await signPolicySet(loadPolicySet({ ...set, subgraphUrls: {} }), privateJwk));
    const signed = target(before);
    assert.equal((await reloadPolicySet(config, capturedLogger().logger, signed.target)).sha256, hashOf(set));
    assert.equal(signed.seen.reloads.length, 1);
  });

  it("runs schema:check's check on a new supergraph: a breaking one is refused and journaled, a dangerous one and a safe one are taken", async () => {
    const edit = (set: ReturnType<typeof copyOfSet>, from: string, to: string) => {
      const sdl = readFileSync(set.supergraphPath, 'utf8');
      assert.ok(sdl.includes(from), from);
      writeFileSync(set.supergraphPath, sdl.replace(from, to));
    };
    // A field no registered operation reads, so every start-up check passes: only the schema check sees the break.
    const breaking = copyOfSet();
    const before = loaded(breaking);
    edit(breaking, '  code: String!\n  label: String!\n', '  code: String!\n');
    const refused = target(before);
    const { logger, lines } = capturedLogger();
    assert.equal(await reloadPolicySet(configOf(breaking, false), logger, refused.target), before);
    assert.deepEqual(refused.seen.refusalRecords, [{ sha256: hashOf(breaking), refusal: 'POLICY_SET_BREAKING' }]);
    assert.equal(refused.seen.reloads.length, 0);
    const line = lines.find((l) => l['msg'] === 'policy set refused: the one in force keeps serving');
    assert.match(String(line?.['reason']), /RestrictionCategory\.label: Field 'label' was removed/);

    const dangerous = copyOfSet();
    edit(
      dangerous,
      '  VEHICLE @join__enumValue(graph: RESTRICTION_LIST)\n',
      '  VEHICLE @join__enumValue(graph: RESTRICTION_LIST)\n  VESSEL @join__enumValue(graph: RESTRICTION_LIST)\n',
    );
    const taken = target(loaded(copyOfSet()));
    const warned = capturedLogger();
    assert.equal((await reloadPolicySet(configOf(dangerous, false), warned.logger, taken.target)).sha256, hashOf(dangerous));
    assert.equal(taken.seen.reloads.length, 1);
    assert.match(JSON.stringify(warned.lines.find((l) => l['msg'] === 'supergraph change taken: dangerous changes')), /VESSEL/);

    const safe = copyOfSet();
    edit(safe, '  checkedAt: DateTimeISO!\n', '  checkedAt: DateTimeISO!\n  listVersion: String\n');
    const added = target(loaded(copyOfSet()));
    assert.equal((await reloadPolicySet(configOf(safe, false), capturedLogger().logger, added.target)).sha256, hashOf(safe));
    assert.deepEqual([added.seen.reloads.length, added.seen.refusals.length], [1, 0]);
  });

  it('runs reloads one at a time, whoever asks (SIGHUP, the watcher): an ask while one waits joins it', async () => {
    const set = copyOfSet();
    const { target: t, seen } = target(loaded(set));
    let running = 0;
    let most = 0;
    let entered!: () => void;
    let release!: () => void;
    const first = new Promise<void>((resolve) => (entered = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    t.gateway = {
      reload: async (parts) => {
        most = Math.max(most, ++running);
        entered();
        if (seen.reloads.length === 0) await held;
        seen.reloads.push(parts);
        running -= 1;
      },
      refused: (at) => seen.refusals.push(at),
    };
    const { inForce, ...rest } = t;
    const reloads = new PolicyReloads(configOf(set, false), capturedLogger().logger, inForce, rest);

    setLevel(set.policiesDir, 'blanks', 'restricted');
    const sighup = reloads.request('SIGHUP');
    await first;
    // While the first builds its engine, the files change again: two asks, one reload after the first.
    setLevel(set.policiesDir, 'blanks', 'unlimited');
    const watched = reloads.request('files changed');
    assert.equal(reloads.request('SIGHUP'), watched);
    release();
    await Promise.all([sighup, watched]);

    assert.equal(most, 1, 'never two reloads at once');
    assert.deepEqual(
      seen.reloads.map((p) => p.policies.agencies.get('MIA')?.levels['blanks']),
      ['restricted', 'unlimited'],
    );
    assert.equal(reloads.current.sha256, hashOf(set));
    await reloads.stop();
    await reloads.request('SIGHUP');
    assert.equal(seen.reloads.length, 2, 'a stopping gateway builds no engine');
  });

  it("journals a refusal as a refused policy-change record: the refused set's hash and the reason code, nobody's request", () => {
    const entry = policyRefusalEntry('R-9', 'ab'.repeat(32), 'POLICY_SET_UNSIGNED', new Date(0));
    assert.equal(entry.event, 'policy-change');
    assert.equal(entry.decision, 'refused');
    assert.equal(entry.operationId, `sha256:${'ab'.repeat(32)}`);
    assert.equal(entry.reason, 'POLICY_SET_UNSIGNED');
    assert.deepEqual([entry.agency, entry.sub, entry.purpose], [null, null, null]);
  });
});
