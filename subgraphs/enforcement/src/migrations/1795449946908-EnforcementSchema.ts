import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EnforcementSchema1795449946908 implements MigrationInterface {
  name = 'EnforcementSchema1795449946908';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "enforcement"."enforcement_case" ("case_number" text NOT NULL, "document_kind" text NOT NULL, "document_number" text NOT NULL, "source" text NOT NULL, "issued_at" date NOT NULL, "debtor_fin" character(7) NOT NULL, "debtor_name" text NOT NULL, "creditor_name" text NOT NULL, "creditor_agency" text, "amount" numeric(14,2) NOT NULL, "currency" character(3) NOT NULL, "officer" text NOT NULL, "status" text NOT NULL, "opened_at" date NOT NULL, CONSTRAINT "PK_010b61f9acfc1f33f48e0bb8294" PRIMARY KEY ("case_number"))',
    );
    await runner.query('CREATE INDEX "IDX_41d8033a9383849cf004280490" ON "enforcement"."enforcement_case"  ("debtor_fin") ');
    await runner.query(
      'CREATE TABLE "enforcement"."enforcement_action" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "case_number" text NOT NULL, "kind" text NOT NULL, "date" date NOT NULL, CONSTRAINT "PK_628bb9b94668d4be2aca50758ad" PRIMARY KEY ("id"))',
    );
    await runner.query('CREATE INDEX "IDX_1f81da2c6f1775ae4038360f59" ON "enforcement"."enforcement_action"  ("case_number") ');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX "enforcement"."IDX_1f81da2c6f1775ae4038360f59"');
    await runner.query('DROP TABLE "enforcement"."enforcement_action"');
    await runner.query('DROP INDEX "enforcement"."IDX_41d8033a9383849cf004280490"');
    await runner.query('DROP TABLE "enforcement"."enforcement_case"');
  }
}
