import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Client } from 'pg';
import { openDatabase } from '@hub/kit';
import { createTestDatabase, type TestDatabase } from '@hub/kit/testing';
import { auditJournalSchema, entryFromRow, entryHash, GENESIS_HASH } from '@hub/audit';
import { PostgresAuditJournal } from '../src/journal/writer';
import { journalEntry } from './support/journal-entry';

/**
 * A TCP proxy in front of the database that, once armed, lets the next append through and
 * cuts the connection when the database's reply comes back: the statement has run and its
 * implicit transaction committed (PostgreSQL answers ReadyForQuery only after the commit),
 * but the writer never hears so.
 */
async function cuttingProxy(target: URL): Promise<{ url: string; armed: boolean; cuts: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const proxy = {
    url: '',
    armed: false,
    cuts: 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    let appending = false;
    client.on('data', (chunk: Buffer) => {
      if (proxy.armed && chunk.includes('append_journal')) {
        proxy.armed = false;
        appending = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // ReadyForQuery ('Z', length 5): the append's transaction is over, committed.
      if (appending && chunk.includes(Buffer.from([0x5a, 0, 0, 0, 5]))) {
        proxy.cuts += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  proxy.url = url.toString();
  return proxy;
}

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

  it('appends a correction when a write is cut between its commit and the reply: the record that committed stays, the chain verifies', async () => {
    const proxy = await cuttingProxy(new URL(database.url));
    const journal = PostgresAuditJournal.connect(proxy.url);
    try {
      await journal.append(journalEntry(10));
      proxy.armed = true;
      const served = { ...journalEntry(11), positive: true, records: 1 };
      await assert.rejects(journal.append(served), 'the caller is answered AUDIT_UNAVAILABLE');
      assert.equal(proxy.cuts, 1);
      const committed = await admin.query('SELECT * FROM audit.journal WHERE registration_number = $1', ['HUB-TEST-11']);
      assert.deepEqual(
        committed.rows.map((r) => [r.event, r.decision, r.positive, r.records]),
        [['query', 'allowed', true, 1]],
        'the write did commit',
      );

      // The next record carries the correction, before it in the chain.
      await journal.append(journalEntry(12));
      const { rows } = await admin.query('SELECT * FROM audit.journal WHERE registration_number = ANY($1) ORDER BY seq', [['HUB-TEST-11', 'HUB-TEST-12']]);
      assert.deepEqual(
        rows.map((r) => [r.registration_number, r.event, r.decision, r.reason, r.error_codes, r.positive, r.records, r.agency, r.purpose]),
        [
          ['HUB-TEST-11', 'query', 'allowed', null, [], true, 1, 'MIA', 'identity-check'],
          ['HUB-TEST-11', 'correction', 'refused', 'AUDIT_UNAVAILABLE', ['AUDIT_UNAVAILABLE'], false, 0, 'MIA', 'identity-check'],
          ['HUB-TEST-12', 'query', 'allowed', null, [], false, 0, 'MIA', 'identity-check'],
        ],
      );
      const chain = await admin.query('SELECT * FROM audit.journal ORDER BY seq');
      let prev = GENESIS_HASH;
      for (const row of chain.rows) {
        assert.equal(row.prev_hash, prev);
        assert.equal(entryHash(prev, entryFromRow(row)), row.hash);
        prev = row.hash;
      }
    } finally {
      await journal.close();
      await proxy.close();
    }
  });

  it('writes an owed correction on its own once the journal is writable again, with no record to carry it', async () => {
    const proxy = await cuttingProxy(new URL(database.url));
    const journal = PostgresAuditJournal.connect(proxy.url);
    try {
      proxy.armed = true;
      await assert.rejects(journal.append(journalEntry(20)));
      assert.equal(journal.queueDepth(), 1, 'one correction owed, counted against the queue bound');
      await journal.drain();
      assert.equal(journal.queueDepth(), 0);
      const { rows } = await admin.query('SELECT event FROM audit.journal WHERE registration_number = $1 ORDER BY seq', ['HUB-TEST-20']);
      assert.deepEqual(
        rows.map((r) => r.event),
        ['query', 'correction'],
      );
    } finally {
      await journal.close();
      await proxy.close();
    }
  });

  it('owes no correction for a write the database refused: it rolled back', async () => {
    await readOnly(true);
    const journal = PostgresAuditJournal.connect(database.url);
    try {
      await assert.rejects(journal.append(journalEntry(30)));
      assert.equal(journal.queueDepth(), 0);
    } finally {
      await readOnly(false);
      await journal.close();
    }
    const { rows } = await admin.query('SELECT event FROM audit.journal WHERE registration_number = $1', ['HUB-TEST-30']);
    assert.deepEqual(rows, []);
  });
});
