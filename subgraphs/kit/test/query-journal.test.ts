import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import type { DataSource, Logger } from 'typeorm';
import { openDatabase } from '../src/database';
import { journalMigration, QueryJournal } from '../src/query-journal';
import { sqlOf } from '../src/sql';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const SCHEMA = 'journal_test';

describe('the R6 journal with group commit', () => {
  let database: TestDatabase;
  let db: DataSource;
  const statements: string[] = [];
  const logger: Logger = {
    logQuery: (query) => {
      statements.push(query);
    },
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };

  before(async () => {
    database = await createTestDatabase();
    db = await openDatabase({
      url: database.url,
      schema: SCHEMA,
      entities: [],
      migrations: [journalMigration(SCHEMA)],
      applicationName: 'journal-test',
      logger,
    });
  });
  after(async () => {
    await db.destroy();
    await database.drop();
  });

  it('writes the records of concurrent requests in a few INSERTs, each committed before its promise resolves', async () => {
    const journal = new QueryJournal(sqlOf(db), SCHEMA);
    const reader = new Client({ connectionString: database.url });
    await reader.connect();
    try {
      statements.length = 0;
      const numbers = Array.from({ length: 50 }, (_, i) => `REG-${i}`);
      const seenOnResolve = await Promise.all(
        numbers.map(async (number, i) => {
          await journal.record(number, i % 2 === 0);
          // Another connection sees the row: it was committed, not merely sent.
          const { rows } = await reader.query(`SELECT positive FROM ${SCHEMA}.query_journal WHERE registration_number = $1`, [number]);
          return rows.length;
        }),
      );
      assert.deepEqual(
        seenOnResolve,
        numbers.map(() => 1),
      );
      const inserts = statements.filter((s) => /^INSERT/.test(s));
      assert.ok(inserts.length <= 4, `${inserts.length} INSERTs for 50 records`);
      const { rows } = await reader.query<{ registration_number: string; positive: boolean }>(
        `SELECT registration_number, positive FROM ${SCHEMA}.query_journal ORDER BY registration_number`,
      );
      assert.deepEqual(
        rows,
        numbers
          .map((number, i) => ({ registration_number: number, positive: i % 2 === 0 }))
          .sort((a, b) => a.registration_number.localeCompare(b.registration_number)),
      );
    } finally {
      await reader.end();
    }
  });

  it('rejects every record of a batch that could not be written', async () => {
    const journal = new QueryJournal(sqlOf(db), 'no_such_schema');
    const results = await Promise.allSettled([journal.record('A', true), journal.record('B', false)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
  });
});
