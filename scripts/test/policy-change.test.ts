import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { auditJournalSchema } from '@hub/audit';
import { journalPolicyChange, journalPolicyRefusal, RegistrationNumbers } from '@hub/gateway';
import { openDatabase } from '@hub/kit';
import { createTestDatabase, type TestDatabase } from '@hub/kit/testing';
import { verifyJournal } from '../src/audit-verify';

/** `policy-change` records: one per set put in force, with the set it replaced, in the chain audit:verify checks. */
const setHash = (name: string) => createHash('sha256').update(name).digest('hex');

describe('the journal of policy changes', () => {
  let database: TestDatabase;
  let admin: Client;
  const registrations = new RegistrationNumbers('P01');
  const change = (sha256: string) => journalPolicyChange(database.url, sha256, () => registrations.next());
  const changes = async () =>
    (
      await admin.query<{ operation_id: string; reason: string | null; agency: string | null; decision: string }>(
        "SELECT operation_id, reason, agency, decision FROM audit.journal WHERE event = 'policy-change' ORDER BY seq",
      )
    ).rows;

  before(async () => {
    database = await createTestDatabase();
    const db = await openDatabase({ url: database.url, applicationName: 'policy-change-test', ...auditJournalSchema });
    await db.destroy();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("SELECT audit.ensure_journal_partitions(now() - interval '1 day', now() + interval '1 month')");
  });
  after(async () => {
    await admin.end();
    await database.drop();
  });

  it('records a set put in force once, with the set it replaced, and a return to an earlier set as a change', async () => {
    const [a, b] = [setHash('a'), setHash('b')];
    assert.deepEqual(await change(a), { previous: null });
    assert.equal(await change(a), undefined, 'the same set again is no change');
    assert.deepEqual(await change(b), { previous: a });
    assert.deepEqual(await change(a), { previous: b });
    assert.deepEqual(await changes(), [
      { operation_id: `sha256:${a}`, reason: null, agency: null, decision: 'allowed' },
      { operation_id: `sha256:${b}`, reason: `sha256:${a}`, agency: null, decision: 'allowed' },
      { operation_id: `sha256:${a}`, reason: `sha256:${b}`, agency: null, decision: 'allowed' },
    ]);
  });

  it('records a set once when replicas start with it together', async () => {
    const c = setHash('c');
    const before = (await changes()).length;
    const results = await Promise.all(Array.from({ length: 4 }, () => change(c)));
    assert.equal(results.filter((r) => r !== undefined).length, 1);
    assert.equal((await changes()).length, before + 1);
  });

  it('records a set refused at reload as a refused policy-change, which puts nothing in force', async () => {
    const [c, d] = [setHash('c'), setHash('d')];
    await journalPolicyRefusal(database.url, d, 'POLICY_SET_UNSIGNED', () => registrations.next());
    await journalPolicyRefusal(database.url, null, 'POLICY_SET_INVALID', () => registrations.next());
    assert.deepEqual((await changes()).slice(-2), [
      { operation_id: `sha256:${d}`, reason: 'POLICY_SET_UNSIGNED', agency: null, decision: 'refused' },
      { operation_id: null, reason: 'POLICY_SET_INVALID', agency: null, decision: 'refused' },
    ]);
    assert.equal(await change(c), undefined, 'the set in force is still the last one allowed');
  });

  it('chains the records like any other: audit:verify finds the journal intact, and names one altered', async () => {
    const records = (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM audit.journal')).rows[0]!.n;
    assert.deepEqual(await verifyJournal(database.url), { records, broken: null });
    await admin.query('BEGIN');
    await admin.query('SET LOCAL session_replication_role = replica');
    const { rows } = await admin.query<{ seq: string }>(
      "UPDATE audit.journal SET reason = NULL WHERE seq = (SELECT min(seq) FROM audit.journal WHERE event = 'policy-change' AND reason IS NOT NULL) RETURNING seq",
    );
    await admin.query('COMMIT');
    const result = await verifyJournal(database.url);
    assert.equal(result.broken?.seq, rows[0]!.seq);
  });
});
