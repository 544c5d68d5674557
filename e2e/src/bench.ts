import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { enforceLimits, enforceTokenLimit, levelsFor, limitsFor, loadOperations, loadSubjectKeys, normaliseOperation, subjectHash } from '@hub/gateway';
import { parse } from 'graphql';
import { catalogEntry, signCallerAssertion, type Caller } from '@hub/kit';
import { citizenAt, DEMO_CASES, DEMO_POPULATION, demoPeople, type PopulationOptions } from '@hub/kit/synthetic';
import { POLICIES_DIR, startTestHub, type TestHub } from './hub';
import { ROOT, startChild, type BenchChild } from './bench/child';
import type { FloorChildConfig } from './bench/floor';
import type { GatewayChildConfig, GatewayMode } from './bench/gateway';
import type { HiveChildConfig } from './bench/hive';
import { childWithCommand, cpuMs, parentOf } from './bench/proc';

/**
 * `npm run bench -- [--citizens N] [--duration S] [--rounds R] [--connections C] [--targets a,b] [--profile] [--in-process]`:
 * one FİN query (citizen with documents, border crossings, restriction check) through the hub
 * gateway, its variants (journal off, quotas off, subjects off, under a consent purpose), a bare @apollo/gateway, Hive Gateway with its
 * JavaScript and its Rust planner, straight to the three subgraphs it touches, and to a plain
 * Node + `pg` floor (and that floor committing an R6 row before each answer, as a subgraph must),
 * all over one population and the same subgraph processes. Every server
 * loaded runs as its own process so its CPU per request can be read from /proc, next to the
 * subgraphs' and PostgreSQL's; autocannon runs in a worker thread of this process.
 */
const TARGET_KEYS = [
  'hub',
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
] as const;
type TargetKey = (typeof TARGET_KEYS)[number];

const { values: args } = parseArgs({
  options: {
    citizens: { type: 'string', default: String(DEMO_POPULATION.citizens) },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'in-process': { type: 'boolean', default: false },
    connections: { type: 'string', default: '10' },
    targets: { type: 'string', default: TARGET_KEYS.join(',') },
    profile: { type: 'boolean', default: false },
  },
});

function positiveInteger(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return value;
}

