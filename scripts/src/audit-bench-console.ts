import { parseArgs } from 'node:util';
import { Client } from 'pg';
import pino from 'pino';
import { APPEND_JOURNAL_SQL, auditJournalSchema, auditSubgraph, journalRow } from '@hub/audit';
import { openDatabase, signCallerAssertion, startSubgraph } from '@hub/kit';
import { createTestKeys, testCaller } from '@hub/kit/testing';
import { BENCH_AGENCIES, benchEntry, random } from './audit-bench-data';

/**
 * `npm run bench:journal-console -- [--days 7] [--per-day 1000000] [--reuse]`: fills a journal
 * through audit.append_journal (the gateway's append path: the same chain hashes, the same
 * rollup), then times every query of the auditors' console through the audit subgraph's
 * GraphQL API, for the last 24 hours, the first 24 hours and the whole 7 days.
 * Goal (issue 16): every query ≤ 200 ms, whatever history lies outside the window.
 */
const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: process.env['BENCH_JOURNAL_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/hub_bench_journal_console' },
    days: { type: 'string', default: '7' },
    'per-day': { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    reuse: { type: 'boolean', default: false },
  },
});

const DAY_MS = 86_400_000;

async function fill(url: string, days: number, perDay: number, batch: number, end: Date): Promise<void> {
  const client = new Client({ connectionString: url, application_name: 'bench-journal-fill' });
  await client.connect();
  // A bulk load, not requests: each batch need not wait for its own flush.
  await client.query('SET synchronous_commit = off');
  const start = end.getTime() - days * DAY_MS;
  await client.query('SELECT audit.ensure_journal_partitions($1, $2)', [new Date(start), end]);
  const total = days * perDay;
  const step = (days * DAY_MS) / total;
  const next = random(2026);
  const began = Date.now();
  let lastReport = began;
  for (let done = 0; done < total; done += batch) {
    const entries = [];
    for (let i = done; i < Math.min(total, done + batch); i++) {
      entries.push(journalRow(benchEntry(next, `HUB-BENCH-${i.toString(36).toUpperCase()}`, new Date(Math.floor(start + i * step + next() * step)))));
    }
    await client.query(APPEND_JOURNAL_SQL, [JSON.stringify(entries)]);
    const now = Date.now();
    if (now - lastReport > 10_000 || done + batch >= total) {
      const rate = (done + entries.length) / ((now - began) / 1000);
      console.log(
        `  filled ${done + entries.length} of ${total} (${rate.toFixed(0)} records/s, ${((total - done - entries.length) / rate).toFixed(0)} s left)`,
      );
      lastReport = now;
    }
  }
  console.log('  VACUUM ANALYZE (autovacuum would, over time)…');
  await client.query('VACUUM ANALYZE audit.journal');
  await client.query('VACUUM ANALYZE audit.journal_hourly');
  await client.end();
}

