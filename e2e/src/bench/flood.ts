import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { Agent, request } from 'undici';
import { demoPeople } from '@hub/kit/synthetic';
import { POLICIES_DIR, startTestHub } from '../hub';
import { ROOT, startChild } from './child';
import type { GatewayChildConfig, GatewayMode } from './gateway';
import { cpuMs, processTree, rssBytes } from './proc';

/**
 * `npm run bench:flood`: a flood of requests with no token at high concurrency from one
 * address, while one legitimate officer on another address queries at a steady rate
 * (`--same-address`: on the flood's own address, as behind one proxy or NAT). Prints the
 * legitimate caller's p50/p99 and refusals before, during and after the flood, the gateway's RSS before and after,
 * and the journal's rows against the answers given. The gateway runs in its own process as
 * deployed; the flood comes from autocannon in another process.
 */
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '200' },
    'idle-seconds': { type: 'string', default: '10' },
    rate: { type: 'string', default: '20' },
    /** Writes a V8 CPU profile of the gateway into this folder (node --cpu-prof). */
    profile: { type: 'string' },
    /** `journal-off` measures what the journal costs (its rows are then not compared). */
    gateway: { type: 'string', default: 'hub' },
    /** The legitimate caller on the flood's address (127.0.0.1) instead of its own. */
    'same-address': { type: 'boolean', default: false },
  },
});
const FLOOD = Number(args.requests);
const CONNECTIONS = Number(args.connections);
const RATE = Number(args.rate);
const QUERY = 'query($fin: ID!) { person(fin: $fin) { citizen { firstName lastName } } }';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

