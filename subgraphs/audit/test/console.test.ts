import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { openDatabase } from '@hub/kit';
import { createTestDatabase, startTestSubgraph, type TestSubgraph } from '@hub/kit/testing';
import { APPEND_JOURNAL_SQL, auditJournalSchema, auditSubgraph, entryHash, GENESIS_HASH, journalRow, type JournalEntry } from '../src';

/**
 * The auditors' console queries over a journal whose records straddle hours, months and
 * filters: the rollup-backed counts must equal a count of the records themselves, for any
 * window, edges included; pages must walk every record once; every filter has an index.
 */
const BASE = Date.UTC(2026, 8, 30, 21, 10); // 30 September 2026, 21:10 UTC: the records run into October.
const AGENCIES = ['MIA', 'SBS', 'MNS', null] as const;
const RESOURCES = ['citizens', 'borderCrossings', 'restrictionList'];
const DECISIONS = ['allowed', 'partly-refused', 'refused'] as const;
/** Two registered operations, by reviewed name and id, and ad-hoc text (neither). */
const OPERATIONS = [
  { operationName: 'SBS/borderCheckByFin', operationId: `sha256:${'1'.repeat(64)}` },
  { operationName: null, operationId: null },
  { operationName: 'MIA/identityCheckByFin', operationId: `sha256:${'2'.repeat(64)}` },
  { operationName: null, operationId: null },
  { operationName: null, operationId: null },
] as const;

function entry(n: number): JournalEntry {
  const agency = AGENCIES[n % AGENCIES.length]!;
  const resources = RESOURCES.filter((_r, i) => (n + i) % 3 !== 0).map((resource) => ({
    resource,
    level: 'unlimited',
    fields: [`Query.${resource}`],
    positive: n % 5 === 0,
    records: 1,
  }));
  return {
    registrationNumber: `HUB-CONSOLE-${n}`,
    // Sign-outs among the queries: the console filters by event.
    event: n % 7 === 3 ? 'sign-out' : 'query',
    receivedAt: new Date(BASE + n * 7 * 60_000 + (n % 3) * 1_000),
    agency,
    sub: agency ? `${agency.toLowerCase()}-officer-${n % 2}` : null,
    roles: ['officer'],
    purpose: 'identity-check',
    caseNumber: null,
    operationType: 'query',
    ...OPERATIONS[n % OPERATIONS.length]!,
    resources,
    decision: DECISIONS[n % 3]!,
    reason: null,
    attemptToExceedAuthority: false,
    errorCodes: [],
    positive: n % 5 === 0,
    records: resources.length,
    durationMs: 1,
    clientAddress: null,
  };
}
const ENTRIES = Array.from({ length: 90 }, (_v, n) => entry(n));

const AUDITOR = { roles: ['auditor' as const], purpose: 'audit' };

interface Filter {
  from: string;
  to: string;
  event?: string;
  agency?: string;
  sub?: string;
  resource?: string;
  decision?: string;
  positive?: boolean;
  operationName?: string;
  operationId?: string;
}

function matching(f: Filter): JournalEntry[] {
  return ENTRIES.filter(
    (e) =>
      e.receivedAt >= new Date(f.from) &&
      e.receivedAt < new Date(f.to) &&
      (f.event === undefined || e.event === f.event.toLowerCase().replace('_', '-')) &&
      (f.agency === undefined || e.agency === f.agency) &&
      (f.sub === undefined || e.sub === f.sub) &&
      (f.resource === undefined || e.resources.some((r) => r.resource === f.resource)) &&
      (f.decision === undefined || e.decision === f.decision.toLowerCase().replace('_', '-')) &&
      (f.positive === undefined || e.positive === f.positive) &&
      (f.operationName === undefined || e.operationName === f.operationName) &&
      (f.operationId === undefined || e.operationId === f.operationId),
  ).sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
}

