import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { auditJournalSchema } from '@hub/audit';
import { PostgresAuditJournal } from '@hub/gateway';
import { openDatabase } from '@hub/kit';
import { benchEntry, random } from './audit-bench-data';
import { verifyJournal } from './audit-verify';
import { freeLoopbackPort, ScratchCluster } from './pg-cluster';

/**
 * `npm run bench:journal-append -- [--processes 2] [--concurrency 200] [--duration 20]`: several
 * gateway processes' journals (PostgresAuditJournal, group commit, one chain under one lock)
 * appending at once to one database, each with many requests in flight. Prints durable
 * records per second (a record counts once its append resolved, i.e. after COMMIT with
 * synchronous_commit on) and the append latency, then verifies the single chain.
 * `--replication` runs it twice on scratch servers of this machine (pg-cluster.ts): a primary
 * alone, then the same primary with a synchronous standby (decision 0015), and prints what the
 * standby costs.
 */
interface WorkerReport {
  records: number;
  failures: number;
  latencies: number[];
  seconds: number;
}

const { values: args } = parseArgs({
  options: {
    worker: { type: 'string' },
    database: { type: 'string', default: process.env['BENCH_JOURNAL_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/hub_bench_journal_append' },
    processes: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '200' },
    duration: { type: 'string', default: '20' },
    replication: { type: 'boolean', default: false },
  },
});

async function worker(id: number, url: string, concurrency: number, seconds: number): Promise<WorkerReport> {
  const journal = PostgresAuditJournal.connect(url);
  const next = random(id);
  const latencies: number[] = [];
  let failures = 0;
  let n = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const entry = benchEntry(next, `HUB-BENCH-${id}-${(n++).toString(36)}`, new Date());
        const t0 = performance.now();
        try {
          await journal.append(entry);
          latencies.push(performance.now() - t0);
        } catch {
          failures += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await journal.close();
  return { records: latencies.length, failures, latencies, seconds: elapsed };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

interface BenchResult {
  perSecond: number;
  p99: number;
  ok: boolean;
}

async function main(): Promise<void> {
  const concurrency = Number(args.concurrency);
  const seconds = Number(args.duration);
  if (args.worker !== undefined) {
    const report = await worker(Number(args.worker), args.database, concurrency, seconds);
    process.send!(report);
    return;
  }
  if (!args.replication) {
    if (!(await bench(args.database, concurrency, seconds)).ok) process.exitCode = 1;
    return;
  }
  const cluster = ScratchCluster.create('hub-journal-append-');
  try {
    const primary = await cluster.primary('primary', await freeLoopbackPort());
    const url = primary.url('hub_bench_journal_append');
    console.log(`single server (scratch PostgreSQL on 127.0.0.1:${primary.port}):`);
    const single = await bench(url, concurrency, seconds);
    await cluster.standby(primary, 'standby', await freeLoopbackPort());
    await primary.requireStandby('standby');
    console.log('the same primary with a synchronous standby (synchronous_commit on):');
    const replicated = await bench(url, concurrency, seconds);
    const line = (r: BenchResult) => `${r.perSecond.toFixed(0)} records/s, p99 ${r.p99.toFixed(1)} ms`;
    console.log(`single server: ${line(single)}; primary + synchronous standby: ${line(replicated)}`);
    if (!single.ok || !replicated.ok) process.exitCode = 1;
  } finally {
    await cluster.remove();
  }
}

async function bench(database: string, concurrency: number, seconds: number): Promise<BenchResult> {
  const server = new URL(database);
  const name = server.pathname.slice(1);
  server.pathname = '/postgres';
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  await (await openDatabase({ url: database, applicationName: 'bench-journal-append', ...auditJournalSchema })).destroy();

  const processes = Number(args.processes);
  console.log(
    `journal append: ${processes} gateway processes × ${concurrency} requests in flight, ${seconds} s, one chain under one lock (synchronous_commit on)`,
  );
  const reports = await Promise.all(
    Array.from(
      { length: processes },
      (_v, i) =>
        new Promise<WorkerReport>((resolve, reject) => {
          const child = fork(__filename, [
            '--worker',
            String(i + 1),
            '--database',
            database,
            '--concurrency',
            String(concurrency),
            '--duration',
            String(seconds),
          ]);
          child.once('message', (m) => resolve(m as WorkerReport));
          child.once('exit', (code) => {
            if (code !== 0) reject(new Error(`worker ${i + 1} exited with ${code}`));
          });
        }),
    ),
  );
  const all = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const records = reports.reduce((s, r) => s + r.records, 0);
  const wall = Math.max(...reports.map((r) => r.seconds));
  for (const [i, r] of reports.entries())
    console.log(`  process ${i + 1}: ${r.records} records, ${(r.records / r.seconds).toFixed(0)} records/s, ${r.failures} failed`);
  console.log(`durable records/s (all processes): ${(records / wall).toFixed(0)}`);
  console.log(
    `append latency ms: p50 ${quantile(all, 0.5).toFixed(1)}  p90 ${quantile(all, 0.9).toFixed(1)}  p99 ${quantile(all, 0.99).toFixed(1)}  max ${all[all.length - 1]?.toFixed(1)}`,
  );
  const client = new Client({ connectionString: database });
  await client.connect();
  const {
    rows: [stats],
  } = await client.query<{ rows: string; batches: string }>(
    "SELECT count(*) AS rows, (SELECT sum(requests) FROM audit.journal_hourly WHERE resource = '') AS batches FROM audit.journal",
  );
  await client.end();
  const verified = await verifyJournal(database, 10_000);
  console.log(
    `journal: ${stats!.rows} rows, rollup counts ${stats!.batches}; chain ${verified.broken ? `BROKEN at seq ${verified.broken.seq}` : 'intact'} (${verified.records} records verified)`,
  );
  return { perSecond: records / wall, p99: quantile(all, 0.99), ok: !verified.broken && String(records) === stats!.rows };
}

void main().catch((error: Error) => {
  console.error(`bench:journal-append: ${error.message}`);
  process.exitCode = 1;
});
