/** The columns audit.append_journal filled before AuditJournalOperationId. */
export const JOURNAL_COLUMNS = `"registration_number", "event", "received_at", "agency", "sub", "roles", "purpose", "case_number", "operation_type",
  "operation_name", "resources", "resource_names", "decision", "reason", "attempt_to_exceed_authority", "error_codes", "positive",
  "records", "duration_ms", "client_address", "subjects"`;

/** audit.append_journal as AuditJournalSubjects made it, with the columns given (AuditJournalPolicySet adds one more). */
export function appendJournalFunction(columns: string, last: string): string {
  return `CREATE OR REPLACE FUNCTION "audit"."append_journal"(entries jsonb) RETURNS void LANGUAGE plpgsql AS $$
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
      INSERT INTO audit.journal (seq, ${columns}, prev_hash, hash) OVERRIDING SYSTEM VALUE
      SELECT c.seq, r.registration_number, r.event, r.received_at, r.agency, r.sub, r.roles, r.purpose, r.case_number,
        r.operation_type, r.operation_name, r.resources, r.resource_names, r.decision, r.reason, r.attempt_to_exceed_authority,
        r.error_codes, r.positive, r.records, r.duration_ms, r.client_address, ${last}, c.prev_hash, c.hash
      FROM jsonb_array_elements(entries) WITH ORDINALITY AS e(value, n)
      JOIN unnest(seqs, prevs, hashes) WITH ORDINALITY AS c(seq, prev_hash, hash, n) ON c.n = e.n
      CROSS JOIN LATERAL jsonb_populate_record(NULL::audit.journal, e.value) AS r;
      INSERT INTO audit.journal_hourly AS h (resource, hour, agency, decision, positive, requests)
      SELECT res.name, date_bin('1 hour', r.received_at, timestamptz '2000-01-01 00:00:00+00'), coalesce(r.agency, ''), r.decision, r.positive, count(*)
      FROM jsonb_populate_recordset(NULL::audit.journal, entries) AS r
      CROSS JOIN LATERAL (SELECT '' UNION SELECT unnest(r.resource_names)) AS res(name)
      GROUP BY 1, 2, 3, 4, 5
      ON CONFLICT (resource, hour, agency, decision, positive) DO UPDATE SET requests = h.requests + excluded.requests;
    END $$`;
}
