import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { ensureDevelopmentKeys, loadPolicies, signDevelopmentToken } from '@hub/gateway';
import { SUBGRAPHS } from '@hub/kit';
import { composeSupergraph, loadSubgraphModules } from '@hub/kit/dev';
import { POLICIES_DIR } from '../hub';
import { startChild, type BenchChild } from './child';
import { openLoop, type OpenLoopResult } from './open-loop';
import type { GatewayChildConfig } from './gateway';
import { persistentDatabase, readyTimes, scalePopulation, startPopulated, type PopulatedSubgraphs } from './populate';

/**
 * `npm run bench:scale -- [--citizens 1000000] [--small 10000] [--duration 10] [--rounds 2] [--pool 2000]`:
 * the same query mix through the hub gateway over a small and a large population, with keys
 * sampled from each database (a pool too large for any cache to hide the cost): the border
 * check at a fixed 50 and 200 requests/s, the FİN query and the name search at 50 requests/s.
 * Load is open loop (`open-loop.ts`): requests evenly spaced, latency counted from when each was due.
 * Sizes are interleaved round by round; p50 and p99 are the medians of the rounds. Each
 * population is kept in database hub_scale_<citizens> and loaded once (seed markers).
 */
const { values: args } = parseArgs({
  options: {
    citizens: { type: 'string', default: '1000000' },
    small: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    pool: { type: 'string', default: '2000' },
  },
});