describe("the auditors' console queries", () => {
  let subgraph: TestSubgraph;

  before(async () => {
    subgraph = await startTestSubgraph(auditSubgraph);
    await subgraph.db.query("SELECT audit.ensure_journal_partitions('2026-09-01Z', '2026-10-31Z')");
    // Several batches, as group commit writes them.
    for (let i = 0; i < ENTRIES.length; i += 17) await subgraph.db.query(APPEND_JOURNAL_SQL, [JSON.stringify(ENTRIES.slice(i, i + 17).map(journalRow))]);
  });
  after(async () => {
    await subgraph.close();
  });

  async function ask(query: string, variables: Record<string, unknown>, caller: Record<string, unknown> = AUDITOR) {
    const { body } = await subgraph.request(query, variables, caller);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data!;
  }

  // Windows with partial hours at both ends, whole hours only, and inside one hour; filters the rollup keeps and ones it does not.
  const windows = [
    { from: new Date(BASE + 13 * 60_000).toISOString(), to: new Date(BASE + 9 * 3600_000 + 1).toISOString() },
    { from: '2026-09-30T22:00:00.000Z', to: '2026-10-01T05:00:00.000Z' },
    { from: '2026-10-01T01:05:00.000Z', to: '2026-10-01T01:50:00.000Z' },
  ];
  const filters: Array<Partial<Filter>> = [
    {},
    { agency: 'MIA' },
    { resource: 'borderCrossings' },
    { decision: 'REFUSED' },
    { positive: true },
    { sub: 'sbs-officer-1' },
    // The rollup keeps no events: counted from the rows.
    { event: 'SIGN_OUT' },
    { event: 'QUERY', agency: 'MIA' },
    { agency: 'MNS', resource: 'citizens', positive: false },
    // The rollup keeps no operations: counted from the rows, or these totals would be everyone's.
    { operationId: OPERATIONS[0].operationId },
    { operationId: OPERATIONS[2].operationId, decision: 'ALLOWED' },
    { operationName: OPERATIONS[2].operationName },
  ];

  it("counts totals, the hourly chart and a page's total exactly as the records themselves, window edges included", async () => {
    for (const window of windows) {
      for (const extra of filters) {
        const filter: Filter = { ...window, ...extra };
        const expected = matching(filter);
        const label = JSON.stringify(filter);
        const data = await ask(
          `query($filter: AuditFilter) {
          auditRecords(filter: $filter, first: 1) { total }
          auditTotals(filter: $filter) { agency decision requests }
          auditHourly(filter: $filter) { hour agency requests refusals } }`,
          { filter },
        );
        assert.equal((data['auditRecords'] as { total: number }).total, expected.length, label);
        const totals = new Map<string, number>();
        const hours = new Map<string, [number, number]>();
        for (const e of expected) {
          const t = `${e.agency}|${e.decision}`;
          totals.set(t, (totals.get(t) ?? 0) + 1);
          const h = `${new Date(Math.floor(e.receivedAt.getTime() / 3600_000) * 3600_000).toISOString()}|${e.agency}`;
          const [requests, refusals] = hours.get(h) ?? [0, 0];
          hours.set(h, [requests + 1, refusals + (e.decision === 'allowed' ? 0 : 1)]);
        }
        const gotTotals = new Map(
          (data['auditTotals'] as Array<{ agency: string | null; decision: string; requests: number }>).map((t) => [
            `${t.agency}|${t.decision.toLowerCase().replace('_', '-')}`,
            t.requests,
          ]),
        );
        assert.deepEqual(gotTotals, totals, label);
        const gotHours = new Map(
          (data['auditHourly'] as Array<{ hour: string; agency: string | null; requests: number; refusals: number }>).map((h) => [
            `${h.hour}|${h.agency}`,
            [h.requests, h.refusals],
          ]),
        );
        assert.deepEqual(gotHours, hours, label);
      }
    }
  });

  it("filters by a registered operation's id exactly, and shows its id and reviewed name", async () => {
    const filter = { ...windows[1]!, operationId: OPERATIONS[0].operationId };
    const data = await ask(
      'query($filter: AuditFilter) { auditRecords(filter: $filter, first: 50) { total items { registrationNumber operationName operationId } } }',
      { filter },
    );
    const expected = matching(filter);
    assert.ok(expected.length > 0 && expected.length < matching(windows[1]!).length);
    assert.deepEqual(data['auditRecords'], {
      total: expected.length,
      items: expected.map((e) => ({ registrationNumber: e.registrationNumber, ...OPERATIONS[0] })),
    });
    const none = await ask('query($filter: AuditFilter) { auditRecords(filter: $filter) { total items { registrationNumber } } }', {
      filter: { ...windows[1]!, operationId: `sha256:${'3'.repeat(64)}` },
    });
    assert.deepEqual(none['auditRecords'], { total: 0, items: [] });
  });

  it('pages newest first with a keyset cursor, each record once, to the last page', async () => {
    for (const extra of filters) {
      const filter: Filter = { ...windows[0]!, ...extra };
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const data = await ask(
          'query($filter: AuditFilter, $after: String) { auditRecords(filter: $filter, first: 4, after: $after) { nextCursor items { registrationNumber } } }',
          { filter, after: cursor },
        );
        const page = data['auditRecords'] as { nextCursor: string | null; items: Array<{ registrationNumber: string }> };
        seen.push(...page.items.map((i) => i.registrationNumber));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(
        seen,
        matching(filter).map((e) => e.registrationNumber),
        JSON.stringify(extra),
      );
    }
  });

  it('refuses a malformed cursor and a chart range it would have to cut, with a code', async () => {
    const bad = await subgraph.request('{ auditRecords(after: "12") { total } }', undefined, AUDITOR);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    const long = await subgraph.request(
      'query($filter: AuditFilter) { auditHourly(filter: $filter) { hour } }',
      { filter: { from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' } },
      AUDITOR,
    );
    assert.equal(long.body.errors?.[0]?.extensions?.['code'], 'QUERY_TOO_BROAD');
    assert.match(long.body.errors?.[0]?.message ?? '', /at most 92 days/);
  });

  it('runs every auditor query under statement_timeout, and answers QUERY_TOO_BROAD when one outlasts it', async () => {
    subgraph.counter.reset();
    // One root field per request: two in one request run their transactions at once, and the log cannot say whose statement is whose.
    await ask('query($filter: AuditFilter) { auditTotals(filter: $filter) { requests } }', { filter: windows[0] });
    await ask('query($filter: AuditFilter) { auditRecords(filter: $filter) { total items { seq: registrationNumber } } }', { filter: windows[0] });
    const queries = subgraph.counter.queries;
    const reads = queries.map((q, i) => [q, i] as const).filter(([q]) => /audit\.journal|"journal"/.test(q) && /^\s*SELECT/i.test(q));
    assert.ok(reads.length >= 3, queries.join('\n'));
    for (const [query, at] of reads) {
      const set = queries.slice(0, at).findLastIndex((q) => /^SET LOCAL statement_timeout = 5000$/.test(q));
      const begin = queries.slice(0, at).findLastIndex((q) => /^(START TRANSACTION|BEGIN)/i.test(q));
      assert.ok(set > begin && begin >= 0, `${query} runs in a transaction with statement_timeout set`);
    }
    // PGlite, the embedded backend, has no timer to cancel a statement with: the cut itself needs a server.
    if (!subgraph.database.real) return;
    // The rollup behind a view that sleeps a second a row: slow on any machine and on either backend.
    await subgraph.db.query('ALTER TABLE audit.journal_hourly RENAME TO journal_hourly_saved');
    await subgraph.db.query('CREATE FUNCTION audit.slow() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM pg_sleep(1); RETURN true; END $$');
    await subgraph.db.query('CREATE VIEW audit.journal_hourly AS SELECT * FROM audit.journal_hourly_saved WHERE audit.slow()');
    process.env['AUDIT_QUERY_TIMEOUT_MS'] = '200';
    try {
      const { body } = await subgraph.request('query($filter: AuditFilter) { auditTotals(filter: $filter) { requests } }', { filter: windows[1] }, AUDITOR);
      assert.equal(body.errors?.[0]?.extensions?.['code'], 'QUERY_TOO_BROAD', JSON.stringify(body.errors));
      assert.doesNotMatch(JSON.stringify(body), /statement timeout|canceling/);
    } finally {
      delete process.env['AUDIT_QUERY_TIMEOUT_MS'];
      await subgraph.db.query('DROP VIEW audit.journal_hourly');
      await subgraph.db.query('DROP FUNCTION audit.slow()');
      await subgraph.db.query('ALTER TABLE audit.journal_hourly_saved RENAME TO journal_hourly');
    }
  });

  it('has an index for every filter of the console, each in page order, and reads none of them by a sequential scan', async () => {
    const client = new Client({ connectionString: subgraph.database.url });
    await client.connect();
    try {
      const { rows: indexes } = await client.query<{ def: string }>(
        "SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'audit' AND tablename = 'journal'",
      );
      const defs = indexes.map((i) => i.def.replace(/^.* USING /, ''));
      for (const wanted of [
        'btree (received_at, seq)',
        'btree (event, received_at, seq)',
        'btree (agency, received_at, seq)',
        'btree (sub, received_at, seq)',
        'btree (decision, received_at, seq)',
        'btree (positive, received_at, seq)',
        'gin (resource_names)',
        'btree (registration_number)',
        'btree (operation_name, received_at, seq)',
        'btree (operation_id, received_at, seq)',
      ])
        assert.ok(defs.includes(wanted), `${wanted} in ${defs.join('; ')}`);
      await client.query('SET enable_seqscan = off');
      const window = "received_at >= '2026-09-30T00:00Z' AND received_at < '2026-10-02T00:00Z'";
      for (const clause of [
        'TRUE',
        "event = 'sign-out'",
        "agency = 'MIA'",
        "sub = 'mia-officer-1'",
        "decision = 'refused'",
        'positive',
        "resource_names @> ARRAY['restrictionList']",
        "registration_number = 'HUB-CONSOLE-3'",
        "operation_name = 'SBS/borderCheckByFin'",
        `operation_id = '${OPERATIONS[0].operationId}'`,
      ]) {
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT seq FROM audit.journal WHERE ${window} AND ${clause} ORDER BY received_at DESC, seq DESC LIMIT 21`,
        );
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        assert.doesNotMatch(plan, /Seq Scan/, plan);
        assert.doesNotMatch(plan, /journal_2026_08|journal_2026_11/, 'months outside the window are pruned');
      }
    } finally {
      await client.end();
    }
  });
});

describe('the journal partitioned by month', () => {
  it('creates months ahead once, chains across them, and keeps the rows and chain of a journal made before partitioning', async () => {
    const database = await createTestDatabase();
    const admin = new Client({ connectionString: database.url });
    try {
      // The journal as it was before partitioning, with records in it.
      const before = await openDatabase({
        url: database.url,
        applicationName: 'partition-test',
        ...auditJournalSchema,
        migrations: auditJournalSchema.migrations.slice(
          0,
          auditJournalSchema.migrations.findIndex((m) => m.name === 'AuditJournalPartitioned1795450021173'),
        ),
      });
      await before.query(APPEND_JOURNAL_SQL, [JSON.stringify(ENTRIES.slice(0, 30).map(journalRow))]);
      await before.destroy();
      await (await openDatabase({ url: database.url, applicationName: 'partition-test', ...auditJournalSchema })).destroy();
      await admin.connect();
      await admin.query(APPEND_JOURNAL_SQL, [JSON.stringify(ENTRIES.slice(30).map(journalRow))]);

      const partitions = async () =>
        (
          await admin.query<{ name: string }>(
            "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit.journal'::regclass ORDER BY 1",
          )
        ).rows.map((r) => r.name);
      assert.ok((await partitions()).includes('journal_2026_09') && (await partitions()).includes('journal_2026_10'));
      const { created } = (await admin.query<{ created: number }>("SELECT audit.ensure_journal_partitions('2027-06-15Z', '2027-08-01Z') AS created")).rows[0]!;
      assert.equal(created, 3);
      const { again } = (await admin.query<{ again: number }>("SELECT audit.ensure_journal_partitions('2027-06-15Z', '2027-08-01Z') AS again")).rows[0]!;
      assert.equal(again, 0);
      const all = await partitions();
      assert.ok(
        ['journal_2027_06', 'journal_2027_07', 'journal_2027_08'].every((p) => all.includes(p)),
        all.join(),
      );

      const { rows } = await admin.query<{ prev_hash: string; hash: string; registration_number: string; part: string }>(
        'SELECT prev_hash, hash, registration_number, tableoid::regclass::text AS part FROM audit.journal ORDER BY seq',
      );
      assert.deepEqual(
        rows.map((r) => r.registration_number),
        ENTRIES.map((e) => e.registrationNumber),
      );
      assert.deepEqual(new Set(rows.map((r) => r.part)), new Set(['audit.journal_2026_09', 'audit.journal_2026_10']));
      let prev = GENESIS_HASH;
      rows.forEach((row, i) => {
        assert.equal(row.prev_hash, prev);
        assert.equal(row.hash, entryHash(prev, ENTRIES[i]!));
        prev = row.hash;
      });
      const { requests } = (await admin.query<{ requests: number }>("SELECT sum(requests)::int AS requests FROM audit.journal_hourly WHERE resource = ''"))
        .rows[0]!;
      assert.equal(requests, ENTRIES.length, 'the rollup counts the records copied over and the ones appended since');
      await assert.rejects(admin.query('TRUNCATE audit.journal_2026_10'), /append-only/);
    } finally {
      await admin.end().catch(() => undefined);
      await database.drop();
    }
  });
});
