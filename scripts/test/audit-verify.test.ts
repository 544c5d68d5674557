import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { JSONWebKeySet } from 'jose';
import {
  APPEND_JOURNAL_SQL,
  auditJournalSchema,
  checkpointHead,
  correctionOf,
  entryFromRow,
  entryHash,
  GENESIS_HASH,
  journalRow,
  storeCheckpoint,
  type Checkpoint,
  type JournalEntry,
} from '@hub/audit';
import { PostgresAuditJournal } from '@hub/gateway';
import { openDatabase } from '@hub/kit';
import { createTestDatabase, createTestKeys, type TestDatabase, type TestKeys } from '@hub/kit/testing';
import { describeResult, verifyJournal } from '../src/audit-verify';

/** Records with the values that are hardest to read back exactly: fractional doubles, ms timestamps, nulls, empty arrays, nested jsonb. */
function entry(n: number): JournalEntry {
  const durations = [0.1 + 0.2, 1 / 3, 12345.678, 0, 5e-324, 987654321.123];
  return {
    registrationNumber: `HUB-TEST-${String(n).padStart(4, '0')}`,
    event: n % 5 === 0 ? 'sign-in' : 'query',
    receivedAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, n % 1000)),
    agency: n % 4 === 0 ? null : 'MIA',
    sub: n % 4 === 0 ? null : `mia-officer-${n}`,
    roles: n % 4 === 0 ? [] : ['officer', 'auditor'],
    purpose: n % 3 === 0 ? null : 'identity-check',
    caseNumber: n % 2 === 0 ? null : `CASE/${n}: a-b_c`,
    operationType: n % 5 === 0 ? null : 'query',
    operationName: n % 2 === 0 ? null : 'MIA/personCheck',
    operationId: n % 2 === 0 ? null : `sha256:${String(n).padStart(64, 'a')}`,
    policySet: n % 3 === 1 ? null : `sha256:${String(n % 2).padStart(64, 'b')}`,
    resources:
      n % 4 === 0
        ? []
        : [
            { resource: 'citizens', level: 'unlimited', fields: ['Citizen.documents', 'Query.person'], positive: true, records: n },
            { resource: 'borderCrossings', level: 'none', fields: [], positive: false, records: 0 },
          ],
    decision: n % 4 === 0 ? 'refused' : n % 2 === 0 ? 'partly-refused' : 'allowed',
    reason: n % 4 === 0 ? 'UNAUTHENTICATED' : n % 2 === 0 ? 'FORBIDDEN' : null,
    attemptToExceedAuthority: n % 2 === 0,
    errorCodes: n % 2 === 0 ? ['FORBIDDEN', 'UNAUTHENTICATED'] : [],
    positive: n % 4 !== 0,
    records: n % 4 === 0 ? 0 : n,
    durationMs: durations[n % durations.length]!,
    clientAddress: n % 3 === 0 ? null : '::ffff:127.0.0.1',
    subjects: n % 3 === 0 ? [] : [`subjects-k1:${String(n).padStart(64, '0')}`],
  };
}

const RECORDS = 23;