async function main(): Promise<void> {
  const [days, perDay, batch, runs] = [Number(args.days), Number(args['per-day']), Number(args.batch), Number(args.runs)];
  const server = new URL(args.database);
  const name = server.pathname.slice(1);
  server.pathname = '/postgres';
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  if (!args.reuse || !exists) {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  }
  await admin.end();
  await (await openDatabase({ url: args.database, applicationName: 'bench-journal-console', ...auditJournalSchema })).destroy();
  const probe = new Client({ connectionString: args.database });
  await probe.connect();
  let {
    rows: [range],
  } = await probe.query<{ rows: string; last: Date | null; first: Date | null }>(
    'SELECT count(*) AS rows, max(received_at) AS last, min(received_at) AS first FROM audit.journal',
  );
  if (range!.rows === '0') {
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    console.log(`filling ${days} days × ${perDay} records/day through audit.append_journal, batches of ${batch}…`);
    const t0 = Date.now();
    await fill(args.database, days, perDay, batch, end);
    console.log(`filled in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    ({
      rows: [range],
    } = await probe.query<{ rows: string; last: Date | null; first: Date | null }>(
      'SELECT count(*) AS rows, max(received_at) AS last, min(received_at) AS first FROM audit.journal',
    ));
  }
  const {
    rows: [size],
  } = await probe.query<{ size: string }>(
    "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS size FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid WHERE i.inhparent = 'audit.journal'::regclass",
  );
  const {
    rows: [officer],
  } = await probe.query<{ sub: string }>("SELECT sub FROM audit.journal WHERE received_at > $1 AND agency = 'MIA' LIMIT 1", [
    new Date(range!.last!.getTime() - 3600_000),
  ]);
  const {
    rows: [registration],
  } = await probe.query<{ registration_number: string }>('SELECT registration_number FROM audit.journal WHERE received_at > $1 LIMIT 1', [
    new Date(range!.last!.getTime() - 3600_000),
  ]);
  await probe.end();
  console.log(`journal: ${range!.rows} records from ${range!.first!.toISOString()} to ${range!.last!.toISOString()}, ${size!.size} with indexes`);

  const keys = await createTestKeys();
  const subgraph = await startSubgraph(auditSubgraph, {
    databaseUrl: args.database,
    port: 0,
    host: '127.0.0.1',
    gatewayJwksPath: keys.jwksPath,
    logger: pino({ level: 'silent' }),
  });
  const ask = async (query: string, variables: Record<string, unknown>): Promise<{ ms: number; data: Record<string, unknown> }> => {
    const token = await signCallerAssertion(
      keys.signingKey,
      'audit',
      testCaller({ roles: ['auditor'], purpose: 'audit', agency: BENCH_AGENCIES[0]!, level: 'unlimited' }),
    );
    const t0 = performance.now();
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ message: string }> };
    const ms = performance.now() - t0;
    if (body.errors) throw new Error(`${query.slice(0, 40)}…: ${body.errors[0]!.message}`);
    return { ms, data: body.data! };
  };

  const last = range!.last!.getTime() + 1;
  const first = range!.first!.getTime();
  const windows: Array<[string, number, number]> = [
    ['last 24 h', last - DAY_MS, last],
    ['first 24 h', first + 60_000, first + 60_000 + DAY_MS],
    [`all ${days} days`, first, last],
  ];
  const filters: Array<[string, Record<string, unknown>]> = [
    ['no filter', {}],
    ['agency', { agency: 'MIA' }],
    ['officer (sub)', { sub: officer!.sub }],
    ['officer, no records', { sub: 'nobody-at-all' }],
    ['resource (common)', { resource: 'restrictionList' }],
    ['resource (rare)', { resource: 'audit' }],
    ['decision refused', { decision: 'REFUSED' }],
    ['positive', { positive: true }],
    ['registration number', { registrationNumber: registration!.registration_number }],
  ];
  const queries: Array<[string, string]> = [
    ['page 1', 'query($filter: AuditFilter) { auditRecords(filter: $filter, first: 20) { nextCursor items { registrationNumber agency decision positive } } }'],
    ['total', 'query($filter: AuditFilter) { auditRecords(filter: $filter, first: 1) { total } }'],
    ['page 2', 'query($filter: AuditFilter, $after: String) { auditRecords(filter: $filter, first: 20, after: $after) { items { registrationNumber } } }'],
    ['hourly', 'query($filter: AuditFilter) { auditHourly(filter: $filter) { hour agency requests refusals } }'],
    ['totals', 'query($filter: AuditFilter) { auditTotals(filter: $filter) { agency decision requests } }'],
  ];
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  let worst = 0;
  for (const [windowName, from, to] of windows) {
    console.log(`\n${windowName} (${new Date(from).toISOString()} – ${new Date(to).toISOString()}), median of ${runs} runs after a warm-up, ms:`);
    console.log(`${'filter'.padEnd(22)}${queries.map(([q]) => q.padStart(9)).join('')}   records`);
    for (const [filterName, extra] of filters) {
      const filter = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...extra };
      const cursor = ((await ask(queries[0]![1], { filter })).data['auditRecords'] as { nextCursor: string | null }).nextCursor;
      const cells: string[] = [];
      let total = 0;
      for (const [queryName, query] of queries) {
        const variables = queryName === 'page 2' ? { filter, after: cursor } : { filter };
        if (queryName === 'page 2' && !cursor) {
          cells.push('—'.padStart(9));
          continue;
        }
        const times: number[] = [];
        for (let run = 0; run <= runs; run++) {
          const { ms, data } = await ask(query, variables);
          if (run > 0) times.push(ms);
          if (queryName === 'total') total = (data['auditRecords'] as { total: number }).total;
        }
        const m = median(times);
        worst = Math.max(worst, m);
        cells.push(m.toFixed(1).padStart(9));
      }
      console.log(`${filterName.padEnd(22)}${cells.join('')}   ${total}`);
    }
  }
  console.log(`\nslowest console query (median): ${worst.toFixed(1)} ms — goal ≤ 200 ms`);
  await subgraph.stop();
}

void main().catch((error: Error) => {
  console.error(`bench:journal-console: ${error.message}`);
  process.exitCode = 1;
});
