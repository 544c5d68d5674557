import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Client } from 'pg';
import type { JSONWebKeySet } from 'jose';
import { APPEND_JOURNAL_SQL, auditJournalSchema, checkpointHead, entryFromRow, entryHash, journalRow, verifyArchive, type JournalEntry } from '@hub/audit';
import { openDatabase } from '@hub/kit';
import { createTestDatabase, createTestKeys, type TestDatabase, type TestKeys } from '@hub/kit/testing';
import { archiveJournal } from '../src/audit-archive';
import { verifyJournal } from '../src/audit-verify';

/** Records around the end of September 2026, appended out of time order as group commit does, and some in November. */
function entry(n: number, receivedAt: Date): JournalEntry {
  return {
    registrationNumber: `HUB-ARCHIVE-${n}`,
    event: 'query',
    receivedAt,
    agency: n % 2 ? 'MIA' : 'SBS',
    sub: `officer-${n % 3}`,
    roles: ['officer'],
    purpose: 'identity-check',
    caseNumber: null,
    operationType: 'query',
    // Some by a registered operation: its name and id are in the file and under its hashes.
    operationName: n % 3 ? null : 'MIA/identityCheckByFin',
    operationId: n % 3 ? null : `sha256:${'0123456789abcdef'.repeat(4)}`,
    resources: [{ resource: 'citizens', level: 'unlimited', fields: ['Query.person'], positive: n % 2 === 0, records: 1 }],
    decision: 'allowed',
    reason: null,
    attemptToExceedAuthority: false,
    errorCodes: [],
    positive: n % 2 === 0,
    records: 1,
    durationMs: n / 7,
    clientAddress: null,
  };
}
const END_OF_SEPTEMBER = Date.UTC(2026, 9, 1);
// Alternating sides of midnight: the chain crosses the month boundary several times.
const ENTRIES = Array.from({ length: 40 }, (_v, n) => entry(n, new Date(END_OF_SEPTEMBER + (n % 2 ? 1 : -1) * (60_000 - n * 1_000)))).concat(
  Array.from({ length: 10 }, (_v, n) => entry(40 + n, new Date(Date.UTC(2026, 10, 2, 10, n)))),
);
const month = (e: JournalEntry) => e.receivedAt.toISOString().slice(0, 7);

