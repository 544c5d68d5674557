import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Policy changes in the journal (docs/decisions/0019): each gateway, at start, compares the set it
 * puts in force with the last `policy-change` record. A partial index keeps that one lookup off
 * the rest of the journal, however long it grows; on the partitioned parent, it reaches every month.
 */
export class AuditJournalPolicyChange1795450021176 implements MigrationInterface {
  name = 'AuditJournalPolicyChange1795450021176';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX "journal_policy_change" ON "audit"."journal" ("seq") WHERE "event" = 'policy-change'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX "audit"."journal_policy_change"`);
  }
}
