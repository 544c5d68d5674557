import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { Agent, fetch as undiciFetch } from 'undici';
import { enforceLimits, enforceTokenLimit, levelsFor, limitsFor, quotasFromEnv, startGateway, type AuditJournal, type Quotas, type RunningGateway } from '@hub/gateway';
import { parse } from 'graphql';
import { catalogEntry, signCallerAssertion, type Caller, type SubgraphName } from '@hub/kit';
import { citizenAt, DEMO_CASES, DEMO_POPULATION, demoPeople, type PopulationOptions } from '@hub/kit/synthetic';
import { startTestHub, type TestHub } from './hub';

/**
 * `npm run bench -- [--citizens N] [--duration S] [--rounds R] [--connections C] [--in-process]`: one FİN query (citizen
 * with documents, border crossings, restriction check) through the hub gateway and straight to
 * the subgraphs it touches, plus the gateway without its audit journal and a bare
 * @apollo/gateway without identity and access checks, all in one run against one population.
 * The subgraphs run as their own processes, as deployed (`--in-process` keeps them in this one,
 * as the end-to-end tests do); the gateways run here, and autocannon in a worker thread.
 */
const { values: args } = parseArgs({
  options: {
    citizens: { type: 'string', default: String(DEMO_POPULATION.citizens) },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'in-process': { type: 'boolean', default: false },
    connections: { type: 'string', default: '10' },
  },
});

function positiveInteger(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return value;
}

const DURATION_S = positiveInteger('duration', args.duration);
const CONNECTIONS = positiveInteger('connections', args.connections);
const ROUNDS = positiveInteger('rounds', args.rounds);
const POPULATION: PopulationOptions = { ...DEMO_POPULATION, citizens: positiveInteger('citizens', args.citizens) };
const CITIZEN = DEMO_CASES['citizen-full'].citizen;
const FIN = demoPeople(POPULATION).find((p) => p.case === 'citizen-full')!.fin;

const GATEWAY_QUERY = `query Person($fin: ID!) { person(fin: $fin) {
  fin
  citizen { firstName lastName birthDate documents { number type active } }
  borderCrossings { direction crossedAt checkpoint documentNumber }
  restrictionCheck { hit contactAgencies }
} }`;

/** The three fetches the gateway's plan makes for GATEWAY_QUERY, sent straight to each subgraph. */
const PERSON = [{ __typename: 'Person', fin: FIN }];
const DIRECT_QUERIES: { [name in SubgraphName]?: { query: string; variables: Record<string, unknown> } } = {
  citizens: {
    query: 'query($fin: ID!) { person(fin: $fin) { __typename fin citizen { firstName lastName birthDate documents { number type active } } } }',
    variables: { fin: FIN },
  },
  'border-crossings': {
    query: 'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Person { borderCrossings { direction crossedAt checkpoint documentNumber } } } }',
    variables: { representations: PERSON },
  },
  'restriction-list': {
    query: 'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Person { restrictionCheck { hit contactAgencies } } } }',
    variables: { representations: PERSON },
  },
};

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Checked once before the load: a benchmark of error responses measures nothing. */
  check(body: { data?: unknown; errors?: unknown }): void;
}

interface Measure {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

function keepOpen(journal: AuditJournal): AuditJournal {
  return {
    append: (entry) => journal.append(entry), drain: () => journal.drain(), ping: () => journal.ping(),
    queueDepth: () => journal.queueDepth(), close: () => journal.drain(),
  };
}

const noJournal: AuditJournal = {
  append: async () => undefined,
  drain: async () => undefined,
  ping: async () => true,
  queueDepth: () => 0,
  close: async () => undefined,
};

/** The keep-alive transport the hub gateway uses (gateway/src/transport.ts), without the pipeline. */
function keepAliveFetcher() {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });
  return ((url: string, init: Record<string, unknown>) => undiciFetch(url, { ...init, dispatcher: agent } as never)) as never;
}

class PreSignedDataSource extends RemoteGraphQLDataSource {
  constructor(url: string, private readonly authorization: string, fetcher?: ReturnType<typeof keepAliveFetcher>) {
    super({ url, ...(fetcher ? { fetcher } : {}) });
  }

  override willSendRequest({ request }: GraphQLDataSourceProcessOptions): void {
    request.http?.headers.set('authorization', this.authorization);
  }
}