async function main(): Promise<void> {
  const hub = await startTestHub();
  const supergraphPath = join(mkdtempSync(join(tmpdir(), 'hub-flood-')), 'supergraph.graphql');
  writeFileSync(supergraphPath, hub.options.supergraph.sdl);
  const gateway = await startChild(
    'hub gateway',
    'gateway.js',
    {
      mode: args.gateway as GatewayMode,
      supergraphPath,
      policiesDir: POLICIES_DIR,
      keysDir: hub.keysDir,
      databaseUrl: hub.database.url,
      assertions: {},
    } satisfies GatewayChildConfig,
    args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [],
  );
  const token = await hub.token({ agency: 'SBS', roles: ['officer'], sub: 'sbs-border-officer-1' });
  const fin = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;
  // The legitimate caller comes from another loopback address than the flood, or from the flood's own.
  const legitAddress = args['same-address'] ? '127.0.0.1' : '127.0.0.2';
  const legit = new Agent({ localAddress: legitAddress, connections: 4 });
  let answers = 0;
  /** The legitimate caller's time for an answer, or null when it was refused RATE_LIMITED (none is the goal). */
  const ask = async (): Promise<number | null> => {
    const started = process.hrtime.bigint();
    const res = await request(gateway.url, {
      method: 'POST',
      dispatcher: legit,
      body: JSON.stringify({ query: QUERY, variables: { fin } }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'border-control' },
    });
    const text = await res.body.text();
    answers += 1;
    if (res.statusCode === 429) return null;
    if (res.statusCode !== 200) throw new Error(`the legitimate caller got ${res.statusCode}: ${text}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  /** The answered requests' times, sorted, and how many were refused. */
  const steady = async (until: () => boolean): Promise<{ latencies: number[]; refused: number }> => {
    const latencies: number[] = [];
    let refused = 0;
    while (!until()) {
      const next = Date.now() + 1000 / RATE;
      const ms = await ask();
      if (ms === null) refused += 1;
      else latencies.push(ms);
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    return { latencies: latencies.sort((a, b) => a - b), refused };
  };

  for (let i = 0; i < 100; i += 1) await ask(); // warm-up
  const idleEnd = Date.now() + Number(args['idle-seconds']) * 1000;
  const idle = await steady(() => Date.now() > idleEnd);
  const rssBefore = rssBytes(gateway.pid);

  // PostgreSQL's backends serving this database (the journal's, the subgraphs'), for its CPU during the flood.
  const admin = new Client({ connectionString: hub.database.url });
  await admin.connect();
  const backends = async () =>
    (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows.map(
      (r) => r.pid,
    );
  const pgBefore = cpuMs(await backends());
  const gatewayBefore = cpuMs([gateway.pid]).get(gateway.pid) ?? 0;
  const benchBefore = process.cpuUsage();
  let autocannonMs = 0;
  const floodStarted = new Date();

  let flooding = true;
  const flood = new Promise<{ total: number; non2xx: number; statuses: Record<string, number> }>((resolveFlood, reject) => {
    const child = spawn(
      resolve(ROOT, 'node_modules/.bin/autocannon'),
      [
        '-j',
        '-c',
        String(CONNECTIONS),
        '-a',
        String(FLOOD),
        '-m',
        'POST',
        '-H',
        'content-type=application/json',
        '-b',
        JSON.stringify({ query: QUERY, variables: { fin } }),
        gateway.url,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    // Sampled while it runs: an exited process's CPU is no longer in /proc.
    const sample = setInterval(() => {
      autocannonMs = Math.max(
        autocannonMs,
        [...cpuMs(processTree(child.pid!)).values()].reduce((a, b) => a + b, 0),
      );
    }, 100);
    child.once('exit', () => clearInterval(sample));
    child.once('exit', (code) => {
      flooding = false;
      if (code !== 0) return reject(new Error(`autocannon exited ${code}`));
      const result = JSON.parse(out) as {
        requests: { total: number };
        non2xx: number;
        '1xx': number;
        '2xx': number;
        '3xx': number;
        '4xx': number;
        '5xx': number;
      };
      resolveFlood({
        total: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
        non2xx: result.non2xx,
        statuses: { '2xx': result['2xx'], '4xx': result['4xx'], '5xx': result['5xx'] },
      });
    });
  });
  const during = await steady(() => !flooding);
  const flooded = await flood;
  const floodEnded = new Date();
  // The address stays over its limit for a while after the flood: the time the drill found every request refused.
  const afterEnd = Date.now() + Number(args['idle-seconds']) * 1000;
  const afterFlood = await steady(() => Date.now() > afterEnd);
  const floodMs = floodEnded.getTime() - floodStarted.getTime();
  const rssAfter = rssBytes(gateway.pid);
  const gatewayCpu = (cpuMs([gateway.pid]).get(gateway.pid) ?? 0) - gatewayBefore;
  const pgAfter = cpuMs(pgBefore.keys());
  const pgCpu = [...pgAfter].reduce((sum, [pid, ms]) => sum + ms - (pgBefore.get(pid) ?? ms), 0);
  const bench = process.cpuUsage(benchBefore);
  await admin.end();

  const db = new Client({ connectionString: hub.database.url });
  await db.connect();
  const { rows } = await db.query<{ n: string; refused: string }>(
    "SELECT count(*) AS n, count(*) FILTER (WHERE reason = 'RATE_LIMITED') AS refused FROM audit.journal",
  );
  // The gateway's time before the record (journal's duration_ms) against the caller's whole wait: the rest is the journal's commit and the way back.
  const gatewayMs = async (from: Date, to: Date) =>
    (
      await db.query<{ ms: number }>(
        'SELECT duration_ms AS ms FROM audit.journal WHERE agency IS NOT NULL AND received_at BETWEEN $1 AND $2 ORDER BY duration_ms',
        [from, to],
      )
    ).rows.map((r) => r.ms);
  const [idleGateway, floodGateway] = [
    await gatewayMs(new Date(idleEnd - Number(args['idle-seconds']) * 1000), new Date(idleEnd)),
    await gatewayMs(floodStarted, floodEnded),
  ];
  await db.end();
  const journaled = Number(rows[0]!.n);
  const given = answers + flooded.total;

  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `\nFlood: ${FLOOD} requests with no token, ${CONNECTIONS} connections, from 127.0.0.1; the legitimate caller at ${RATE}/s from ${legitAddress}${args['same-address'] ? ' (the same address)' : ''}.`,
  );
  console.log(`flood answers: ${JSON.stringify(flooded.statuses)}`);
  console.log('| phase | legitimate requests | refused (429) | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |');
  const row = (phase: string, { latencies, refused }: { latencies: number[]; refused: number }) =>
    console.log(
      `| ${phase} | ${latencies.length + refused} | ${refused} | ${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.99).toFixed(1)} |`,
    );
  row('idle', idle);
  row('during the flood', during);
  row(`${args['idle-seconds']} s after it`, afterFlood);
  console.log(
    `the gateway's part before the journal record, p50: idle ${percentile(idleGateway, 0.5).toFixed(1)} ms, during the flood ${percentile(floodGateway, 0.5).toFixed(1)} ms`,
  );
  console.log(`p50 during / idle: ${(percentile(during.latencies, 0.5) / percentile(idle.latencies, 0.5)).toFixed(2)} (goal ≤ 2)`);
  const perRequest = (ms: number) => ((ms * 1000) / flooded.total).toFixed(0);
  console.log(
    `during the flood (${(floodMs / 1000).toFixed(1)} s, ${(flooded.total / (floodMs / 1000)).toFixed(0)} req/s), CPU µs per flood request: gateway ${perRequest(gatewayCpu)}, PostgreSQL ${perRequest(pgCpu)}, autocannon ${perRequest(autocannonMs)}, this process (legitimate caller, subgraphs) ${perRequest((bench.user + bench.system) / 1000)}`,
  );
  console.log(`gateway RSS: ${mb(rssBefore)} MB before, ${mb(rssAfter)} MB after (growth ${mb(rssAfter - rssBefore)} MB, goal < 100)`);
  console.log(
    `journal rows: ${journaled} (${rows[0]!.refused} RATE_LIMITED) for ${given} answers (${answers} legitimate, warm-up included, ${flooded.total} flood): ${journaled === given ? 'equal' : 'DIFFERENT'}`,
  );
  await legit.close();
  await gateway.stop();
  await hub.stop();
  if (idle.refused + during.refused + afterFlood.refused > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
