import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The auditors' console filters by event (issue 22: sign-ins, failed sign-ins, sign-outs, expired
 * sessions and back-channel logouts beside the queries): an index in page order, as every other
 * filter has. On the partitioned parent: it reaches every month.
 */
export class AuditJournalEventFilter1795450021177 implements MigrationInterface {
  name = 'AuditJournalEventFilter1795450021177';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX "journal_event_time" ON "audit"."journal" ("event", "received_at", "seq")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX "audit"."journal_event_time"`);
  }
}
