import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BlanksSchema1795450031453 implements MigrationInterface {
  name = 'BlanksSchema1795450031453';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "blanks"."blank" ("series" text NOT NULL, "number" text NOT NULL, "document_type" text NOT NULL, "state" text NOT NULL, "state_changed_at" date NOT NULL, "unit" text, "document_number" text, "state_fee_amount" numeric(10,2), "state_fee_paid_at" date, CONSTRAINT "PK_2750219f77e356a61dbe4c6cb3a" PRIMARY KEY ("series", "number"))',
    );
    await runner.query('CREATE UNIQUE INDEX "IDX_9cf5e36a9b1a1e8be056955a42" ON "blanks"."blank"  ("document_number") ');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX "blanks"."IDX_9cf5e36a9b1a1e8be056955a42"');
    await runner.query('DROP TABLE "blanks"."blank"');
  }
}
