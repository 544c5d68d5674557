import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ChildDataSchema1795450056269 implements MigrationInterface {
  name = 'ChildDataSchema1795450056269';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "child_data"."child_profile" ("fin" character(7) NOT NULL, "first_name" text NOT NULL, "last_name" text NOT NULL, "birth_date" date NOT NULL, "father_fin" character(7), "mother_fin" character(7), "guardian_fin" character(7), "school" text, "grade" smallint, "disability_group" text, "chronic_conditions" text array NOT NULL, "vaccinations_complete" boolean NOT NULL, "social_benefits" text array NOT NULL, "offences_by_child" smallint NOT NULL, "offences_against_child" smallint NOT NULL, "archived" boolean NOT NULL, "archived_at" date, CONSTRAINT "PK_37572a2092073b04476c6d4777d" PRIMARY KEY ("fin"))',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE "child_data"."child_profile"');
  }
}