function positiveInteger(name: string, raw: string, min = 1): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer of at least ${min}, not ${JSON.stringify(raw)}`);
  return value;
}

const LARGE = positiveInteger('citizens', args.citizens);
const SMALL = positiveInteger('small', args.small);
const DURATION_S = positiveInteger('duration', args.duration);
const ROUNDS = positiveInteger('rounds', args.rounds);
const POOL = positiveInteger('pool', args.pool, 1000);
const SERVER_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Key {
  fin: string;
  firstName: string;
  lastName: string;
  birthDate: string;
}

interface Scenario {
  name: string;
  rate: number;
  body(key: Key): string;
}

const SCENARIOS: Scenario[] = [
  ...[50, 200].map((rate) => ({
    name: `border check (restrictionCheck) @ ${rate}/s`,
    rate,
    body: (k: Key) => JSON.stringify({ query: 'query($fin: ID) { restrictionCheck(fin: $fin) { hit contactAgencies } }', variables: { fin: k.fin } }),
  })),
  {
    name: 'FİN query @ 50/s',
    rate: 50,
    body: (k) =>
      JSON.stringify({
        query: `query($fin: ID!) { person(fin: $fin) { fin citizen { firstName lastName birthDate documents { number type active } }
        borderCrossings { direction crossedAt checkpoint documentNumber } restrictionCheck { hit contactAgencies } } }`,
        variables: { fin: k.fin },
      }),
  },
  {
    name: 'name search @ 50/s',
    rate: 50,
    body: (k) =>
      JSON.stringify({
        query: 'query($f: String!, $l: String!, $b: String!) { personsByName(firstName: $f, lastName: $l, birthDate: $b) { fin citizen { patronymic } } }',
        variables: { f: k.firstName, l: k.lastName, b: k.birthDate },
      }),
  },
];

interface Hub {
  citizens: number;
  url: string;
  keys: Key[];
  seconds: number;
  subgraphs: PopulatedSubgraphs;
  gateway: BenchChild;
}

/** Keys drawn at random from the database itself, not from the generator. */
async function sampleKeys(databaseUrl: string, citizens: number): Promise<Key[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const percent = Math.min(100, (300 * POOL) / citizens);
    const { rows } = await client.query<Key>(
      `SELECT fin, first_name AS "firstName", last_name AS "lastName", birth_date::text AS "birthDate"
      FROM citizens.citizen TABLESAMPLE BERNOULLI ($1) ORDER BY random() LIMIT $2`,
      [percent, POOL],
    );
    if (rows.length < Math.min(POOL, citizens)) throw new Error(`only ${rows.length} keys sampled from ${citizens} citizens`);
    return rows;
  } finally {
    await client.end();
  }
}

async function startHub(citizens: number, keysDir: string): Promise<Hub> {
  const database = await persistentDatabase(SERVER_URL, citizens);
  process.stderr.write(
    `${citizens} citizens (database ${new URL(database.url).pathname.slice(1)}): starting the subgraphs, seeding if the population is not there yet …\n`,
  );
  const subgraphs = await startPopulated(
    database.url,
    scalePopulation(citizens),
    keysDir,
    SUBGRAPHS.map((s) => s.name),
    (line) => process.stderr.write(`${line}\n`),
  );
  process.stderr.write(`  ready in ${subgraphs.seconds.toFixed(0)} s\n${readyTimes(subgraphs).join('\n')}\n`);
  try {
    const { sdl } = await composeSupergraph(loadSubgraphModules().map((module) => ({ module, url: subgraphs.urls.get(module.name)! })));
    const supergraphPath = join(mkdtempSync(join(tmpdir(), 'hub-scale-')), 'supergraph.graphql');
    writeFileSync(supergraphPath, sdl);
    const gateway = await startChild('hub gateway', 'gateway.js', {
      mode: 'hub',
      supergraphPath,
      policiesDir: POLICIES_DIR,
      keysDir,
      databaseUrl: database.url,
      assertions: {},
    } satisfies GatewayChildConfig);
    return { citizens, url: gateway.url, keys: await sampleKeys(database.url, citizens), seconds: subgraphs.seconds, subgraphs, gateway };
  } catch (error) {
    await subgraphs.stop();
    throw error;
  }
}

type Measure = OpenLoopResult;

async function measure(hub: Hub, scenario: Scenario, headers: Record<string, string>, duration: number): Promise<Measure> {
  let next = 0;
  const probe = await fetch(hub.url, { method: 'POST', headers, body: scenario.body(hub.keys[0]!) });
  const answer = (await probe.json()) as { errors?: unknown };
  if (probe.status !== 200 || answer.errors) throw new Error(`${scenario.name} on ${hub.citizens}: ${probe.status} ${JSON.stringify(answer.errors)}`);
  return openLoop({ url: hub.url, headers, rate: scenario.rate, durationS: duration, body: () => scenario.body(hub.keys[next++ % hub.keys.length]!) });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function main(): Promise<void> {
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-scale-keys-'));
  const policies = loadPolicies(POLICIES_DIR, keysDir);
  await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
  const token = await signDevelopmentToken(keysDir, policies.identity, { agency: 'MIA', roles: ['officer'], assurance: 'substantial', ttlSeconds: 6 * 3600 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'identity-check' };
  const hubs: Hub[] = [];
  try {
    for (const citizens of [SMALL, LARGE]) hubs.push(await startHub(citizens, keysDir));
    const runs = new Map<string, Measure[]>();
    for (const hub of hubs) for (const scenario of SCENARIOS) await measure(hub, scenario, headers, 2); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of SCENARIOS) {
        for (const hub of hubs) {
          const m = await measure(hub, scenario, headers, DURATION_S);
          process.stderr.write(`  round ${round + 1}, ${scenario.name}, ${hub.citizens} citizens: p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms\n`);
          runs.set(`${scenario.name}|${hub.citizens}`, [...(runs.get(`${scenario.name}|${hub.citizens}`) ?? []), m]);
        }
      }
    }
    const [small, large] = hubs as [Hub, Hub];
    console.log(
      `\nScale: ${small.citizens} vs ${large.citizens} citizens (PostgreSQL, subgraphs and gateway in their own processes), ${POOL} keys sampled per database, median of ${ROUNDS} rounds of ${DURATION_S} s, sizes interleaved`,
    );
    console.log(
      `populations ready in: ${small.citizens} → ${small.seconds.toFixed(0)} s, ${large.citizens} → ${large.seconds.toFixed(0)} s (a kept population only starts)`,
    );
    const head = [
      'query',
      `p50 ${small.citizens}`,
      `p99 ${small.citizens}`,
      `p50 ${large.citizens}`,
      `p99 ${large.citizens}`,
      'p50 ratio',
      'p99 ratio',
      'failed',
    ];
    const width = Math.max(...SCENARIOS.map((s) => s.name.length));
    console.log([head[0]!.padEnd(width), ...head.slice(1).map((h) => h.padStart(13))].join('  '));
    let failed = 0;
    for (const scenario of SCENARIOS) {
      const of = (hub: Hub) => runs.get(`${scenario.name}|${hub.citizens}`)!;
      const at = (hub: Hub, key: 'p50' | 'p99') => median(of(hub).map((m) => m[key]));
      const failures = [...of(small), ...of(large)].reduce((sum, m) => sum + m.failures, 0);
      failed += failures;
      const cells = [at(small, 'p50'), at(small, 'p99'), at(large, 'p50'), at(large, 'p99')].map((v) => v.toFixed(1));
      const ratios = [at(large, 'p50') / at(small, 'p50'), at(large, 'p99') / at(small, 'p99')].map((v) => v.toFixed(2));
      console.log([scenario.name.padEnd(width), ...[...cells, ...ratios, String(failures)].map((c) => c.padStart(13))].join('  '));
    }
    const border200 = median(runs.get(`${SCENARIOS[1]!.name}|${large.citizens}`)!.map((m) => m.p99));
    const worstRatio = Math.max(
      ...SCENARIOS.map(
        (s) => median(runs.get(`${s.name}|${large.citizens}`)!.map((m) => m.p50)) / median(runs.get(`${s.name}|${small.citizens}`)!.map((m) => m.p50)),
      ),
    );
    console.log(
      `\ngoals: border check p99 at 200/s on ${large.citizens} ≤ 20 ms: ${border200.toFixed(1)} ms (${border200 <= 20 ? 'met' : 'not met'}); p50 large ≤ 1.3 × p50 small for every query: worst ${worstRatio.toFixed(2)} (${worstRatio <= 1.3 ? 'met' : 'not met'})`,
    );
    if (failed > 0) process.exitCode = 1;
  } finally {
    for (const hub of hubs) {
      await hub.gateway.stop();
      await hub.subgraphs.stop();
    }
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
