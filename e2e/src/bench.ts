import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { Client } from 'pg';
import type * as GatewayModule from '@hub/gateway';
import { enforceLimits, enforceTokenLimit, limitsFor, loadOperations, loadSubjectKeys, normaliseOperation, subjectHash } from '@hub/gateway';
import { parse } from 'graphql';
import type * as KitModule from '@hub/kit';
import type { Caller } from '@hub/kit';
import { citizenAt, DEMO_CASES, DEMO_POPULATION, demoPeople, type PopulationOptions } from '@hub/kit/synthetic';
import { startOtlpReceiver } from '@hub/kit/testing';
import type * as HubModule from './hub';
import type { TestHub } from './hub';
import { ROOT, startChild, type BenchChild } from './bench/child';
import type { FloorChildConfig } from './bench/floor';
import type { GatewayChildConfig, GatewayMode } from './bench/gateway';
import type { HiveChildConfig } from './bench/hive';
import { childWithCommand, cpuMs, parentOf } from './bench/proc';

/**
 * `npm run bench -- [--citizens N] [--duration S] [--rounds R] [--connections C] [--targets a,b] [--profile] [--in-process] [--baseline DIR]`:
 * one FİN query (citizen with documents, border crossings, restriction check) through the hub
 * gateway as deployed (production, the default log level, a log line per request on its stdout),
 * logging warnings only, its variants (journal off, quotas off, subjects off, traces on at 100 %, under a consent purpose), a bare @apollo/gateway, Hive Gateway with its
 * JavaScript and its Rust planner, straight to the three subgraphs it touches, and to a plain
 * Node + `pg` floor (and that floor committing an R6 row before each answer, as a subgraph must),
 * all over one population and the same subgraph processes. Every server
 * loaded runs as its own process so its CPU per request can be read from /proc, next to the
 * subgraphs' and PostgreSQL's; autocannon runs in a worker thread of this process.
 * `--baseline DIR` (another checkout, built) adds its hub, run by this benchmark the same way
 * over its own subgraphs and database, to the same rounds: a before/after in one run.
 */
const BASELINE_KEYS = ['hub@baseline', 'hub-quiet@baseline', 'direct-citizens@baseline'] as const;
const TARGET_KEYS = [
  'hub',
  'hub-quiet',
  'traces-on',
  'hub-registered',
  'direct-citizens',
  'direct-border-crossings',
  'direct-restriction-list',
  'journal-off',
  'quotas-off',
  'subjects-off',
  'consent',
  'bare',
  'bare-default',
  'hive',
  'hive-rust',
  'floor',
  'floor-journal',
  ...BASELINE_KEYS,
] as const;
type TargetKey = (typeof TARGET_KEYS)[number];

