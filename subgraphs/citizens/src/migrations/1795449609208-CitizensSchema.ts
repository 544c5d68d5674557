import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CitizensSchema1795449609208 implements MigrationInterface {
  name = 'CitizensSchema1795449609208';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "citizens"."fin_register" ("fin" character(7) NOT NULL, "holder" text NOT NULL, CONSTRAINT "PK_e385b6b0c7ab1923123b18bc639" PRIMARY KEY ("fin"))',
    );
    await runner.query(
      'CREATE TABLE "citizens"."citizen" ("fin" character(7) NOT NULL, "internal_number" text NOT NULL, "first_name" text NOT NULL, "last_name" text NOT NULL, "patronymic" text NOT NULL, "first_name_key" text NOT NULL, "last_name_key" text NOT NULL, "sex" text NOT NULL, "birth_date" date NOT NULL, "birth_place" text NOT NULL, "marital_status" text NOT NULL, "address" text NOT NULL, "military_status" text NOT NULL, "father_fin" character(7), "mother_fin" character(7), CONSTRAINT "UQ_b068200dd81210809ab565c7027" UNIQUE ("internal_number"), CONSTRAINT "PK_b408d4eddcb5782f4847d664f42" PRIMARY KEY ("fin"))',
    );
    await runner.query('CREATE INDEX "citizen_name_search" ON "citizens"."citizen"  ("last_name_key", "first_name_key", "birth_date") ');
    await runner.query(
      'CREATE TABLE "citizens"."document" ("number" text NOT NULL, "type" text NOT NULL, "holder_fin" character(7) NOT NULL, "issued_by" text NOT NULL, "issued_at" date NOT NULL, "expires_at" date NOT NULL, "active" boolean NOT NULL, "status_reason" text NOT NULL, "status_changed_at" date NOT NULL, "blank_series" text NOT NULL, "blank_number" text NOT NULL, CONSTRAINT "PK_82a4ee79717aa882602410a3ca2" PRIMARY KEY ("number"))',
    );
    await runner.query('CREATE INDEX "IDX_d828d23777867b38d1a58c992a" ON "citizens"."document"  ("holder_fin") ');
    await runner.query(
      'CREATE TABLE "citizens"."registration" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "fin" character(7) NOT NULL, "kind" text NOT NULL, "place" text NOT NULL, "registered_at" date NOT NULL, "deregistered_at" date, CONSTRAINT "PK_cb23dc9d28df8801b15e9e2b8d6" PRIMARY KEY ("id"))',
    );
    await runner.query('CREATE INDEX "IDX_1eb4ebb4b804f37f16a5ef5cd2" ON "citizens"."registration"  ("fin") ');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX "citizens"."IDX_1eb4ebb4b804f37f16a5ef5cd2"');
    await runner.query('DROP TABLE "citizens"."registration"');
    await runner.query('DROP INDEX "citizens"."IDX_d828d23777867b38d1a58c992a"');
    await runner.query('DROP TABLE "citizens"."document"');
    await runner.query('DROP INDEX "citizens"."citizen_name_search"');
    await runner.query('DROP TABLE "citizens"."citizen"');
    await runner.query('DROP TABLE "citizens"."fin_register"');
  }
}
