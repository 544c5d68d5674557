import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { openDatabase } from '@hub/kit';
import { createTestDatabase, type TestDatabase } from '@hub/kit/testing';
import { auditJournalSchema } from '@hub/audit';
import { PostgresAuditJournal } from '../src/journal';
import { journalEntry } from './support/journal-entry';

describe('the audit journal writer', () => {
  let database: TestDatabase;
  let admin: Client;
  before(async () => {
    database = await createTestDatabase();
    await (await openDatabase({ url: database.url, applicationName: 'journal-test', ...auditJournalSchema })).destroy();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await database.drop();
  });

  /** A database that accepts reads but no writes, as a standby or a database set read-only does. */
  async function readOnly(on: boolean): Promise<void> {
    const name = new URL(database.url).pathname.slice(1);
    // The embedded database has one session for all connections; a server applies the setting to new ones.
    if (database.real) await admin.query(`ALTER DATABASE "${name}" ${on ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`);
    else await admin.query(`SET default_transaction_read_only = ${on ? 'on' : 'off'}`);
  }

  it('is ready only when it can write, and refuses to confirm a record it could not write', async () => {
    const writable = PostgresAuditJournal.connect(database.url);
    assert.equal(writable.writesTo(), null, 'no server named before a probe reached one');
    assert.equal(await writable.ping(), true);
    // Readiness names the server written to (after a failover, the new primary): address:port, or the embedded database's socket.
    assert.match(writable.writesTo() ?? '', /^(\d+\.\d+\.\d+\.\d+:\d+|local socket)$/);
    await writable.append(journalEntry(1));
    await writable.close();

    await readOnly(true);
    const blocked = PostgresAuditJournal.connect(database.url);
    try {
      assert.equal(await blocked.ping(), false, 'a readable but read-only journal is not ready');
      await assert.rejects(blocked.append(journalEntry(2)));
    } finally {
      await blocked.close();
      await readOnly(false);
    }

    const again = PostgresAuditJournal.connect(database.url);
    assert.equal(await again.ping(), true);
    await again.close();
    const { rows } = await admin.query<{ registration_number: string }>('SELECT registration_number FROM audit.journal ORDER BY seq');
    assert.deepEqual(
      rows.map((r) => r.registration_number),
      ['HUB-TEST-1'],
    );
  });
});
