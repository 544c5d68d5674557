import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendJournalFunction, JOURNAL_COLUMNS } from './append-function';

/**
 * The registered operation's id beside its reviewed name (issue 14, R6): `operation_id`,
 * `sha256:<hex>` from the gateway's registry, null for ad-hoc text; covered by the hash chain
 * (chain.ts), which leaves a null id out so records written before verify as they were.
 * Both operation filters of the auditors' console get an index in page order, as the others have.
 * On the partitioned parent: the column and the indexes reach every month.
 */
export class AuditJournalOperationId1795450021175 implements MigrationInterface {
  name = 'AuditJournalOperationId1795450021175';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "audit"."journal" ADD "operation_id" text`);
    await runner.query(`CREATE INDEX "journal_operation_id_time" ON "audit"."journal" ("operation_id", "received_at", "seq")`);
    await runner.query(`CREATE INDEX "journal_operation_name_time" ON "audit"."journal" ("operation_name", "received_at", "seq")`);
    await runner.query(appendJournalFunction(`${JOURNAL_COLUMNS}, "operation_id"`, 'r.subjects, r.operation_id'));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(appendJournalFunction(JOURNAL_COLUMNS, 'r.subjects'));
    await runner.query(`DROP INDEX "audit"."journal_operation_name_time"`);
    await runner.query(`DROP INDEX "audit"."journal_operation_id_time"`);
    await runner.query(`ALTER TABLE "audit"."journal" DROP COLUMN "operation_id"`);
  }
}
