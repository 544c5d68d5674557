import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { Sql, Statement } from './sql';

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

const MAX_BATCH = 500;
/**
 * INSERTs in flight at once. One would make every request wait for the commit before its own;
 * a few let PostgreSQL flush their commits together while the queue fills the next batch.
 */
const MAX_IN_FLIGHT = 3;

interface Pending {
  registrationNumber: string;
  positive: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Writes the R6 records with group commit, like the gateway's journal: records of requests
 * that finish while INSERTs are in flight go together into the next one. `record` resolves
 * only once its row is committed, so no answer leaves before its record is written.
 */
export class QueryJournal {
  private queue: Pending[] = [];
  private inFlight = 0;
  private readonly insert: Statement;

  constructor(
    private readonly sql: Sql,
    schema: string,
  ) {
    this.insert = {
      name: `${schema}.journal.insert`,
      text: `INSERT INTO "${schema}"."${JOURNAL_TABLE}" (registration_number, positive) SELECT * FROM unnest($1::text[], $2::boolean[])`,
    };
  }

  record(registrationNumber: string, positive: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ registrationNumber, positive, resolve, reject });
      this.writeNext();
    });
  }

  private writeNext(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight += 1;
      this.sql
        .query(this.insert, [batch.map((p) => p.registrationNumber), batch.map((p) => p.positive)])
        .then(
          () => {
            for (const p of batch) p.resolve();
          },
          (error: unknown) => {
            for (const p of batch) p.reject(error as Error);
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          this.writeNext();
        });
    }
  }
}