describe('audit:archive', () => {
  let database: TestDatabase;
  let admin: Client;
  let keys: TestKeys;
  let jwks: JSONWebKeySet;
  let out: string;
  let checkpointDir: string;

  before(async () => {
    database = await createTestDatabase();
    await (await openDatabase({ url: database.url, applicationName: 'audit-archive-test', ...auditJournalSchema })).destroy();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("SELECT audit.ensure_journal_partitions('2026-09-01Z', '2026-11-30Z')");
    for (let i = 0; i < ENTRIES.length; i += 7) await admin.query(APPEND_JOURNAL_SQL, [JSON.stringify(ENTRIES.slice(i, i + 7).map(journalRow))]);
    keys = await createTestKeys();
    jwks = JSON.parse(readFileSync(keys.jwksPath, 'utf8')) as JSONWebKeySet;
    out = mkdtempSync(join(tmpdir(), 'hub-archive-'));
    checkpointDir = mkdtempSync(join(tmpdir(), 'hub-checkpoints-'));
    await checkpointHead(admin, keys.signingKey, checkpointDir);
  });
  after(async () => {
    await admin.end();
    await database.drop();
    rmSync(out, { recursive: true, force: true });
    rmSync(checkpointDir, { recursive: true, force: true });
  });

  it('refuses a month that is not closed', async () => {
    await assert.rejects(
      archiveJournal({ url: database.url, outDir: out, keysDir: keys.dir, month: '2026-11', now: new Date('2026-11-29T12:00Z'), checkpointDir }),
      /not closed yet/,
    );
  });

  it('exports the closed months as signed files that verify on their own, month by month, detaches them, and the journal still verifies', async () => {
    // September in one run, October in a later one: its first record follows a detached September record.
    const archived = [
      ...(await archiveJournal({
        url: database.url,
        outDir: out,
        keysDir: keys.dir,
        month: '2026-09',
        now: new Date('2026-11-29T12:00Z'),
        detach: true,
        checkpointDir,
      })),
      ...(await archiveJournal({ url: database.url, outDir: out, keysDir: keys.dir, now: new Date('2026-11-29T12:00Z'), detach: true, checkpointDir })),
    ];
    assert.deepEqual(
      archived.map((a) => [a.month, a.records, a.detached]),
      [
        ['2026-09', ENTRIES.filter((e) => month(e) === '2026-09').length, true],
        ['2026-10', ENTRIES.filter((e) => month(e) === '2026-10').length, true],
      ],
    );
    for (const a of archived) {
      const check = await verifyArchive(a.path, jwks);
      assert.equal(check.ok, true, check.problem);
      const cli = spawnSync(process.execPath, [join(__dirname, '../src/audit-verify.js'), '--archive', a.path, '--keys', keys.jwksPath], { encoding: 'utf8' });
      assert.equal(cli.status, 0, cli.stdout + cli.stderr);
      assert.match(cli.stdout, new RegExp(`${a.month}, ${a.records} records .* signature and chain verify`));
    }
    const { rows } = await admin.query<{ month: string }>("SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month FROM audit.journal GROUP BY 1");
    assert.deepEqual(
      rows.map((r) => r.month),
      ['2026-11'],
    );
    // The records left follow detached ones: the signed link checkpoints vouch for those, and only they.
    assert.deepEqual((await verifyJournal(database.url, { jwks, checkpointDir })).broken, null);
    assert.equal((await verifyJournal(database.url)).broken?.problem, 'prev_hash');
    assert.deepEqual(
      await archiveJournal({ url: database.url, outDir: out, keysDir: keys.dir, now: new Date('2026-11-29T12:00Z'), checkpointDir }),
      [],
      'nothing left to archive',
    );
  });

  it('finds an archive changed after export, even with its hashes recomputed', async () => {
    const path = join(out, 'journal-2026-09.jsonl.gz');
    const lines = gunzipSync(readFileSync(path)).toString('utf8').trimEnd().split('\n');
    const recordAt = lines.findIndex((l) => l.includes('"type":"record"'));
    const forge = (edit: (ls: string[]) => string[]) => {
      const forged = join(out, 'forged.jsonl.gz');
      writeFileSync(forged, gzipSync(`${edit([...lines]).join('\n')}\n`));
      return verifyArchive(forged, jwks);
    };
    const changed = await forge((ls) => {
      ls[recordAt] = ls[recordAt]!.replace('"agency":"SBS"', '"agency":"MNS"').replace('"agency":"MIA"', '"agency":"MNS"');
      return ls;
    });
    assert.match(changed.problem ?? '', /does not match its hash/);
    // A registered operation's id is in the file, under its record's hash.
    const withId = lines.findIndex((l) => l.includes(`"operation_id":"sha256:${'0123456789abcdef'.repeat(4)}"`));
    assert.ok(withId > 0, 'the archive carries the operation id');
    const otherOperation = await forge((ls) => {
      ls[withId] = ls[withId]!.replace(/"operation_id":"sha256:[0-9a-f]{64}"/, `"operation_id":"sha256:${'f'.repeat(64)}"`);
      return ls;
    });
    assert.match(otherOperation.problem ?? '', /does not match its hash/);
    const removed = await forge((ls) => ls.filter((_l, i) => i !== recordAt + 1));
    assert.equal(removed.ok, false);
    const recomputed = await forge((ls) => {
      const item = JSON.parse(ls[recordAt]!) as { row: Record<string, unknown> };
      item.row['agency'] = 'MNS';
      item.row['hash'] = entryHash(item.row['prev_hash'] as string, entryFromRow({ ...item.row, received_at: new Date(item.row['received_at'] as string) }));
      ls[recordAt] = JSON.stringify(item);
      // Every later record re-chained too, as a careful forger would.
      let prev = item.row['hash'] as string;
      for (let i = recordAt + 1; i < ls.length; i++) {
        const next = JSON.parse(ls[i]!) as { type: string; hash?: string; row: Record<string, unknown> };
        if (next.type === 'link') prev = next.hash!;
        if (next.type !== 'record') continue;
        next.row['prev_hash'] = prev;
        next.row['hash'] = prev = entryHash(prev, entryFromRow({ ...next.row, received_at: new Date(next.row['received_at'] as string) }));
        ls[i] = JSON.stringify(next);
      }
      return ls;
    });
    assert.equal(recomputed.ok, false);
    assert.match(recomputed.problem ?? '', /changed after it was signed|differs from the checkpoint/);
    const truncated = await forge((ls) => ls.slice(0, -1));
    assert.match(truncated.problem ?? '', /no signature/);
    // A damaged or cut gzip file is reported as such, not thrown (nor left to crash the process).
    const cut = join(out, 'cut.jsonl.gz');
    const whole = readFileSync(path);
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    assert.match((await verifyArchive(cut, jwks)).problem ?? '', /cannot be read as a gzip archive/);
    const garbage = join(out, 'garbage.jsonl.gz');
    writeFileSync(garbage, 'not a gzip file');
    assert.match((await verifyArchive(garbage, jwks)).problem ?? '', /cannot be read as a gzip archive/);
    assert.match((await verifyArchive(join(out, 'missing.jsonl.gz'), jwks)).problem ?? '', /cannot be read as a gzip archive \(ENOENT\)/);
    const notJson = join(out, 'not-json.jsonl.gz');
    writeFileSync(notJson, gzipSync('not json\n'));
    assert.match((await verifyArchive(notJson, jwks)).problem ?? '', /not an archive line/);
  });
});
