import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BorderCrossingsSchema1795450097447 implements MigrationInterface {
  name = 'BorderCrossingsSchema1795450097447';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE TABLE "border_crossings"."crossing" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "fin" character(7), "document_number" text NOT NULL, "document_type" text NOT NULL, "name_on_document" text NOT NULL, "direction" text NOT NULL, "crossed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "checkpoint" text NOT NULL, "workstation" text NOT NULL, "vehicle_registration_number" text, "vehicle_type" text, "vehicle_make" text, "vehicle_model" text, "result" text NOT NULL, "decision_note" text NOT NULL, CONSTRAINT "PK_9c2441c5f792c7fdf1626d7cf38" PRIMARY KEY ("id"))',
    );
    await runner.query('CREATE INDEX "crossing_by_vehicle" ON "border_crossings"."crossing"  ("vehicle_registration_number", "crossed_at") ');
    await runner.query('CREATE INDEX "crossing_by_document" ON "border_crossings"."crossing"  ("document_number", "crossed_at") ');
    await runner.query('CREATE INDEX "crossing_by_fin" ON "border_crossings"."crossing"  ("fin", "crossed_at") ');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX "border_crossings"."crossing_by_fin"');
    await runner.query('DROP INDEX "border_crossings"."crossing_by_document"');
    await runner.query('DROP INDEX "border_crossings"."crossing_by_vehicle"');
    await runner.query('DROP TABLE "border_crossings"."crossing"');
  }
}
