import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ForeignersSchema1795449965134 implements MigrationInterface {
  name = 'ForeignersSchema1795449965134';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "foreigners"."foreigner" ("system_number" character(10) NOT NULL, "fin" character(7), "first_name" text NOT NULL, "last_name" text NOT NULL, "sex" text NOT NULL, "birth_date" date NOT NULL, "nationality" text, "passport_number" text NOT NULL, "passport_issuing_country" text NOT NULL, "passport_expires_at" date NOT NULL, "stay_registration_address" text, CONSTRAINT "PK_607a8a81f39257b2d08cc209d9a" PRIMARY KEY ("system_number"))',
    );
    await runner.query('CREATE UNIQUE INDEX "IDX_48e2eed74f219d1d3ca9d49875" ON "foreigners"."foreigner"  ("fin") ');
    await runner.query('CREATE UNIQUE INDEX "IDX_0201071d1cc7683338baeddb33" ON "foreigners"."foreigner"  ("passport_number") ');
    await runner.query(
      'CREATE TABLE "foreigners"."permit" ("number" text NOT NULL, "system_number" character(10) NOT NULL, "kind" text NOT NULL, "issued_at" date NOT NULL, "valid_until" date NOT NULL, "active" boolean NOT NULL, "status_reason" text NOT NULL, "status_changed_at" date NOT NULL, CONSTRAINT "PK_10eb28816089588bc125d08fa19" PRIMARY KEY ("number"))',
    );
    await runner.query('CREATE INDEX "IDX_a785363d77776b304764ac37c7" ON "foreigners"."permit"  ("system_number") ');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX "foreigners"."IDX_a785363d77776b304764ac37c7"');
    await runner.query('DROP TABLE "foreigners"."permit"');
    await runner.query('DROP INDEX "foreigners"."IDX_0201071d1cc7683338baeddb33"');
    await runner.query('DROP INDEX "foreigners"."IDX_48e2eed74f219d1d3ca9d49875"');
    await runner.query('DROP TABLE "foreigners"."foreigner"');
  }
}
