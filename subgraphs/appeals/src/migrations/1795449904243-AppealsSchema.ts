import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AppealsSchema1795449904243 implements MigrationInterface {
  name = 'AppealsSchema1795449904243';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "appeals"."appeal" ("registration_number" text NOT NULL, "kind" text NOT NULL, "applicant_fin" character(7) NOT NULL, "applicant_name" text NOT NULL, "received_by" text NOT NULL, "received_by_name" text NOT NULL, "received_at" date NOT NULL, "short_content" text NOT NULL, "due_date" date NOT NULL, "execution_status" text NOT NULL, "executor" text NOT NULL, "final_answer" text, "answered_at" date, CONSTRAINT "PK_f9c3afe8795e3d1e623dd973925" PRIMARY KEY ("registration_number"))',
    );
    await runner.query('CREATE INDEX "IDX_3fb43b9f841dbf43972f1907b4" ON "appeals"."appeal"  ("applicant_fin") ');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX "appeals"."IDX_3fb43b9f841dbf43972f1907b4"');
    await runner.query('DROP TABLE "appeals"."appeal"');
  }
}