const { values: args } = parseArgs({
  options: {
    citizens: { type: 'string', default: String(DEMO_POPULATION.citizens) },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'in-process': { type: 'boolean', default: false },
    connections: { type: 'string', default: '10' },
    targets: { type: 'string' },
    profile: { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
});

function positiveInteger(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return value;
}

function selectedTargets(raw: string | undefined, baseline: string | undefined): Set<TargetKey> {
  if (raw === undefined) return new Set(TARGET_KEYS.filter((k) => baseline !== undefined || !k.endsWith('@baseline')));
  const keys = raw
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .flatMap((k) => (k === 'direct' ? ['direct-citizens', 'direct-border-crossings', 'direct-restriction-list'] : [k]));
  const unknown = keys.filter((k) => !(TARGET_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`--targets: unknown ${unknown.join(', ')}; known: ${TARGET_KEYS.join(', ')}, direct`);
  if (baseline === undefined && keys.some((k) => k.endsWith('@baseline'))) throw new Error('--targets: the @baseline targets need --baseline DIR');
  return new Set(keys as TargetKey[]);
}

/** A checkout's built tree: its package.json and the compiled bench beside it. */
function checkoutRoot(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const root = resolve(raw);
  if (!existsSync(join(root, 'e2e/dist/src/hub.js')) || !existsSync(join(root, 'gateway/dist/src/index.js')))
    throw new Error(`--baseline ${raw}: no built checkout there (run npm ci in it)`);
  return root;
}

const DURATION_S = positiveInteger('duration', args.duration);
const CONNECTIONS = positiveInteger('connections', args.connections);
const ROUNDS = positiveInteger('rounds', args.rounds);
const BASELINE = checkoutRoot(args.baseline);
const SELECTED = selectedTargets(args.targets, BASELINE);
const POPULATION: PopulationOptions = { ...DEMO_POPULATION, citizens: positiveInteger('citizens', args.citizens) };
const CITIZEN = DEMO_CASES['citizen-full'].citizen;
const FIN = demoPeople(POPULATION).find((p) => p.case === 'citizen-full')!.fin;
/** Tokens and assertions outlive the run: every target, every round, warm-up and probe included. */
const TTL_S = Math.max(3600, 2 * ROUNDS * TARGET_KEYS.length * (DURATION_S + 5));
/** Hive's subgraph executor adds an abort listener per request and Node warns once per process; the warning says nothing about speed. */
const QUIET_HIVE = ['--disable-warning=MaxListenersExceededWarning'];
const TOUCHED = ['citizens', 'border-crossings', 'restriction-list'] as const;

const GATEWAY_QUERY = `query Person($fin: ID!) { person(fin: $fin) {
  fin
  citizen { firstName lastName birthDate documents { number type active } }
  borderCrossings { direction crossedAt checkpoint documentNumber }
  restrictionCheck { hit contactAgencies }
} }`;
/** The same query registered for MIA (policies/operations): sent by id, decided before traffic. */
const REGISTERED = 'MIA/identityCheckByFin';

/** The three fetches the gateway's plan makes for GATEWAY_QUERY, sent straight to each subgraph. */
const PERSON = [{ __typename: 'Person', fin: FIN }];
const DIRECT_QUERIES: Record<(typeof TOUCHED)[number], { query: string; variables: Record<string, unknown> }> = {
  citizens: {
    query: 'query($fin: ID!) { person(fin: $fin) { __typename fin citizen { firstName lastName birthDate documents { number type active } } } }',
    variables: { fin: FIN },
  },
  'border-crossings': {
    query:
      'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Person { borderCrossings { direction crossedAt checkpoint documentNumber } } } }',
    variables: { representations: PERSON },
  },
  'restriction-list': {
    query: 'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Person { restrictionCheck { hit contactAgencies } } } }',
    variables: { representations: PERSON },
  },
};

/** Answers are compared whole, not read field by field: their shape is the query's. */
type Data = Record<string, unknown>;

/** The value at a path of an answer, or undefined where the path breaks off. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) current = typeof current === 'object' && current !== null ? (current as Record<string | number, unknown>)[key] : undefined;
  return current;
}

interface Target {
  key: TargetKey;
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The process that answers the client (gateway or floor server), when this benchmark started it. */
  frontPid?: number;
  /** The subgraphs and PostgreSQL behind it (the baseline's are its own). */
  processes: Processes;
  /** The part of this target's answer that must equal the same part of the hub's (`person`). */
  answer(data: Data): unknown;
  expected(person: Data): unknown;
}

/** CPU milliseconds per request, by process group; absent when it cannot be told apart. */
interface Cpu {
  front?: number;
  subgraphs: Partial<Record<(typeof TOUCHED)[number], number>>;
  postgres?: number;
}

interface Measure {
  key: TargetKey;
  name: string;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  cpu: Cpu;
  /** Across the rounds, (max − min) / median of req/s and of the front's CPU per request: this run's noise. */
  spread?: { rps: number; front?: number };
}

/** Whose CPU is read around each load. */
interface Processes {
  subgraphs: Partial<Record<(typeof TOUCHED)[number], number>>;
  /** The PostgreSQL processes serving this run's database, with the server's own background processes. */
  postgres?: () => Promise<number[]>;
}

function postgresProcesses(databaseUrl: string): { pids(): Promise<number[]>; close(): Promise<void> } {
  const client = new Client({ connectionString: databaseUrl, application_name: 'hub-bench-monitor' });
  const connected = client.connect();
  return {
    async pids() {
      await connected;
      // Other databases on this server (other people's tests) are left out; the shared background processes are not.
      const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL');
      const pids = rows.map((r) => r.pid);
      const postmaster = pids.length > 0 ? parentOf(pids[0]!) : undefined;
      return postmaster ? [...pids, postmaster] : pids;
    },
    close: () => client.end(),
  };
}

async function cpuPerRequest(target: Target, load: () => Promise<autocannon.Result>): Promise<{ result: autocannon.Result; cpu: Cpu }> {
  const { processes } = target;
  const pgBefore = processes.postgres ? await processes.postgres() : [];
  const subgraphPids = Object.values(processes.subgraphs);
  const before = cpuMs([...(target.frontPid ? [target.frontPid] : []), ...subgraphPids, ...pgBefore]);
  const result = await load();
  const pgAfter = processes.postgres ? [...new Set([...pgBefore, ...(await processes.postgres())])] : [];
  const after = cpuMs([...(target.frontPid ? [target.frontPid] : []), ...subgraphPids, ...pgAfter]);
  const requests = Math.max(1, result.requests.total);
  // A process that appeared during the load counts from zero; one that exited is lost (pools keep theirs).
  const of = (pids: number[]) => pids.reduce((sum, p) => sum + (after.has(p) ? after.get(p)! - (before.get(p) ?? 0) : 0), 0) / requests;
  return {
    result,
    cpu: {
      ...(target.frontPid ? { front: of([target.frontPid]) } : {}),
      subgraphs: Object.fromEntries(Object.entries(processes.subgraphs).map(([name, pid]) => [name, of([pid])])),
      ...(processes.postgres ? { postgres: of(pgAfter) } : {}),
    },
  };
}

/** Every target must give the hub's answer before it is loaded: a benchmark of different work measures nothing. */
async function probe(target: Target): Promise<Data> {
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body });
  const text = await response.text();
  let json: { data?: Data; errors?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new Error(`${target.name}: ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (response.status !== 200 || json.errors || !json.data) throw new Error(`${target.name}: ${response.status} ${JSON.stringify(json.errors ?? json)}`);
  return json.data;
}

function checkSame(target: Target, data: Data, hubPerson: Data): void {
  const actual = target.answer(data);
  const expected = target.expected(hubPerson);
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `${target.name} answers differently from the hub gateway, so it is not loaded; the bench stops.\n  hub:    ${JSON.stringify(expected)}\n  ${target.key}: ${JSON.stringify(actual)}`,
    );
  }
}

async function measure(target: Target): Promise<Measure> {
  const load = (duration: number) =>
    autocannon({
      url: target.url,
      method: 'POST',
      headers: target.headers,
      body: target.body,
      connections: CONNECTIONS,
      duration,
      workers: 1,
    });
  await load(1); // warm-up: JIT, connection pools, query plan cache
  const { result, cpu } = await cpuPerRequest(target, () => load(DURATION_S));
  const measured = {
    key: target.key,
    name: target.name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    cpu,
  };
  process.stderr.write(`  ${measured.name}: ${measured.rps.toFixed(0)} req/s\n`);
  return measured;
}

/**
 * The operation limits have no switch in the gateway (they are never off in production), so
 * their cost is timed directly: the exact stage the pipeline runs, on the benchmark's query.
 */
function operationLimitsMicros(hub: TestHub): number {
  const limits = limitsFor(hub.options.limits.byRole, ['officer']);
  const schema = hub.options.supergraph.apiSchema;
  const run = () => {
    enforceTokenLimit(GATEWAY_QUERY, limits);
    const document = parse(GATEWAY_QUERY);
    const operation = document.definitions[0];
    if (operation?.kind !== 'OperationDefinition') throw new Error('no operation');
    enforceLimits(schema, document, operation, { fin: FIN }, limits);
  };
  for (let i = 0; i < 200; i++) run();
  const rounds = 2000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) run();
  // The pipeline parses once for all stages; subtract parsing, which is not the limits' cost.
  const parseStart = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) parse(GATEWAY_QUERY);
  const end = process.hrtime.bigint();
  return (Number(parseStart - start) - Number(end - parseStart)) / rounds / 1000;
}

/** The peer gateways live in bench/peers with their own lockfile, installed here on first use only. */
function ensurePeers(): void {
  const peers = resolve(ROOT, 'bench/peers');
  if (existsSync(join(peers, 'node_modules'))) return;
  process.stderr.write('installing the peer gateways into bench/peers (first use) …\n');
  const npm = spawnSync('npm', ['ci', '--prefix', peers, '--no-audit', '--no-fund'], { stdio: ['ignore', 2, 2] });
  if (npm.status !== 0) throw new Error(`npm ci --prefix bench/peers failed (${npm.status ?? npm.signal})`);
}

/** The front of a direct call is the subgraph called: its CPU is what the floor's server is compared with. */
function frontOf(m: Pick<Measure, 'key' | 'cpu'>): number | undefined {
  if (m.cpu.front !== undefined) return m.cpu.front;
  const direct = /^direct-([a-z-]+?)(@baseline)?$/.exec(m.key);
  return direct ? m.cpu.subgraphs[direct[1] as (typeof TOUCHED)[number]] : undefined;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function medianMeasure(runs: Measure[]): Measure {
  const first = runs[0]!;
  const cpuMedian = (pick: (c: Cpu) => number | undefined) => {
    const values = runs.map((r) => pick(r.cpu)).filter((v): v is number => v !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  const front = cpuMedian((c) => c.front);
  const postgres = cpuMedian((c) => c.postgres);
  const spreadOf = (values: Array<number | undefined>) => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length > 1 ? (Math.max(...known) - Math.min(...known)) / median(known) : undefined;
  };
  const rpsSpread = spreadOf(runs.map((r) => r.rps));
  const frontSpread = spreadOf(runs.map(frontOf));
  return {
    key: first.key,
    name: first.name,
    rps: median(runs.map((m) => m.rps)),
    p50: median(runs.map((m) => m.p50)),
    p99: median(runs.map((m) => m.p99)),
    failures: runs.reduce((sum, m) => sum + m.failures, 0),
    cpu: {
      ...(front !== undefined ? { front } : {}),
      subgraphs: Object.fromEntries(Object.keys(first.cpu.subgraphs).map((name) => [name, cpuMedian((c) => c.subgraphs[name as (typeof TOUCHED)[number]])!])),
      ...(postgres !== undefined ? { postgres } : {}),
    },
    ...(rpsSpread !== undefined ? { spread: { rps: rpsSpread, ...(frontSpread !== undefined ? { front: frontSpread } : {}) } } : {}),
  };
}

const totalCpu = (cpu: Cpu) => (cpu.front ?? 0) + Object.values(cpu.subgraphs).reduce((a, b) => a + b, 0) + (cpu.postgres ?? 0);

function printTable(rows: Measure[], rounds: Map<TargetKey, Measure[]>, hub: TestHub, limitsMicros: number | undefined): void {
  const width = Math.max(...rows.map((r) => r.name.length), 'target'.length);
  const ms = (v: number | undefined, digits = 1) => (v === undefined ? '–' : `${v.toFixed(digits)}`).padStart(7);
  console.log(
    `\nFİN query, ${POPULATION.citizens} citizens on ${hub.database.real ? 'PostgreSQL' : 'PGlite'}, ${CONNECTIONS} connections, median of ${ROUNDS} rounds of ${DURATION_S} s (round-robin), subgraphs ${args['in-process'] ? "in the benchmark's process" : 'in their own processes'}`,
  );
  console.log('CPU columns: milliseconds of CPU (user + system, /proc) per request; "front" is the process the client calls (gateway or floor server)');
  console.log("spread: (max − min) / median over the rounds, of req/s and of the front's CPU per request (a direct call's front is its subgraph)\n");
  console.log(
    `${'target'.padEnd(width)}  ${'req/s'.padStart(7)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  failed  ${'front'.padStart(7)}  ${'citizens'.padStart(8)}  ${'borders'.padStart(7)}  ${'restrict'.padStart(8)}  ${'postgres'.padStart(8)}  ${'total'.padStart(7)}  ${'spread'.padStart(13)}`,
  );
  const percent = (v: number | undefined) => (v === undefined ? '–' : `${(v * 100).toFixed(0)}%`);
  for (const r of rows) {
    const spread = r.spread ? `${percent(r.spread.rps)} / ${percent(r.spread.front)}` : '–';
    console.log(
      `${r.name.padEnd(width)}  ${r.rps.toFixed(0).padStart(7)}  ${ms(r.p50)}  ${ms(r.p99)}  ${String(r.failures).padStart(6)}  ${ms(r.cpu.front, 2)}  ${ms(r.cpu.subgraphs.citizens, 2).padStart(8)}  ${ms(r.cpu.subgraphs['border-crossings'], 2)}  ${ms(r.cpu.subgraphs['restriction-list'], 2).padStart(8)}  ${ms(r.cpu.postgres, 2).padStart(8)}  ${ms(totalCpu(r.cpu), 2)}  ${spread.padStart(13)}`,
    );
  }
  const by = new Map(rows.map((r) => [r.key, r]));
  const ratio = (label: string, a: TargetKey, b: TargetKey): [string, Measure, Measure] | null => {
    const x = by.get(a);
    const y = by.get(b);
    return x && y ? [label, x, y] : null;
  };
  const ratios = [
    ratio('log line per request: deployed / warnings only', 'hub', 'hub-quiet'),
    ratio('traces on (100 %, exported) / off', 'traces-on', 'hub'),
    ratio('hub: this checkout / baseline', 'hub', 'hub@baseline'),
    ratio('hub, warnings only: this checkout / baseline', 'hub-quiet', 'hub-quiet@baseline'),
    ratio('citizens direct: this checkout / baseline', 'direct-citizens', 'direct-citizens@baseline'),
    ratio('baseline: deployed / warnings only', 'hub@baseline', 'hub-quiet@baseline'),
    ratio('registered operation / the same text (hub)', 'hub-registered', 'hub'),
    ratio('hub / bare @apollo/gateway (keep-alive)', 'hub', 'bare'),
    ratio('hub / Hive Gateway', 'hub', 'hive'),
    ratio('hub / Hive Gateway, Rust planner', 'hub', 'hive-rust'),
    // Systems run registered operations only (issue 14): their path through the hub.
    ratio('hub, registered / bare @apollo/gateway', 'hub-registered', 'bare'),
    ratio('hub, registered / Hive Gateway', 'hub-registered', 'hive'),
    ratio('hub, registered / Hive Gateway, Rust planner', 'hub-registered', 'hive-rust'),
    ratio('citizens direct / plain-pg floor', 'direct-citizens', 'floor'),
    ratio('citizens direct / floor + R6 row', 'direct-citizens', 'floor-journal'),
    ratio('hub / citizens direct', 'hub', 'direct-citizens'),
    ratio('journal on / off', 'hub', 'journal-off'),
    ratio('quotas on / off', 'hub', 'quotas-off'),
    ratio('subjects on / off (R4)', 'hub', 'subjects-off'),
    ratio('consent purpose / law purpose (R5)', 'consent', 'hub'),
    ratio('checks on / off (journal off / bare, keep-alive)', 'journal-off', 'bare'),
    ratio('bare: default fetcher / keep-alive', 'bare-default', 'bare'),
  ].filter((r): r is [string, Measure, Measure] => r !== null);
  const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2)).padStart(8);
  // Round by round: a and b ran one after the other (@baseline right after its target), so the load
  // other work puts on the machine weighs on both; the median of those ratios, with their range.
  const paired = (a: Measure, b: Measure, pick: (m: Measure) => number | undefined) => {
    const [as, bs] = [rounds.get(a.key)!, rounds.get(b.key)!];
    const values = as.map((m, i) => [pick(m), pick(bs[i]!)]).flatMap(([x, y]) => (x !== undefined && y !== undefined ? [x / y] : []));
    return values.length > 0 ? { median: median(values), low: Math.min(...values), high: Math.max(...values) } : undefined;
  };
  const withRange = (v: ReturnType<typeof paired>) => (v ? `${v.median.toFixed(2)} [${v.low.toFixed(2)}–${v.high.toFixed(2)}]` : '–').padStart(18);
  console.log(`\nratios (a / b): the median of the rounds' own ratios [lowest–highest]`);
  console.log(`${''.padEnd(50)} ${'req/s'.padStart(18)} ${'front CPU'.padStart(18)} ${'total CPU'.padStart(9)}`);
  for (const [label, a, b] of ratios) {
    console.log(
      `${label.padEnd(50)} ${withRange(paired(a, b, (m) => m.rps))} ${withRange(paired(a, b, frontOf))} ${fmt(paired(a, b, (m) => totalCpu(m.cpu))?.median).padStart(9)}`,
    );
  }
  // Issue 13's goals, each from this run's own figures: a ratio is only meaningful between targets measured together.
  const goals: Array<[string, number | undefined, '≥' | '≤', number]> = [];
  const goal = (label: string, a: TargetKey, b: TargetKey, pick: (m: Measure) => number | undefined, sense: '≥' | '≤', target: number) => {
    const x = by.get(a);
    const y = by.get(b);
    if (!x || !y) return;
    const [va, vb] = [pick(x), pick(y)];
    goals.push([label, va !== undefined && vb !== undefined ? va / vb : undefined, sense, target]);
  };
  goal('hub / bare @apollo/gateway, req/s', 'hub', 'bare', (m) => m.rps, '≥', 1.0);
  goal('traces on (100 %) / off, req/s (issue 24)', 'traces-on', 'hub', (m) => m.rps, '≥', 0.9);
  goal('hub / bare @apollo/gateway, gateway CPU per request', 'hub', 'bare', frontOf, '≤', 1.0);
  goal('hub / Hive Gateway, req/s', 'hub', 'hive', (m) => m.rps, '≥', 1.3);
  goal('hub / Hive Gateway with the Rust planner, req/s', 'hub', 'hive-rust', (m) => m.rps, '≥', 1.0);
  goal('citizens direct / plain-pg floor, req/s', 'direct-citizens', 'floor', (m) => m.rps, '≥', 0.3);
  goal('hub / citizens direct, req/s', 'hub', 'direct-citizens', (m) => m.rps, '≥', 0.35);
  if (goals.length > 0) {
    console.log(`\n${'goals (issue 13), this run'.padEnd(50)} ${'measured'.padStart(8)} ${'goal'.padStart(7)}`);
    for (const [label, value, sense, target] of goals) {
      const met = value !== undefined && Number.isFinite(value) && (sense === '≥' ? value >= target : value <= target);
      console.log(`${label.padEnd(50)} ${fmt(value)} ${`${sense} ${target.toFixed(2)}`.padStart(7)}  ${met ? 'met' : 'not met'}`);
    }
  }
  if (limitsMicros !== undefined) {
    console.log(
      `\noperation limits (tokens, depth, aliases, directives, root fields, page size, cost) on this query: ${limitsMicros.toFixed(0)} µs per request`,
    );
  }
}

/** One checkout's hub: its subgraphs over a database of its own, and what its gateways are started with. */
interface Side {
  root: string;
  hub: TestHub;
  policiesDir: string;
  token: string;
  /** What the gateway would assert for an MIA officer, subgraph name → `Bearer <assertion>`. */
  assertions: Record<string, string>;
  supergraphPath: string;
  processes: Processes;
  close(): Promise<void>;
}

/** Each checkout's own modules start its hub and sign its tokens: the baseline is run as it was built. */
async function startSide(root: string, subgraphEnv: Record<string, string> = {}): Promise<Side> {
  const load = createRequire(join(root, 'e2e/package.json'));
  const { startTestHub, POLICIES_DIR } = load(join(root, 'e2e/dist/src/hub.js')) as typeof HubModule;
  const { levelsFor } = load('@hub/gateway') as typeof GatewayModule;
  const { catalogEntry, signCallerAssertion } = load('@hub/kit') as typeof KitModule;
  // The hub's in-process gateway is not loaded: the one measured runs in its own process.
  const hub = await startTestHub({ population: POPULATION, processes: !args['in-process'], subgraphEnv });
  const monitor = hub.database.real ? postgresProcesses(hub.database.url) : undefined;
  try {
    const token = await hub.token({ agency: 'MIA', roles: ['officer'], ttlSeconds: TTL_S });
    // Signed once for the whole run.
    const levels = levelsFor(hub.policies, 'MIA', ['officer']);
    const assertions: Record<string, string> = {};
    for (const name of hub.subgraphs.keys()) {
      const level = levels.get(catalogEntry(name).resource);
      if (!level) continue;
      const caller: Caller = {
        agency: 'MIA',
        sub: 'mia-officer-bench',
        roles: ['officer'],
        purpose: 'identity-check',
        caseNumber: null,
        fin: null,
        level,
        registrationNumber: 'HUB-BENCH',
        searchLimit: 10,
      };
      assertions[name] = `Bearer ${await signCallerAssertion(hub.options.signingKey, name, caller, TTL_S)}`;
    }
    const supergraphPath = join(mkdtempSync(join(tmpdir(), 'hub-bench-')), 'supergraph.graphql');
    writeFileSync(supergraphPath, hub.options.supergraph.sdl);
    const processes: Processes = {
      subgraphs: args['in-process']
        ? {}
        : Object.fromEntries(
            TOUCHED.map((name) => {
              const pid = childWithCommand(process.pid, join(root, 'subgraphs', name, 'dist/src/main.js'));
              if (pid === undefined) throw new Error(`no process found for the ${name} subgraph of ${root}`);
              return [name, pid];
            }),
          ),
      ...(monitor ? { postgres: () => monitor.pids() } : {}),
    };
    return {
      root,
      hub,
      policiesDir: POLICIES_DIR,
      token,
      assertions,
      supergraphPath,
      processes,
      async close() {
        await monitor?.close();
        await hub.stop();
      },
    };
  } catch (error) {
    await monitor?.close();
    await hub.stop();
    throw error;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const hive = SELECTED.has('hive') || SELECTED.has('hive-rust');
  if (hive) ensurePeers();
  const sides: Side[] = [];
  const children: BenchChild[] = [];
  const closers: Array<() => Promise<void>> = [];
  const logs = mkdtempSync(join(tmpdir(), 'hub-bench-logs-'));
  let profilePath: string | undefined;
  try {
    process.stderr.write(`seeding ${POPULATION.citizens} citizens and starting the hub's subgraphs …\n`);
    // traces-on: a collector that accepts and discards. The subgraphs trace only what a traced gateway
    // asks them to (its sampled traceparent), so every other target's calls are not sampled.
    const collector = SELECTED.has('traces-on') ? await startOtlpReceiver({ keep: false }) : undefined;
    if (collector) closers.push(() => collector.close());
    const current = await startSide(
      ROOT,
      collector ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.endpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_off' } : {},
    );
    sides.push(current);
    const { hub, assertions } = current;
    process.stderr.write(
      `subgraphs up on ${hub.database.real ? 'PostgreSQL' : 'the embedded PostgreSQL (PGlite)'} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
    const baselineWanted = BASELINE_KEYS.some((key) => SELECTED.has(key));
    if (BASELINE && baselineWanted) {
      process.stderr.write(`seeding and starting the baseline's subgraphs (${BASELINE}) …\n`);
      sides.push(await startSide(BASELINE));
    }
    const baseline = sides[1];

    const gatewayConfig = (side: Side, mode: GatewayMode): GatewayChildConfig => ({
      mode,
      supergraphPath: side.supergraphPath,
      policiesDir: side.policiesDir,
      keysDir: side.hub.keysDir,
      databaseUrl: side.hub.database.url,
      assertions: side.assertions,
      ...(side === current ? {} : { root: side.root }),
      ...(collector ? { tracesEndpoint: collector.endpoint } : {}),
    });
    const child = async (name: string, entry: string, config: unknown, nodeOptions: string[] = [], logFile?: string) => {
      const started = await startChild(name, entry, config, nodeOptions, logFile);
      children.push(started);
      return started;
    };
    // Each gateway's log goes to a file of its own, as a log collector would take it.
    const gatewayChild = (key: TargetKey, name: string, mode: GatewayMode, side = current, nodeOptions: string[] = []) =>
      child(name, 'gateway.js', gatewayConfig(side, mode), nodeOptions, join(logs, `${key}.log`));

    const gatewayTarget = (key: TargetKey, name: string, front: BenchChild, purpose = 'identity-check', side = current): Target => ({
      key,
      name,
      url: front.url,
      frontPid: front.pid,
      processes: side.processes,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${side.token}`, 'x-purpose': purpose },
      body: JSON.stringify({ query: GATEWAY_QUERY, variables: { fin: FIN } }),
      answer: (data) => data['person'],
      expected: (person) => person,
    });
    /** A target whose gateway runs in a process of its own. */
    const ownGateway = async (key: TargetKey, name: string, mode: GatewayMode, side = current) =>
      gatewayTarget(key, name, await gatewayChild(key, name, mode, side), undefined, side);
    const citizenOnly = { answer: (data: Data) => at(data, 'person', 'citizen'), expected: (person: Data) => person['citizen'] };
    const directTarget = (name: (typeof TOUCHED)[number], side = current): Target => ({
      key: side === current ? `direct-${name}` : 'direct-citizens@baseline',
      name: `direct: ${name} subgraph${side === current ? '' : ' (baseline)'}`,
      url: side.hub.subgraphs.get(name)!.url,
      processes: side.processes,
      headers: { 'content-type': 'application/json', authorization: side.assertions[name]! },
      body: JSON.stringify(DIRECT_QUERIES[name]),
      ...(name === 'citizens'
        ? citizenOnly
        : name === 'border-crossings'
          ? { answer: (data: Data) => at(data, '_entities', 0, 'borderCrossings'), expected: (person: Data) => person['borderCrossings'] }
          : { answer: (data: Data) => at(data, '_entities', 0, 'restrictionCheck'), expected: (person: Data) => person['restrictionCheck'] }),
    });

    process.stderr.write('starting the gateways and the floor, each in its own process …\n');
    let hubNodeOptions: string[] = [];
    if (args.profile) {
      const dir = resolve(ROOT, 'bench-results');
      mkdirSync(dir, { recursive: true });
      const file = `hub-gateway-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
      profilePath = join(dir, file);
      hubNodeOptions = ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', file];
    }
    // The hub's answer is the reference every other target is checked against, so it always runs.
    const hubChild = await gatewayChild('hub', 'hub gateway', 'hub', current, hubNodeOptions);
    const hubTarget = gatewayTarget('hub', 'hub gateway (checks + journal), as deployed', hubChild);
    const hubData = await probe(hubTarget);
    const hubPerson = (hubData['person'] ?? {}) as Data;
    if (at(hubPerson, 'citizen', 'lastName') !== citizenAt(POPULATION, CITIZEN).lastName)
      throw new Error(`the hub gateway's answer is not the expected citizen: ${JSON.stringify(hubData)}`);

    const targets: Target[] = [];
    const add = async (key: TargetKey, make: () => Promise<Target> | Target) => {
      if (SELECTED.has(key)) targets.push(await make());
    };
    await add('hub', () => hubTarget);
    await add('hub-quiet', () => ownGateway('hub-quiet', 'hub gateway, warnings only (LOG_LEVEL=warn)', 'hub-quiet'));
    await add('traces-on', () => ownGateway('traces-on', 'hub gateway, traces on (100 %, OTLP to a local collector)', 'traces-on'));
    if (baseline) {
      await add('hub@baseline', () => ownGateway('hub@baseline', 'baseline: hub gateway, as deployed', 'hub', baseline));
      await add('hub-quiet@baseline', () => ownGateway('hub-quiet@baseline', 'baseline: hub gateway, warnings only', 'hub-quiet', baseline));
      await add('direct-citizens@baseline', () => directTarget('citizens', baseline));
    }
    await add('hub-registered', () => {
      const registered = loadOperations(current.policiesDir, hub.policies).find((o) => o.name === REGISTERED);
      if (registered?.source !== normaliseOperation(GATEWAY_QUERY))
        throw new Error(`${REGISTERED} is not the benchmark's query: the two targets would do different work`);
      return {
        ...hubTarget,
        key: 'hub-registered',
        name: `hub gateway, registered ${REGISTERED} (documentId)`,
        body: JSON.stringify({ documentId: registered.id, variables: { fin: FIN } }),
      };
    });
    for (const name of TOUCHED) await add(`direct-${name}`, () => directTarget(name));
    await add('journal-off', () => ownGateway('journal-off', 'hub gateway, journal off', 'journal-off'));
    await add('quotas-off', () => ownGateway('quotas-off', 'hub gateway, quotas off', 'quotas-off'));
    await add('subjects-off', () => ownGateway('subjects-off', 'hub gateway, subjects off', 'subjects-off'));
    await add('consent', async () => {
      // The person consented to MIA for the consent purpose: the answer is the same, after the check.
      await hub.options.consents.append(
        subjectHash(loadSubjectKeys(hub.keysDir).current, FIN),
        { agency: 'MIA', purpose: 'service-delivery', action: 'grant', until: null, at: new Date() },
        'HUB-BENCH',
      );
      return gatewayTarget('consent', 'hub gateway, consent purpose (checked)', hubChild, 'service-delivery');
    });
    await add('bare', () => ownGateway('bare', 'bare @apollo/gateway, keep-alive (undici fetch)', 'bare-keepalive'));
    await add('bare-default', () => ownGateway('bare-default', 'bare @apollo/gateway, default fetcher', 'bare-default'));
    const hiveConfig = (planner: HiveChildConfig['planner']): HiveChildConfig => ({ planner, supergraphPath: current.supergraphPath, assertions });
    await add('hive', async () =>
      gatewayTarget('hive', 'Hive Gateway 2.15 (JS planner)', await child('Hive Gateway', 'hive.js', hiveConfig('javascript'), QUIET_HIVE)),
    );
    await add('hive-rust', async () =>
      gatewayTarget('hive-rust', 'Hive Gateway 2.15, Rust planner', await child('Hive Gateway (Rust)', 'hive.js', hiveConfig('rust'), QUIET_HIVE)),
    );
    await add('floor', async () => {
      const floor = await child('floor', 'floor.js', { databaseUrl: hub.database.url, poolSize: CONNECTIONS, journal: false } satisfies FloorChildConfig);
      return {
        ...directTarget('citizens'),
        key: 'floor',
        name: 'floor: plain Node + one prepared pg statement',
        url: floor.url,
        frontPid: floor.pid,
        headers: { 'content-type': 'application/json' },
      };
    });
    await add('floor-journal', async () => {
      const floor = await child('floor + journal', 'floor.js', {
        databaseUrl: hub.database.url,
        poolSize: CONNECTIONS,
        journal: true,
      } satisfies FloorChildConfig);
      return {
        ...directTarget('citizens'),
        key: 'floor-journal',
        name: 'floor + its R6 row committed before the answer',
        url: floor.url,
        frontPid: floor.pid,
        headers: { 'content-type': 'application/json' },
      };
    });
    for (const target of targets) checkSame(target, await probe(target), hubPerson);

    process.stderr.write(`measuring ${targets.length} targets, ${ROUNDS} rounds of ${DURATION_S} s each, ${CONNECTIONS} connections …\n`);
    // Round-robin, then medians: a noisy machine and a warming process touch every target alike.
    // A baseline target runs right after its own: their ratio within a round is the before/after.
    const position = new Map(targets.map((t, i) => [t.key, i]));
    const order = (t: Target) =>
      t.key.endsWith('@baseline') ? (position.get(t.key.slice(0, -'@baseline'.length) as TargetKey) ?? position.get(t.key)!) + 0.5 : position.get(t.key)!;
    targets.sort((a, b) => order(a) - order(b));
    const runs = targets.map(() => [] as Measure[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of targets.entries()) runs[i]!.push(await measure(target));
    }
    const rows = runs.map(medianMeasure);
    const rounds = new Map(targets.map((t, i) => [t.key, runs[i]!]));
    printTable(rows, rounds, hub, SELECTED.has('hub') ? operationLimitsMicros(hub) : undefined);
    if (baseline) console.log(`baseline: ${baseline.root}`);
    console.log(`\ngateways' logs (stdout, one file each): ${logs}`);
    for (const target of targets) {
      const file = join(logs, `${target.key}.log`);
      if (existsSync(file)) console.log(`  ${target.key}.log: ${readFileSync(file, 'utf8').split('\n').length - 1} lines`);
    }
    console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (rows.some((r) => r.failures > 0)) process.exitCode = 1;
  } finally {
    for (const child of children) await child.stop();
    for (const side of sides) await side.close();
    for (const close of closers) await close();
  }
  if (profilePath) console.log(`CPU profile of the hub gateway (its whole life, idle included): ${profilePath}`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