describe('audit:verify', () => {
  let database: TestDatabase;
  let admin: Client;
  let seqs: Array<{ seq: string; registration_number: string }>;

  /** Changes the journal as an attacker with superuser rights would: triggers bypassed. */
  async function tamper(sql: string, params: unknown[] = []): Promise<void> {
    await admin.query('BEGIN');
    await admin.query('SET LOCAL session_replication_role = replica');
    await admin.query(sql, params);
    await admin.query('COMMIT');
  }

  before(async () => {
    database = await createTestDatabase();
    const db = await openDatabase({ url: database.url, applicationName: 'audit-verify-test', ...auditJournalSchema });
    await db.destroy();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    // The records below are dated January 2026: that month needs its partition.
    await admin.query("SELECT audit.ensure_journal_partitions('2026-01-01Z', '2026-01-31Z')");
  });
  after(async () => {
    await admin.end();
    await database.drop();
  });

  it('finds an empty journal intact', async () => {
    assert.deepEqual(await verifyJournal(database.url), { records: 0, broken: null });
  });

  it('verifies a journal written in several group commits, read back in batches across their boundaries', async () => {
    const journal = PostgresAuditJournal.connect(database.url);
    // Concurrent appends share commits; sequential ones each get their own.
    await Promise.all(Array.from({ length: 10 }, (_, i) => journal.append(entry(i))));
    for (let i = 10; i < RECORDS; i++) await journal.append(entry(i));
    await journal.close();
    seqs = (await admin.query<{ seq: string; registration_number: string }>('SELECT seq, registration_number FROM audit.journal ORDER BY seq')).rows;
    assert.equal(seqs.length, RECORDS);
    for (const batchSize of [1, 4, 1_000]) {
      assert.deepEqual(await verifyJournal(database.url, batchSize), { records: RECORDS, broken: null }, `batch size ${batchSize}`);
    }
    assert.equal(describeResult({ records: RECORDS, broken: null }), `audit journal: ${RECORDS} records, chain intact`);
  });

  const changes: Array<[string, string]> = [
    ['a flipped positive-result symbol', 'UPDATE audit.journal SET positive = NOT positive WHERE seq = $1'],
    ['another agency', "UPDATE audit.journal SET agency = 'MNS' WHERE seq = $1"],
    [
      'a field removed from the resources',
      "UPDATE audit.journal SET resources = jsonb_set(resources, '{0,fields}', '[]') WHERE seq = $1 AND jsonb_array_length(resources) > 0",
    ],
    ['a shifted time', "UPDATE audit.journal SET received_at = received_at + interval '1 millisecond' WHERE seq = $1"],
    ['a changed duration', 'UPDATE audit.journal SET duration_ms = duration_ms + 1 WHERE seq = $1'],
    ['another person named', "UPDATE audit.journal SET subjects = ARRAY['subjects-k1:forged'] WHERE seq = $1"],
    ['another registered operation', "UPDATE audit.journal SET operation_id = 'sha256:' || repeat('f', 64) WHERE seq = $1"],
    ['another policy set', "UPDATE audit.journal SET policy_set = 'sha256:' || repeat('e', 64) WHERE seq = $1"],
  ];
  for (const [what, sql] of changes) {
    it(`names the record changed to ${what}, and nothing before it`, async () => {
      // Appended alone, after the concurrent ones (whose order the journal's lanes decide): a record with resources.
      const target = seqs[10]!;
      const saved = (await admin.query('SELECT * FROM audit.journal WHERE seq = $1', [target.seq])).rows[0] as Record<string, unknown>;
      await tamper(sql, [target.seq]);
      const result = await verifyJournal(database.url, 4);
      assert.deepEqual(result, { records: 10, broken: { seq: target.seq, registrationNumber: target.registration_number, problem: 'hash' } });
      assert.match(describeResult(result), new RegExp(`seq ${target.seq}, registration number ${target.registration_number}`));
      await tamper(
        `UPDATE audit.journal SET positive = $2, agency = $3, resources = $4, received_at = $5, duration_ms = $6, subjects = $7, operation_id = $8, policy_set = $9 WHERE seq = $1`,
        [
          target.seq,
          saved['positive'],
          saved['agency'],
          JSON.stringify(saved['resources']),
          saved['received_at'],
          saved['duration_ms'],
          saved['subjects'],
          saved['operation_id'],
          saved['policy_set'],
        ],
      );
      assert.deepEqual(await verifyJournal(database.url), { records: RECORDS, broken: null });
    });
  }

  it('names the record after a removed one, and the record after one rewritten with a recomputed hash', async () => {
    const removed = seqs[5]!;
    const next = seqs[6]!;
    await admin.query('CREATE TEMP TABLE saved AS SELECT * FROM audit.journal WHERE seq = $1', [removed.seq]);
    await tamper('DELETE FROM audit.journal WHERE seq = $1', [removed.seq]);
    assert.deepEqual(await verifyJournal(database.url, 4), {
      records: 5,
      broken: { seq: next.seq, registrationNumber: next.registration_number, problem: 'prev_hash' },
    });
    await tamper('INSERT INTO audit.journal OVERRIDING SYSTEM VALUE SELECT * FROM saved');
    assert.deepEqual(await verifyJournal(database.url), { records: RECORDS, broken: null });

    // A forger who also recomputes the hash of the record he changed is caught by the next record.
    const row = (await admin.query('SELECT * FROM audit.journal WHERE seq = $1', [removed.seq])).rows[0] as Record<string, unknown>;
    const forgedHash = entryHash(row['prev_hash'] as string, { ...entryFromRow(row), agency: 'MNS' });
    await tamper("UPDATE audit.journal SET agency = 'MNS', hash = $2 WHERE seq = $1", [removed.seq, forgedHash]);
    assert.deepEqual(await verifyJournal(database.url, 4), {
      records: 6,
      broken: { seq: next.seq, registrationNumber: next.registration_number, problem: 'prev_hash' },
    });
    await tamper('UPDATE audit.journal j SET agency = s.agency, hash = s.hash FROM saved s WHERE j.seq = s.seq');
    assert.deepEqual(await verifyJournal(database.url), { records: RECORDS, broken: null });
  });
});

