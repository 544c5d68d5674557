import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The journal is append-only (6.9): the database itself refuses UPDATE, DELETE and TRUNCATE,
 * whatever code or operator asks. Gateway replicas draw their ids from one sequence, which
 * keeps registration numbers unique across replicas.
 */
export class AuditAppendOnly1795450021171 implements MigrationInterface {
  name = 'AuditAppendOnly1795450021171';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE FUNCTION "audit"."refuse_journal_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit journal is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await runner.query(
      `CREATE TRIGGER "journal_append_only" BEFORE UPDATE OR DELETE ON "audit"."journal" FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_journal_change"()`,
    );
    await runner.query(
      `CREATE TRIGGER "journal_no_truncate" BEFORE TRUNCATE ON "audit"."journal" FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_journal_change"()`,
    );
    await runner.query(`CREATE SEQUENCE "audit"."gateway_replica_seq" MINVALUE 1 MAXVALUE 46655 CYCLE`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP SEQUENCE "audit"."gateway_replica_seq"`);
    await runner.query(`DROP TRIGGER "journal_no_truncate" ON "audit"."journal"`);
    await runner.query(`DROP TRIGGER "journal_append_only" ON "audit"."journal"`);
    await runner.query(`DROP FUNCTION "audit"."refuse_journal_change"()`);
  }
}
