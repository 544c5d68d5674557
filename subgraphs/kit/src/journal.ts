import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The connected system's own journal (R6, İAMAS rules 5.6.4.7): only the date of the query,
 * the hub registration number and the positive-result symbol. Nothing else, by design:
 * not the agency, not the query, not the key searched for.
 */
const JOURNAL_TABLE = 'query_journal';

export function journalMigration(schema: string): new () => MigrationInterface {
  return class QueryJournal1764000000000 implements MigrationInterface {
    name = 'QueryJournal1764000000000';

    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`CREATE TABLE "${schema}"."${JOURNAL_TABLE}" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "queried_on" date NOT NULL DEFAULT CURRENT_DATE,
        "registration_number" text NOT NULL,
        "positive" boolean NOT NULL
      )`);
    }

    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP TABLE "${schema}"."${JOURNAL_TABLE}"`);
    }
  };
}

export async function recordInJournal(db: DataSource, schema: string, registrationNumber: string, positive: boolean): Promise<void> {
  await db.query(`INSERT INTO "${schema}"."${JOURNAL_TABLE}" (registration_number, positive) VALUES ($1, $2)`, [registrationNumber, positive]);
}
