import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { createKeyPair } from '@hub/kit';
import { reloadPolicySet, type ReloadTarget } from '../../src/bootstrap';
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
function target(inForce: string): { target: ReloadTarget; seen: Recorded } {
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
        return { previous: inForce };
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

describe('reloading the policy set (SIGHUP)', () => {
  it('puts a changed set in force and journals the change with its hash', async () => {
    const set = copyOfSet();
    const before = hashOf(set);
    setLevel(set.policiesDir, 'blanks', 'restricted');
    const { target: t, seen } = target(before);
    const inForce = await reloadPolicySet(configOf(set, false), capturedLogger().logger, t);
    assert.equal(inForce, hashOf(set));
    assert.notEqual(inForce, before);
    assert.equal(seen.reloads.length, 1);
    assert.equal(seen.reloads[0]?.policies.agencies.get('MIA')?.levels['blanks'], 'restricted');
    assert.deepEqual(seen.changes, [{ sha256: inForce }]);
    assert.deepEqual(seen.refusals, []);
  });

  it('keeps a set swapped in as in force when its journal record fails, and says so in the log', async () => {
    const set = copyOfSet();
    const before = hashOf(set);
    setLevel(set.policiesDir, 'blanks', 'restricted');
    const { target: t, seen } = target(before);
    t.journalChange = async () => {
      throw new Error('journal unreachable');
    };
    const { logger, lines } = capturedLogger();
    assert.equal(await reloadPolicySet(configOf(set, false), logger, t), hashOf(set));
    assert.equal(seen.reloads.length, 1);
    assert.ok(lines.some((l) => l['msg'] === 'policy change not journaled' && l['policySet'] === hashOf(set)));
  });

  it('leaves an unchanged set as it is: nothing rebuilt, nothing journaled', async () => {
    const set = copyOfSet();
    const { target: t, seen } = target(hashOf(set));
    assert.equal(await reloadPolicySet(configOf(set, false), capturedLogger().logger, t), hashOf(set));
    assert.deepEqual([seen.reloads.length, seen.changes.length, seen.refusals.length], [0, 0, 0]);
  });

  it('refuses an invalid set (an unknown level): the old set stays, the refusal is logged with its reason and journaled', async () => {
    const set = copyOfSet();
    const before = hashOf(set);
    setLevel(set.policiesDir, 'blanks', 'everything');
    const { target: t, seen } = target(before);
    const { logger, lines } = capturedLogger();
    assert.equal(await reloadPolicySet(configOf(set, false), logger, t), before);
    assert.equal(seen.reloads.length, 0);
    assert.equal(seen.refusals.length, 1);
    assert.deepEqual(seen.refusalRecords, [{ sha256: hashOf(set), refusal: 'POLICY_SET_INVALID' }]);
    const line = lines.find((l) => l['msg'] === 'policy set refused: the one in force keeps serving');
    assert.equal(line?.['refusal'], 'POLICY_SET_INVALID');
    assert.equal(line?.['policySet'], before);
    assert.match(String(line?.['reason']), /everything/);
  });

  it('refuses a set whose request path cannot be built, keeping the one in force', async () => {
    const set = copyOfSet();
    const before = hashOf(set);
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
    const before = hashOf(set);

    const unsigned = target(before);
    assert.equal(await reloadPolicySet(config, capturedLogger().logger, unsigned.target), before);
    assert.deepEqual(unsigned.seen.refusalRecords, [{ sha256: before, refusal: 'POLICY_SET_UNSIGNED' }]);
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
    assert.equal(await reloadPolicySet(config, capturedLogger().logger, signed.target), hashOf(set));
    assert.equal(signed.seen.reloads.length, 1);
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