describe('audit:verify over corrections of in-doubt writes', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
    await (await openDatabase({ url: database.url, applicationName: 'audit-verify-test', ...auditJournalSchema })).destroy();
  });
  after(async () => {
    await database.drop();
  });

  it('verifies the chain through them and names each, saying which supersede a record that was written', async () => {
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query("SELECT audit.ensure_journal_partitions('2026-01-01Z', '2026-01-31Z')");
      // Record 1 committed unseen; record 2's write failed before it committed: both callers got AUDIT_UNAVAILABLE.
      const [written, lost, later] = [entry(1), entry(2), entry(3)];
      await admin.query(APPEND_JOURNAL_SQL, [JSON.stringify([written, later].map(journalRow))]);
      await admin.query(APPEND_JOURNAL_SQL, [JSON.stringify([correctionOf(written), correctionOf(lost)].map(journalRow))]);
    } finally {
      await admin.end();
    }
    const result = await verifyJournal(database.url);
    assert.deepEqual(result, {
      records: 4,
      broken: null,
      corrections: { registrationNumbers: ['HUB-TEST-0001', 'HUB-TEST-0002'], superseding: 1 },
    });
    assert.equal(
      describeResult(result),
      'audit journal: 4 records, chain intact\n' +
        "audit journal: 2 correction(s): the journal's write was in doubt and the caller got AUDIT_UNAVAILABLE; 1 supersede a record that was written and stays as written: HUB-TEST-0001, HUB-TEST-0002",
    );
  });
});

/**
 * The attack signed checkpoints exist for: someone with database rights disables the triggers,
 * changes a record and recomputes every hash after it, so the chain alone verifies again.
 */