function selectedTargets(raw: string): Set<TargetKey> {
  const keys = raw
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .flatMap((k) => (k === 'direct' ? ['direct-citizens', 'direct-border-crossings', 'direct-restriction-list'] : [k]));
  const unknown = keys.filter((k) => !(TARGET_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`--targets: unknown ${unknown.join(', ')}; known: ${TARGET_KEYS.join(', ')}, direct`);
  return new Set(keys as TargetKey[]);
}

const DURATION_S = positiveInteger('duration', args.duration);
const CONNECTIONS = positiveInteger('connections', args.connections);
const ROUNDS = positiveInteger('rounds', args.rounds);
const SELECTED = selectedTargets(args.targets);
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

async function cpuPerRequest(target: Target, processes: Processes, load: () => Promise<autocannon.Result>): Promise<{ result: autocannon.Result; cpu: Cpu }> {
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

async function measure(target: Target, processes: Processes): Promise<Measure> {
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
  const { result, cpu } = await cpuPerRequest(target, processes, () => load(DURATION_S));
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
  };
}

const totalCpu = (cpu: Cpu) => (cpu.front ?? 0) + Object.values(cpu.subgraphs).reduce((a, b) => a + b, 0) + (cpu.postgres ?? 0);

function printTable(rows: Measure[], hub: TestHub, limitsMicros: number | undefined): void {
  const width = Math.max(...rows.map((r) => r.name.length), 'target'.length);
  const ms = (v: number | undefined, digits = 1) => (v === undefined ? '–' : `${v.toFixed(digits)}`).padStart(7);
  console.log(
    `\nFİN query, ${POPULATION.citizens} citizens on ${hub.database.real ? 'PostgreSQL' : 'PGlite'}, ${CONNECTIONS} connections, median of ${ROUNDS} rounds of ${DURATION_S} s (round-robin), subgraphs ${args['in-process'] ? "in the benchmark's process" : 'in their own processes'}`,
  );
  console.log('CPU columns: milliseconds of CPU (user + system, /proc) per request; "front" is the process the client calls (gateway or floor server)\n');
  console.log(
    `${'target'.padEnd(width)}  ${'req/s'.padStart(7)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  failed  ${'front'.padStart(7)}  ${'citizens'.padStart(8)}  ${'borders'.padStart(7)}  ${'restrict'.padStart(8)}  ${'postgres'.padStart(8)}  ${'total'.padStart(7)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(width)}  ${r.rps.toFixed(0).padStart(7)}  ${ms(r.p50)}  ${ms(r.p99)}  ${String(r.failures).padStart(6)}  ${ms(r.cpu.front, 2)}  ${ms(r.cpu.subgraphs.citizens, 2).padStart(8)}  ${ms(r.cpu.subgraphs['border-crossings'], 2)}  ${ms(r.cpu.subgraphs['restriction-list'], 2).padStart(8)}  ${ms(r.cpu.postgres, 2).padStart(8)}  ${ms(totalCpu(r.cpu), 2)}`,
    );
  }
  const by = new Map(rows.map((r) => [r.key, r]));
  const ratio = (label: string, a: TargetKey, b: TargetKey): [string, Measure, Measure] | null => {
    const x = by.get(a);
    const y = by.get(b);
    return x && y ? [label, x, y] : null;
  };
  const ratios = [
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
  // The front of a direct call is the subgraph called: its CPU is what the floor's server is compared with.
  const frontOf = (m: Measure) =>
    m.cpu.front ?? (m.key.startsWith('direct-') ? m.cpu.subgraphs[m.key.slice('direct-'.length) as (typeof TOUCHED)[number]] : undefined);
  const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2)).padStart(8);
  console.log(`\n${'ratios (a / b)'.padEnd(50)} ${'req/s'.padStart(8)} ${'front CPU'.padStart(9)} ${'total CPU'.padStart(9)}`);
  for (const [label, a, b] of ratios) {
    const frontA = frontOf(a);
    const frontB = frontOf(b);
    console.log(
      `${label.padEnd(50)} ${fmt(a.rps / b.rps)} ${fmt(frontA !== undefined && frontB !== undefined ? frontA / frontB : undefined).padStart(9)} ${fmt(totalCpu(a.cpu) / totalCpu(b.cpu)).padStart(9)}`,
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

async function main(): Promise<void> {
  const started = Date.now();
  const hive = SELECTED.has('hive') || SELECTED.has('hive-rust');
  if (hive) ensurePeers();
  process.stderr.write(`seeding ${POPULATION.citizens} citizens and starting the hub's subgraphs …\n`);
  // The hub's in-process gateway is not loaded: the one measured runs in its own process below.
  const hub = await startTestHub({ population: POPULATION, processes: !args['in-process'] });
  const children: BenchChild[] = [];
  const monitor = hub.database.real ? postgresProcesses(hub.database.url) : undefined;
  let profilePath: string | undefined;
  try {
    process.stderr.write(
      `subgraphs up on ${hub.database.real ? 'PostgreSQL' : 'the embedded PostgreSQL (PGlite)'} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
    const token = await hub.token({ agency: 'MIA', roles: ['officer'], ttlSeconds: TTL_S });

    // What the gateway would assert for an MIA officer, signed once for the whole run.
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
    const gatewayConfig = (mode: GatewayMode): GatewayChildConfig => ({
      mode,
      supergraphPath,
      policiesDir: POLICIES_DIR,
      keysDir: hub.keysDir,
      databaseUrl: hub.database.url,
      assertions,
    });
    const child = async (name: string, entry: string, config: unknown, nodeOptions: string[] = []) => {
      const started = await startChild(name, entry, config, nodeOptions);
      children.push(started);
      return started;
    };

    const gatewayTarget = (key: TargetKey, name: string, front: BenchChild, purpose = 'identity-check'): Target => ({
      key,
      name,
      url: front.url,
      frontPid: front.pid,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': purpose },
      body: JSON.stringify({ query: GATEWAY_QUERY, variables: { fin: FIN } }),
      answer: (data) => data['person'],
      expected: (person) => person,
    });
    const citizenOnly = { answer: (data: Data) => at(data, 'person', 'citizen'), expected: (person: Data) => person['citizen'] };
    const directTarget = (name: (typeof TOUCHED)[number]): Target => ({
      key: `direct-${name}`,
      name: `direct: ${name} subgraph`,
      url: hub.subgraphs.get(name)!.url,
      headers: { 'content-type': 'application/json', authorization: assertions[name]! },
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
    const hubChild = await child('hub gateway', 'gateway.js', gatewayConfig('hub'), hubNodeOptions);
    const hubTarget = gatewayTarget('hub', 'hub gateway (checks + journal)', hubChild);
    const hubData = await probe(hubTarget);
    const hubPerson = (hubData['person'] ?? {}) as Data;
    if (at(hubPerson, 'citizen', 'lastName') !== citizenAt(POPULATION, CITIZEN).lastName)
      throw new Error(`the hub gateway's answer is not the expected citizen: ${JSON.stringify(hubData)}`);

    const targets: Target[] = [];
    const add = async (key: TargetKey, make: () => Promise<Target> | Target) => {
      if (SELECTED.has(key)) targets.push(await make());
    };
    await add('hub', () => hubTarget);
    await add('hub-registered', () => {
      const registered = loadOperations(POLICIES_DIR, hub.policies).find((o) => o.name === REGISTERED);
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
    await add('journal-off', async () =>
      gatewayTarget('journal-off', 'hub gateway, journal off', await child('journal off', 'gateway.js', gatewayConfig('journal-off'))),
    );
    await add('quotas-off', async () =>
      gatewayTarget('quotas-off', 'hub gateway, quotas off', await child('quotas off', 'gateway.js', gatewayConfig('quotas-off'))),
    );
    await add('subjects-off', async () =>
      gatewayTarget('subjects-off', 'hub gateway, subjects off', await child('subjects off', 'gateway.js', gatewayConfig('subjects-off'))),
    );
    await add('consent', async () => {
      // The person consented to MIA for the consent purpose: the answer is the same, after the check.
      await hub.options.consents.append(
        subjectHash(loadSubjectKeys(hub.keysDir).current, FIN),
        { agency: 'MIA', purpose: 'service-delivery', action: 'grant', until: null, at: new Date() },
        'HUB-BENCH',
      );
      return gatewayTarget('consent', 'hub gateway, consent purpose (checked)', hubChild, 'service-delivery');
    });
    await add('bare', async () =>
      gatewayTarget('bare', 'bare @apollo/gateway, keep-alive (undici fetch)', await child('bare keep-alive', 'gateway.js', gatewayConfig('bare-keepalive'))),
    );
    await add('bare-default', async () =>
      gatewayTarget('bare-default', 'bare @apollo/gateway, default fetcher', await child('bare default', 'gateway.js', gatewayConfig('bare-default'))),
    );
    const hiveConfig = (planner: HiveChildConfig['planner']): HiveChildConfig => ({ planner, supergraphPath, assertions });
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

    const processes: Processes = {
      subgraphs: args['in-process']
        ? {}
        : Object.fromEntries(
            TOUCHED.map((name) => {
              const pid = childWithCommand(process.pid, join('subgraphs', name, 'dist/src/main.js'));
              if (pid === undefined) throw new Error(`no process found for the ${name} subgraph`);
              return [name, pid];
            }),
          ),
      ...(monitor ? { postgres: () => monitor.pids() } : {}),
    };

    process.stderr.write(`measuring ${targets.length} targets, ${ROUNDS} rounds of ${DURATION_S} s each, ${CONNECTIONS} connections …\n`);
    // Round-robin, then medians: a noisy machine and a warming process touch every target alike.
    const runs = targets.map(() => [] as Measure[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of targets.entries()) runs[i]!.push(await measure(target, processes));
    }
    const rows = runs.map(medianMeasure);
    printTable(rows, hub, SELECTED.has('hub') ? operationLimitsMicros(hub) : undefined);
    console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (rows.some((r) => r.failures > 0)) process.exitCode = 1;
  } finally {
    for (const child of children) await child.stop();
    await monitor?.close();
    await hub.stop();
  }
  if (profilePath) console.log(`CPU profile of the hub gateway (its whole life, idle included): ${profilePath}`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
