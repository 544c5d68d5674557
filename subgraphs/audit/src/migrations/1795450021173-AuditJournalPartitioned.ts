import type { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = `"registration_number", "event", "received_at", "agency", "sub", "roles", "purpose", "case_number", "operation_type",
  "operation_name", "resources", "resource_names", "decision", "reason", "attempt_to_exceed_authority", "error_codes", "positive",
  "records", "duration_ms", "client_address"`;

/**
 * A journal for years (issue 16):
 * - audit.journal becomes a table partitioned by month of received_at; the hash chain keeps
 *   running in seq order across partitions, and a closed month can be archived and detached;
 * - audit.ensure_journal_partitions creates months ahead of time (the gateway calls it);
 * - audit.journal_hourly counts requests per hour, resource ('' = all), agency ('' = none),
 *   decision and positive result, kept by the same append, so the console never re-reads rows;
 * - audit.checkpoints holds the gateway's signed checkpoints of the chain;
 * - an index for every console filter, each ending in (received_at, seq), the page order.
 * The existing rows are copied over in seq order, their hashes untouched.
 */
export class AuditJournalPartitioned1795450021173 implements MigrationInterface {
  name = 'AuditJournalPartitioned1795450021173';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX "audit"."IDX_1314d1a8b803464b3bc8a382e6"`);
    await runner.query(`DROP INDEX "audit"."IDX_3ba807473c4851f11d2b8f6f40"`);
    await runner.query(`DROP INDEX "audit"."journal_agency_time"`);
    await runner.query(`ALTER TABLE "audit"."journal" DROP CONSTRAINT "PK_4768b226599e1d06b1c71f797de"`);
    await runner.query(`ALTER TABLE "audit"."journal" DROP CONSTRAINT "UQ_5f792786a224867389b5721ed9f"`);
    await runner.query(`ALTER TABLE "audit"."journal" RENAME TO "journal_unpartitioned"`);
    await runner.query(
      `CREATE TABLE "audit"."journal" ("seq" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "registration_number" text NOT NULL, "event" text NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "agency" text, "sub" text, "roles" text array NOT NULL, "purpose" text, "case_number" text, "operation_type" text, "operation_name" text, "resources" jsonb NOT NULL, "resource_names" text array NOT NULL, "decision" text NOT NULL, "reason" text, "attempt_to_exceed_authority" boolean NOT NULL, "error_codes" text array NOT NULL, "positive" boolean NOT NULL, "records" integer NOT NULL, "duration_ms" double precision NOT NULL, "client_address" text, "prev_hash" text NOT NULL, "hash" text NOT NULL, CONSTRAINT "PK_7a3d50ffb8f8c2ad37a22c6e6ec" PRIMARY KEY ("seq", "received_at")) PARTITION BY RANGE ("received_at")`,
    );
    await runner.query(`CREATE INDEX "journal_time" ON "audit"."journal" ("received_at", "seq")`);
    await runner.query(`CREATE INDEX "journal_agency_time" ON "audit"."journal" ("agency", "received_at", "seq")`);
    await runner.query(`CREATE INDEX "journal_sub_time" ON "audit"."journal" ("sub", "received_at", "seq")`);
    await runner.query(`CREATE INDEX "journal_decision_time" ON "audit"."journal" ("decision", "received_at", "seq")`);
    await runner.query(`CREATE INDEX "journal_positive_time" ON "audit"."journal" ("positive", "received_at", "seq")`);
    await runner.query(`CREATE INDEX "journal_registration_number" ON "audit"."journal" ("registration_number")`);
    await runner.query(`CREATE INDEX "journal_resource_names" ON "audit"."journal" USING gin ("resource_names")`);
    await runner.query(
      `CREATE TRIGGER "journal_append_only" BEFORE UPDATE OR DELETE ON "audit"."journal" FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_journal_change"()`,
    );
    await runner.query(
      `CREATE TRIGGER "journal_no_truncate" BEFORE TRUNCATE ON "audit"."journal" FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_journal_change"()`,
    );

    // Months are UTC months; a partition is truncate-proof on its own too (row triggers are cloned, statement triggers are not).
    await runner.query(`CREATE FUNCTION "audit"."ensure_journal_partitions"(since timestamptz, through timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        month timestamp := date_trunc('month', since AT TIME ZONE 'UTC');
        name text;
        created integer := 0;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('audit.journal.partitions'));
        WHILE month <= through AT TIME ZONE 'UTC' LOOP
          name := 'journal_' || to_char(month, 'YYYY_MM');
          IF to_regclass(format('audit.%I', name)) IS NULL THEN
            EXECUTE format('CREATE TABLE audit.%I PARTITION OF audit.journal FOR VALUES FROM (%L) TO (%L)',
              name, month AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC');
            EXECUTE format('CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON audit.%I FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_journal_change()', name);
            created := created + 1;
          END IF;
          month := month + interval '1 month';
        END LOOP;
        RETURN created;
      END $$`);
    await runner.query(
      `SELECT "audit"."ensure_journal_partitions"(coalesce((SELECT min("received_at") FROM "audit"."journal_unpartitioned"), now()), now() + interval '2 months')`,
    );
    await runner.query(`INSERT INTO "audit"."journal" ("seq", ${COLUMNS}, "prev_hash", "hash") OVERRIDING SYSTEM VALUE
      SELECT "seq", ${COLUMNS}, "prev_hash", "hash" FROM "audit"."journal_unpartitioned" ORDER BY "seq"`);
    await runner.query(`SELECT setval(pg_get_serial_sequence('audit.journal', 'seq'), coalesce((SELECT max("seq") FROM "audit"."journal"), 0) + 1, false)`);
    await runner.query(`DROP TABLE "audit"."journal_unpartitioned"`);

    await runner.query(`CREATE TABLE "audit"."journal_hourly" ("resource" text NOT NULL, "hour" TIMESTAMP WITH TIME ZONE NOT NULL, "agency" text NOT NULL, "decision" text NOT NULL, "positive" boolean NOT NULL, "requests" bigint NOT NULL,
      PRIMARY KEY ("resource", "hour", "agency", "decision", "positive"))`);
    await runner.query(`INSERT INTO "audit"."journal_hourly" SELECT r.name, date_bin('1 hour', j."received_at", timestamptz '2000-01-01 00:00:00+00'), coalesce(j."agency", ''), j."decision", j."positive", count(*)
      FROM "audit"."journal" j CROSS JOIN LATERAL (SELECT '' UNION SELECT unnest(j."resource_names")) AS r(name) GROUP BY 1, 2, 3, 4, 5`);

    await runner.query(
      `CREATE TABLE "audit"."checkpoints" ("id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "seq" bigint NOT NULL, "hash" text NOT NULL, "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "jws" text NOT NULL)`,
    );
    await runner.query(`CREATE INDEX "checkpoints_seq" ON "audit"."checkpoints" ("seq")`);
    await runner.query(
      `CREATE TRIGGER "checkpoints_append_only" BEFORE UPDATE OR DELETE ON "audit"."checkpoints" FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_journal_change"()`,
    );
    await runner.query(
      `CREATE TRIGGER "checkpoints_no_truncate" BEFORE TRUNCATE ON "audit"."checkpoints" FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_journal_change"()`,
    );

    // Seqs are drawn in order first, so the chain order never depends on how the INSERT orders its rows.
    // The arrays are sized once and filled in place, and read back by unnest: appending to them, or
    // subscripting them in the INSERT, would copy them on every row.
    await runner.query(`CREATE OR REPLACE FUNCTION "audit"."append_journal"(entries jsonb) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        prev text;
        entry jsonb;
        seq_name text := pg_get_serial_sequence('audit.journal', 'seq');
        size integer := jsonb_array_length(entries);
        i integer := 0;
        seqs bigint[] := array_fill(0::bigint, ARRAY[size]);
        prevs text[] := array_fill(''::text, ARRAY[size]);
        hashes text[] := array_fill(''::text, ARRAY[size]);
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('audit.journal.chain'));
        SELECT hash INTO prev FROM audit.journal ORDER BY seq DESC LIMIT 1;
        prev := coalesce(prev, repeat('0', 64));
        FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
          i := i + 1;
          seqs[i] := nextval(seq_name);
          prevs[i] := prev;
          prev := encode(sha256(convert_to(prev || E'\\n' || (entry->>'canonical'), 'UTF8')), 'hex');
          hashes[i] := prev;
        END LOOP;
        INSERT INTO audit.journal (seq, ${COLUMNS}, prev_hash, hash) OVERRIDING SYSTEM VALUE
        SELECT c.seq, r.registration_number, r.event, r.received_at, r.agency, r.sub, r.roles, r.purpose, r.case_number,
          r.operation_type, r.operation_name, r.resources, r.resource_names, r.decision, r.reason, r.attempt_to_exceed_authority,
          r.error_codes, r.positive, r.records, r.duration_ms, r.client_address, c.prev_hash, c.hash
        FROM jsonb_array_elements(entries) WITH ORDINALITY AS e(value, n)
        JOIN unnest(seqs, prevs, hashes) WITH ORDINALITY AS c(seq, prev_hash, hash, n) ON c.n = e.n
        CROSS JOIN LATERAL jsonb_populate_record(NULL::audit.journal, e.value) AS r;
        INSERT INTO audit.journal_hourly AS h (resource, hour, agency, decision, positive, requests)
        SELECT res.name, date_bin('1 hour', r.received_at, timestamptz '2000-01-01 00:00:00+00'), coalesce(r.agency, ''), r.decision, r.positive, count(*)
        FROM jsonb_populate_recordset(NULL::audit.journal, entries) AS r
        CROSS JOIN LATERAL (SELECT '' UNION SELECT unnest(r.resource_names)) AS res(name)
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (resource, hour, agency, decision, positive) DO UPDATE SET requests = h.requests + excluded.requests;
      END $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "audit"."checkpoints"`);
    await runner.query(`DROP TABLE "audit"."journal_hourly"`);
    await runner.query(`DROP FUNCTION "audit"."ensure_journal_partitions"(timestamptz, timestamptz)`);
    await runner.query(`ALTER TABLE "audit"."journal" RENAME TO "journal_partitioned"`);
    await runner.query(`CREATE TABLE "audit"."journal" (LIKE "audit"."journal_partitioned" INCLUDING DEFAULTS INCLUDING IDENTITY)`);
    await runner.query(`INSERT INTO "audit"."journal" OVERRIDING SYSTEM VALUE SELECT * FROM "audit"."journal_partitioned" ORDER BY "seq"`);
    await runner.query(`SELECT setval(pg_get_serial_sequence('audit.journal', 'seq'), coalesce((SELECT max("seq") FROM "audit"."journal"), 0) + 1, false)`);
    await runner.query(`DROP TABLE "audit"."journal_partitioned"`);
    await runner.query(`ALTER TABLE "audit"."journal" ADD CONSTRAINT "PK_4768b226599e1d06b1c71f797de" PRIMARY KEY ("seq")`);
    await runner.query(`ALTER TABLE "audit"."journal" ADD CONSTRAINT "UQ_5f792786a224867389b5721ed9f" UNIQUE ("registration_number")`);
    await runner.query(`CREATE INDEX "IDX_1314d1a8b803464b3bc8a382e6" ON "audit"."journal" ("received_at")`);
    await runner.query(`CREATE INDEX "IDX_3ba807473c4851f11d2b8f6f40" ON "audit"."journal" ("decision")`);
    await runner.query(`CREATE INDEX "journal_agency_time" ON "audit"."journal" ("agency", "received_at")`);
    await runner.query(
      `CREATE TRIGGER "journal_append_only" BEFORE UPDATE OR DELETE ON "audit"."journal" FOR EACH ROW EXECUTE FUNCTION "audit"."refuse_journal_change"()`,
    );
    await runner.query(
      `CREATE TRIGGER "journal_no_truncate" BEFORE TRUNCATE ON "audit"."journal" FOR EACH STATEMENT EXECUTE FUNCTION "audit"."refuse_journal_change"()`,
    );
  }
}
