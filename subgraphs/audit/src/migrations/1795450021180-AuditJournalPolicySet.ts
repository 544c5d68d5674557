import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendJournalFunction, JOURNAL_COLUMNS } from './append-function';

const COLUMNS = `${JOURNAL_COLUMNS}, "operation_id"`;

/**
 * Each record names the policy set it was decided under (docs/decisions/0025): `policy_set`,
 * `sha256:<hex>`, covered by the hash chain (chain.ts), which leaves a null out so records written
 * before verify as they were. On the partitioned parent: the column reaches every month.
 */
export class AuditJournalPolicySet1795450021180 implements MigrationInterface {
  name = 'AuditJournalPolicySet1795450021180';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "audit"."journal" ADD "policy_set" text`);
    await runner.query(appendJournalFunction(`${COLUMNS}, "policy_set"`, 'r.subjects, r.operation_id, r.policy_set'));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(appendJournalFunction(COLUMNS, 'r.subjects, r.operation_id'));
    await runner.query(`ALTER TABLE "audit"."journal" DROP COLUMN "policy_set"`);
  }
}