describe("audit:verify against the gateway's signed checkpoints", () => {
  interface Journal {
    database: TestDatabase;
    admin: Client;
    keys: TestKeys;
    jwks: JSONWebKeySet;
    dir: string;
    checkpoints: Checkpoint[];
  }
  const open: Journal[] = [];

  /** 30 records, checkpoints signed after the 12th and the 24th, the last 6 not yet checkpointed. */
  async function journalWithCheckpoints(): Promise<Journal> {
    const database = await createTestDatabase();
    await (await openDatabase({ url: database.url, applicationName: 'audit-verify-test', ...auditJournalSchema })).destroy();
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("SELECT audit.ensure_journal_partitions('2026-01-01Z', '2026-01-31Z')");
    const keys = await createTestKeys();
    const dir = mkdtempSync(join(tmpdir(), 'hub-checkpoints-'));
    const journal = PostgresAuditJournal.connect(database.url);
    const checkpoints: Checkpoint[] = [];
    for (const [from, to] of [
      [0, 12],
      [12, 24],
      [24, 30],
    ] as const) {
      await Promise.all(Array.from({ length: to - from }, (_v, i) => journal.append(entry(from + i))));
      if (to < 30) checkpoints.push((await checkpointHead(admin, keys.signingKey, dir))!);
    }
    await journal.close();
    const jwks = JSON.parse(readFileSync(keys.jwksPath, 'utf8')) as JSONWebKeySet;
    const opened = { database, admin, keys, jwks, dir, checkpoints };
    open.push(opened);
    return opened;
  }
  after(async () => {
    for (const j of open) {
      await j.admin.end();
      await j.database.drop();
      rmSync(j.dir, { recursive: true, force: true });
    }
  });

  /** With triggers off: set `agency` of the record at `seq`, or remove records, and recompute every hash from there on. */
  async function rewrite(admin: Client, change: { agencyAt?: string; remove?: string[] }): Promise<void> {
    await admin.query('BEGIN');
    await admin.query('SET LOCAL session_replication_role = replica');
    if (change.remove) await admin.query('DELETE FROM audit.journal WHERE seq = ANY($1::bigint[])', [change.remove]);
    if (change.agencyAt) await admin.query("UPDATE audit.journal SET agency = 'MNS' WHERE seq = $1", [change.agencyAt]);
    // The attacker also removes the checkpoints he can reach.
    await admin.query('DELETE FROM audit.checkpoints');
    await admin.query('SET LOCAL extra_float_digits = 3');
    const { rows } = await admin.query<Record<string, unknown> & { seq: string }>('SELECT * FROM audit.journal ORDER BY seq');
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const hash = entryHash(prev, entryFromRow(row));
      await admin.query('UPDATE audit.journal SET prev_hash = $2, hash = $3 WHERE seq = $1', [row.seq, prev, hash]);
      prev = hash;
    }
    await admin.query('COMMIT');
  }

  const seqOf = async (admin: Client, index: number) =>
    (
      await admin.query<{ seq: string; registration_number: string }>('SELECT seq, registration_number FROM audit.journal ORDER BY seq OFFSET $1 LIMIT 1', [
        index,
      ])
    ).rows[0]!;

  it('passes an intact journal through every checkpoint, from the table and from the files', async () => {
    const j = await journalWithCheckpoints();
    assert.deepEqual(await verifyJournal(j.database.url, { jwks: j.jwks, checkpointDir: j.dir }), {
      records: 30,
      broken: null,
      checkpoints: { matched: 2, forged: [] },
    });
    assert.match(describeResult(await verifyJournal(j.database.url, { jwks: j.jwks })), /30 records, chain intact, 2 signed checkpoint\(s\) match/);
    assert.equal(readdirSync(j.dir).filter((f) => f.endsWith('.jws')).length, 2);
  });

  it('reports as tampering a record changed with database rights and every hash recomputed, even with the checkpoints table emptied', async () => {
    const j = await journalWithCheckpoints();
    const target = await seqOf(j.admin, 5);
    await rewrite(j.admin, { agencyAt: target.seq });
    // The hash chain alone cannot see it: that is the attack.
    assert.deepEqual(await verifyJournal(j.database.url), { records: 30, broken: null });
    const first = j.checkpoints[0]!;
    const result = await verifyJournal(j.database.url, { jwks: j.jwks, checkpointDir: j.dir });
    assert.deepEqual(result.broken, {
      seq: first.seq,
      registrationNumber: (await seqOf(j.admin, 11)).registration_number,
      problem: 'checkpoint',
      checkpoint: first,
    });
    assert.match(describeResult(result), /TAMPERING: its hash differs from the checkpoint signed at .* the chain was rewritten/);

    const cli = spawnSync(process.execPath, [join(__dirname, '../src/audit-verify.js'), '--keys', j.keys.jwksPath, '--checkpoints', j.dir], {
      env: { ...process.env, AUDIT_DATABASE_URL: j.database.url },
      encoding: 'utf8',
    });
    assert.equal(cli.status, 1, cli.stdout + cli.stderr);
    assert.match(cli.stderr, /TAMPERING/);
  });

  it('reports a checkpointed record removed from the middle, and records removed from the end', async () => {
    const middle = await journalWithCheckpoints();
    const checkpointed = middle.checkpoints[1]!;
    await rewrite(middle.admin, { remove: [checkpointed.seq] });
    const removed = await verifyJournal(middle.database.url, { jwks: middle.jwks, checkpointDir: middle.dir });
    assert.equal(removed.broken?.problem, 'removed');
    assert.deepEqual(removed.broken?.checkpoint, checkpointed);

    const end = await journalWithCheckpoints();
    const tail = (await end.admin.query<{ seq: string }>('SELECT seq FROM audit.journal WHERE seq >= $1', [end.checkpoints[1]!.seq])).rows.map((r) => r.seq);
    await rewrite(end.admin, { remove: tail });
    const truncated = await verifyJournal(end.database.url, { jwks: end.jwks, checkpointDir: end.dir });
    assert.deepEqual(truncated.broken, { seq: end.checkpoints[1]!.seq, registrationNumber: null, problem: 'truncated', checkpoint: end.checkpoints[1] });
    assert.match(describeResult(truncated), /beyond the journal's last record/);
  });

  it("reports a checkpoint not signed by the gateway's key", async () => {
    const j = await journalWithCheckpoints();
    const stranger = await createTestKeys();
    const last = await seqOf(j.admin, 29);
    const { hash } = (await j.admin.query<{ hash: string }>('SELECT hash FROM audit.journal WHERE seq = $1', [last.seq])).rows[0]!;
    await storeCheckpoint(
      j.admin,
      { ...stranger.signingKey, kid: j.keys.signingKey.kid },
      { seq: last.seq, hash: hash!, at: new Date().toISOString(), kind: 'head' },
    );
    const result = await verifyJournal(j.database.url, { jwks: j.jwks });
    assert.equal(result.broken, null);
    assert.equal(result.checkpoints?.forged.length, 1);
    assert.match(describeResult(result), /TAMPERING: 1 checkpoint\(s\) not signed by the gateway's key: audit.checkpoints id \d+/);
  });
});