/** A bare @apollo/gateway over the same subgraphs: no identity, access, purpose or audit. */
async function startBareGateway(hub: TestHub, assertions: Map<string, string>, fetcher?: ReturnType<typeof keepAliveFetcher>) {
  const apollo = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: hub.options.supergraph.sdl,
      buildService: ({ name, url }) => new PreSignedDataSource(url ?? '', assertions.get(name) ?? '', fetcher),
    }),
    plugins: [ApolloServerPluginUsageReportingDisabled()],
    csrfPrevention: false,
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: JSON.parse(body) as unknown },
        context: async () => ({}),
      }).then((response) => {
        res.writeHead(response.status ?? 200, { 'content-type': 'application/json' });
        res.end(response.body.kind === 'complete' ? response.body.string : '');
      }, (error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async stop() {
      await new Promise((r) => server.close(r));
      await apollo.stop();
    },
  };
}

async function measure(target: Target): Promise<Measure> {
  const probe = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body });
  const json = (await probe.json()) as { data?: unknown; errors?: unknown };
  if (probe.status !== 200 || json.errors) throw new Error(`${target.name}: ${probe.status} ${JSON.stringify(json.errors)}`);
  target.check(json);
  const load = (duration: number) => autocannon({
    url: target.url, method: 'POST', headers: target.headers, body: target.body,
    connections: CONNECTIONS, duration, workers: 1,
  });
  await load(1); // warm-up: JIT, connection pools, query plan cache
  const result = await load(DURATION_S);
  const measured = {
    name: target.name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
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

async function main(): Promise<void> {
  const started = Date.now();
  process.stderr.write(`seeding ${POPULATION.citizens} citizens and starting the hub …\n`);
  // Quotas stay in the path but never refuse: one token sends far more than an officer may.
  const unlimited = 1e12;
  const hub = await startTestHub({
    population: POPULATION,
    processes: !args['in-process'],
    quotas: (policy) => quotasFromEnv({ ...policy, requestsPerMinutePerAgency: unlimited, requestsPerMinutePerSub: unlimited, recordsPerDayPerAgency: unlimited }, undefined),
  });
  const extras: Array<{ stop(): Promise<void> }> = [];
  try {
    process.stderr.write(`hub up on ${hub.database.real ? 'PostgreSQL' : 'the embedded PostgreSQL (PGlite)'} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    const token = await hub.token({ agency: 'MIA', roles: ['officer'] });
    const expected = citizenAt(POPULATION, CITIZEN);
    const checkPerson = (body: { data?: unknown }) => {
      const person = (body.data as { person?: { citizen?: { lastName?: string } } }).person;
      if (person?.citizen?.lastName !== expected.lastName) throw new Error(`unexpected answer: ${JSON.stringify(body.data)}`);
    };
    const gatewayTarget = (name: string, url: string): Target => ({
      name, url, check: checkPerson,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'identity-check' },
      body: JSON.stringify({ query: GATEWAY_QUERY, variables: { fin: FIN } }),
    });

    // What the gateway would assert for an MIA officer, signed once for the whole run.
    const levels = levelsFor(hub.policies, 'MIA', ['officer']);
    const assertions = new Map<string, string>();
    for (const name of hub.subgraphs.keys()) {
      const level = levels.get(catalogEntry(name).resource);
      if (!level) continue;
      const caller: Caller = {
        agency: 'MIA', sub: 'mia-officer-bench', roles: ['officer'], purpose: 'identity-check', caseNumber: null, fin: null,
        level, registrationNumber: 'HUB-BENCH', searchLimit: 10,
      };
      assertions.set(name, `Bearer ${await signCallerAssertion(hub.options.signingKey, name, caller, 3600)}`);
    }

    // The extra gateways share the hub's journal and quotas; only the hub closes them.
    const shared = { ...hub.options, journal: keepOpen(hub.options.journal), quotas: { ...hub.options.quotas, admit: hub.options.quotas.admit.bind(hub.options.quotas), settle: hub.options.quotas.settle.bind(hub.options.quotas), close: async () => undefined } };
    const quiet: RunningGateway = await startGateway({ ...shared, journal: noJournal }, 0, '127.0.0.1');
    extras.push(quiet);
    const noQuotas: Quotas = { admit: async () => undefined, settle: async () => undefined, close: async () => undefined };
    const quotasOff: RunningGateway = await startGateway({ ...shared, quotas: noQuotas }, 0, '127.0.0.1');
    extras.push(quotasOff);
    const bareKeepAlive = await startBareGateway(hub, assertions, keepAliveFetcher());
    extras.push(bareKeepAlive);
    const bareDefault = await startBareGateway(hub, assertions);
    extras.push(bareDefault);

    const directTargets = Object.entries(DIRECT_QUERIES).map(([name, { query, variables }]): Target => ({
      name: `direct: ${name} subgraph`,
      url: hub.subgraphs.get(name)!.url,
      headers: { 'content-type': 'application/json', authorization: assertions.get(name)! },
      body: JSON.stringify({ query, variables }),
      check: (body) => {
        if (name === 'citizens') checkPerson(body);
        else if (!(body.data as { _entities?: unknown[] })._entities?.[0]) throw new Error(`${name}: no entity in ${JSON.stringify(body.data)}`);
      },
    }));

    process.stderr.write(`measuring, ${ROUNDS} rounds of ${DURATION_S} s per target, ${CONNECTIONS} connections …\n`);
    const targets = [
      gatewayTarget('hub gateway (checks + journal)', hub.gateway.url),
      ...directTargets,
      gatewayTarget('hub gateway, journal off', quiet.url),
      gatewayTarget('hub gateway, quotas off', quotasOff.url),
      gatewayTarget('bare @apollo/gateway, keep-alive', bareKeepAlive.url),
      gatewayTarget('bare @apollo/gateway, default fetcher', bareDefault.url),
    ];
    // Round-robin, then medians: a noisy machine and a warming process touch every target alike.
    const runs = targets.map(() => [] as Measure[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of targets.entries()) runs[i]!.push(await measure(target));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const [gateway, citizensDirect, bordersDirect, restrictionsDirect, journalOff, quotasOffRun, bare, bareDefaultFetcher] = runs.map((r): Measure => ({
      name: r[0]!.name, rps: median(r.map((m) => m.rps)), p50: median(r.map((m) => m.p50)), p99: median(r.map((m) => m.p99)),
      failures: r.reduce((sum, m) => sum + m.failures, 0),
    })) as [Measure, Measure, Measure, Measure, Measure, Measure, Measure, Measure];
    const direct = [citizensDirect, bordersDirect, restrictionsDirect];
    const limitsMicros = operationLimitsMicros(hub);

    const rows = [gateway, ...direct, journalOff, quotasOffRun, bare, bareDefaultFetcher];
    const width = Math.max(...rows.map((r) => r.name.length));
    const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
    console.log(`\nFİN query, ${POPULATION.citizens} citizens on ${hub.database.real ? 'PostgreSQL' : 'PGlite'}, ${CONNECTIONS} connections, median of ${ROUNDS} rounds of ${DURATION_S} s, subgraphs ${args['in-process'] ? 'in the benchmark\'s process' : 'in their own processes'}\n`);
    console.log(`${'target'.padEnd(width)}  ${'req/s'.padStart(7)}  ${'p50'.padStart(9)}  ${'p99'.padStart(9)}  failed`);
    for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.rps.toFixed(0).padStart(7)}  ${ms(r.p50)}  ${ms(r.p99)}  ${r.failures}`);
    const ratios: Array<[string, number]> = [
      ['gateway / direct citizens subgraph', gateway.rps / direct[0]!.rps],
      ['journal on / off', gateway.rps / journalOff.rps],
      ['quotas on / off', gateway.rps / quotasOffRun.rps],
      ['operation limits on / off (their time added to p50)', gateway.p50 / (gateway.p50 - limitsMicros / 1000)],
      ['checks on / off (journal off vs bare, keep-alive)', journalOff.rps / bare.rps],
      ['whole hub / bare gateway', gateway.rps / bare.rps],
      ['bare: default fetcher / keep-alive', bareDefaultFetcher.rps / bare.rps],
    ];
    console.log(`\noperation limits (tokens, depth, aliases, directives, root fields, page size, cost) on this query: ${limitsMicros.toFixed(0)} µs per request`);
    console.log(`\nratios of req/s\n${ratios.map(([label, value]) => `${label.padEnd(52)} ${value.toFixed(2)}`).join('\n')}
total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (rows.some((r) => r.failures > 0)) process.exitCode = 1;
  } finally {
    for (const extra of extras) await extra.stop();
    await hub.stop();
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
