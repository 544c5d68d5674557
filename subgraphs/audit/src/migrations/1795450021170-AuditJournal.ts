import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditJournal1795450021170 implements MigrationInterface {
  name = 'AuditJournal1795450021170';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "audit"."journal" ("seq" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "registration_number" text NOT NULL, "event" text NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "agency" text, "sub" text, "roles" text array NOT NULL, "purpose" text, "case_number" text, "operation_type" text, "operation_name" text, "resources" jsonb NOT NULL, "resource_names" text array NOT NULL, "decision" text NOT NULL, "reason" text, "attempt_to_exceed_authority" boolean NOT NULL, "error_codes" text array NOT NULL, "positive" boolean NOT NULL, "records" integer NOT NULL, "duration_ms" double precision NOT NULL, "client_address" text, "prev_hash" text NOT NULL, "hash" text NOT NULL, CONSTRAINT "UQ_5f792786a224867389b5721ed9f" UNIQUE ("registration_number"), CONSTRAINT "PK_4768b226599e1d06b1c71f797de" PRIMARY KEY ("seq"))',
    );
    await runner.query('CREATE INDEX "IDX_1314d1a8b803464b3bc8a382e6" ON "audit"."journal"  ("received_at") ');
    await runner.query('CREATE INDEX "IDX_3ba807473c4851f11d2b8f6f40" ON "audit"."journal"  ("decision") ');
    await runner.query('CREATE INDEX "journal_agency_time" ON "audit"."journal"  ("agency", "received_at") ');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX "audit"."journal_agency_time"');
    await runner.query('DROP INDEX "audit"."IDX_3ba807473c4851f11d2b8f6f40"');
    await runner.query('DROP INDEX "audit"."IDX_1314d1a8b803464b3bc8a382e6"');
    await runner.query('DROP TABLE "audit"."journal"');
  }
}
