import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { auditJournalSchema, entryFromRow, entryHash, type JournalEntry } from '@hub/audit';
import { PostgresAuditJournal } from '@hub/gateway';
import { openDatabase } from '@hub/kit';
import { createTestDatabase, type TestDatabase } from '@hub/kit/testing';
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
    operationName: n % 2 === 0 ? null : 'PersonCheck',
    resources: n % 4 === 0 ? [] : [
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
    ['a field removed from the resources', "UPDATE audit.journal SET resources = jsonb_set(resources, '{0,fields}', '[]') WHERE seq = $1 AND jsonb_array_length(resources) > 0"],
    ['a shifted time', "UPDATE audit.journal SET received_at = received_at + interval '1 millisecond' WHERE seq = $1"],
    ['a changed duration', 'UPDATE audit.journal SET duration_ms = duration_ms + 1 WHERE seq = $1'],
  ];
  for (const [what, sql] of changes) {
    it(`names the record changed to ${what}, and nothing before it`, async () => {
      const target = seqs[9]!;
      const saved = (await admin.query('SELECT * FROM audit.journal WHERE seq = $1', [target.seq])).rows[0] as Record<string, unknown>;
      await tamper(sql, [target.seq]);
      const result = await verifyJournal(database.url, 4);
      assert.deepEqual(result, { records: 9, broken: { seq: target.seq, registrationNumber: target.registration_number, problem: 'hash' } });
      assert.match(describeResult(result), new RegExp(`seq ${target.seq}, registration number ${target.registration_number}`));
      await tamper(`UPDATE audit.journal SET positive = $2, agency = $3, resources = $4, received_at = $5, duration_ms = $6 WHERE seq = $1`,
        [target.seq, saved['positive'], saved['agency'], JSON.stringify(saved['resources']), saved['received_at'], saved['duration_ms']]);
      assert.deepEqual(await verifyJournal(database.url), { records: RECORDS, broken: null });
    });
  }

  it('names the record after a removed one, and the record after one rewritten with a recomputed hash', async () => {
    const removed = seqs[5]!;
    const next = seqs[6]!;
    await admin.query('CREATE TEMP TABLE saved AS SELECT * FROM audit.journal WHERE seq = $1', [removed.seq]);
    await tamper('DELETE FROM audit.journal WHERE seq = $1', [removed.seq]);
    assert.deepEqual(await verifyJournal(database.url, 4), { records: 5, broken: { seq: next.seq, registrationNumber: next.registration_number, problem: 'prev_hash' } });
    await tamper('INSERT INTO audit.journal OVERRIDING SYSTEM VALUE SELECT * FROM saved');
    assert.deepEqual(await verifyJournal(database.url), { records: RECORDS, broken: null });

    // A forger who also recomputes the hash of the record he changed is caught by the next record.
    const row = (await admin.query('SELECT * FROM audit.journal WHERE seq = $1', [removed.seq])).rows[0] as Record<string, unknown>;
    const forgedHash = entryHash(row['prev_hash'] as string, { ...entryFromRow(row), agency: 'MNS' });
    await tamper("UPDATE audit.journal SET agency = 'MNS', hash = $2 WHERE seq = $1", [removed.seq, forgedHash]);
    assert.deepEqual(await verifyJournal(database.url, 4), { records: 6, broken: { seq: next.seq, registrationNumber: next.registration_number, problem: 'prev_hash' } });
    await tamper('UPDATE audit.journal j SET agency = s.agency, hash = s.hash FROM saved s WHERE j.seq = s.seq');
    assert.deepEqual(await verifyJournal(database.url), { records: RECORDS, broken: null });
  });
});
