import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RestrictionListSchema1795449935082 implements MigrationInterface {
  name = 'RestrictionListSchema1795449935082';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "restriction_list"."restriction_entry" ("entry_number" text NOT NULL, "category" text NOT NULL, "subject" text NOT NULL, "fin" character(7), "document_number" text, "vehicle_registration_number" text, "full_name" text, "birth_date" date, "initiating_agency" text NOT NULL, "basis" text NOT NULL, "active" boolean NOT NULL, "status_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status_reason" text NOT NULL, "valid_until" date, "entered_by" text NOT NULL, "approved_by" text NOT NULL, "entered_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_ed9481f75d3a45ba7784a41292e" PRIMARY KEY ("entry_number"))',
    );
    await runner.query('CREATE INDEX "IDX_5eb6274f7dd0bdbf7cb4776c10" ON "restriction_list"."restriction_entry"  ("fin") ');
    await runner.query('CREATE INDEX "IDX_594cce01a055911e95c609eeb3" ON "restriction_list"."restriction_entry"  ("document_number") ');
    await runner.query('CREATE INDEX "IDX_a08ace6f6dd812c46a8feccd45" ON "restriction_list"."restriction_entry"  ("vehicle_registration_number") ');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX "restriction_list"."IDX_a08ace6f6dd812c46a8feccd45"');
    await runner.query('DROP INDEX "restriction_list"."IDX_594cce01a055911e95c609eeb3"');
    await runner.query('DROP INDEX "restriction_list"."IDX_5eb6274f7dd0bdbf7cb4776c10"');
    await runner.query('DROP TABLE "restriction_list"."restriction_entry"');
  }
}
