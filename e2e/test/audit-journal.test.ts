import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import request from 'supertest';
import { createLogger, PostgresAuditJournal } from '@hub/gateway';
import { citizenAt, demoPeople, foreignerAt, type PopulationOptions } from '@hub/kit/synthetic';
import { POLICIES_DIR, queryGateway, scrapeMetrics, startGatewayOver, startTestHub, type TestHub } from '../src/hub';

const ROOT = resolve(__dirname, '../../..');
const AUDIT_VERIFY = resolve(ROOT, 'scripts/dist/src/audit-verify.js');
const GATEWAY_MAIN = resolve(ROOT, 'gateway/dist/src/main.js');

/**
 * A TCP proxy in front of PostgreSQL for the gateway's journal connections only: stopping it
 * makes the journal's database really unreachable (connections cut, new ones refused) while
 * the subgraphs keep their own connections.
 */
class DatabaseProxy {
  target = { host: '127.0.0.1', port: 5432 };
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** While frozen the database "accepts but does not answer": bytes are held, connections stay open. */
  private frozen = false;
  private readonly held: Array<() => void> = [];

  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.sockets) socket.resume();
    for (const go of this.held.splice(0)) go();
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      if (this.frozen) {
        client.pause();
        this.held.push(() => this.pipe(client));
        return;
      }
      this.pipe(client);
    });
    await new Promise<void>((done) => server.listen(this.port, '127.0.0.1', done));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private pipe(client: Socket): void {
    {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
      client.resume();
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }

  /** The same database, reached through the proxy. */
  route(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    this.target = { host: url.hostname, port: Number(url.port || 5432) };
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }
}

interface JournalRow {
  seq: string;
  registration_number: string;
  event: string;
  agency: string | null;
  sub: string | null;
  roles: string[];
  purpose: string | null;
  operation_type: string | null;
  resources: Array<{ resource: string; level: string; fields: string[]; positive: boolean; records: number }>;
  decision: string;
  reason: string | null;
  attempt_to_exceed_authority: boolean;
  error_codes: string[];
  positive: boolean;
  records: number;
}

function issuedFins(population: PopulationOptions): Set<string | null> {
  return new Set([
    ...Array.from({ length: population.citizens }, (_, i) => citizenAt(population, i).fin),
    ...Array.from({ length: population.foreigners }, (_, i) => foreignerAt(population, i).fin),
  ]);
}

function runAuditVerify(databaseUrl: string, args: string[] = []): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [AUDIT_VERIFY, ...args], { env: { ...process.env, AUDIT_DATABASE_URL: databaseUrl }, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the central audit journal', () => {
  const proxy = new DatabaseProxy();
  const logLines: string[] = [];
  let hub: TestHub;
  let db: Client;
  let fin: string;
  /** A person other than `fin`: a citizen signed in as them may not read `fin`'s record. */
  let otherFin: string;
  let unknownFin: string;

  const registrationOf = (res: request.Response): string => {
    const reg = res.body.extensions?.registrationNumber as string;
    assert.match(reg, /^HUB-\d{17}-[0-9A-Z]{3}-[0-9A-Z]{4}$/);
    assert.equal(res.headers['x-registration-number'], reg);
    return reg;
  };
  const journalRow = async (reg: string): Promise<JournalRow | undefined> =>
    (await db.query<JournalRow>('SELECT * FROM audit.journal WHERE registration_number = $1', [reg])).rows[0];

  before(async () => {
    await proxy.start();
    hub = await startTestHub({
      journal: (url) => PostgresAuditJournal.connect(proxy.route(url)),
      logger: createLogger('gateway', {
        write: (line: string) => {
          logLines.push(line);
        },
      }),
    });
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    const people = demoPeople(hub.population);
    fin = people.find((p) => p.case === 'citizen-full')!.fin;
    otherFin = people.find((p) => p.case === 'child')!.fin;
    // A valid FİN that no generated person holds.
    unknownFin = 'ZZZZ999';
    assert.ok(!issuedFins(hub.population).has(unknownFin));
  });
  after(async () => {
    await db.end();
    await hub.stop();
    await proxy.stop();
  });

  it('records what was read as schema coordinates, with the level applied, the record count and the positive-result symbol', async () => {
    const query = 'query PersonCheck($fin: ID!) { person(fin: $fin) { fin citizen { firstName documents { type } } restrictionCheck { hit } } }';
    const found = await hub.query(query, { fin });
    assert.equal(found.status, 200);
    assert.equal(found.body.errors, undefined, JSON.stringify(found.body.errors));
    const row = (await journalRow(registrationOf(found)))!;
    assert.equal(row.event, 'query');
    assert.equal(row.agency, 'MIA');
    assert.equal(row.sub, 'mia-officer-dev');
    assert.deepEqual(row.roles, ['officer']);
    assert.equal(row.purpose, 'identity-check');
    assert.equal(row.operation_type, 'query');
    assert.equal(row.decision, 'allowed');
    assert.equal(row.reason, null);
    assert.equal(row.attempt_to_exceed_authority, false);
    const [citizens, restrictionList] = row.resources;
    assert.deepEqual(
      row.resources.map((r) => [r.resource, r.level]),
      [
        ['citizens', 'unlimited'],
        ['restrictionList', 'restricted'],
      ],
    );
    assert.deepEqual(citizens!.fields, ['Citizen.documents', 'Citizen.firstName', 'Document.type', 'Person.citizen', 'Query.person']);
    assert.deepEqual(restrictionList!.fields, ['Person.restrictionCheck', 'RestrictionCheck.hit']);
    assert.ok(citizens!.records > 0);
    assert.equal(citizens!.positive, true);
    assert.equal(row.positive, true);
    assert.equal(row.records, citizens!.records + restrictionList!.records);

    const missing = await hub.query('query PersonCheck($fin: ID!) { person(fin: $fin) { citizen { firstName } } }', { fin: unknownFin });
    assert.equal(missing.body.data.person, null);
    const negative = (await journalRow(registrationOf(missing)))!;
    assert.deepEqual(negative.resources, [
      { resource: 'citizens', level: 'unlimited', fields: ['Citizen.firstName', 'Person.citizen', 'Query.person'], positive: false, records: 0 },
    ]);
    assert.equal(negative.positive, false);
  });

  it("keeps in the subgraph's own journal only the date, the registration number and the positive-result symbol (R6)", async () => {
    const found = registrationOf(await hub.query('query($fin: ID!) { person(fin: $fin) { citizen { firstName } } }', { fin }));
    const missing = registrationOf(await hub.query('query($fin: ID!) { person(fin: $fin) { citizen { firstName } } }', { fin: unknownFin }));
    const { rows } = await db.query<{ registration_number: string; positive: boolean; today: boolean }>(
      'SELECT registration_number, positive, queried_on = CURRENT_DATE AS today FROM citizens.query_journal WHERE registration_number = ANY($1) ORDER BY id',
      [[found, missing]],
    );
    assert.deepEqual(rows, [
      { registration_number: found, positive: true, today: true },
      { registration_number: missing, positive: false, today: true },
    ]);
  });

  it('journals every refusal with its reason code, as an attempt to exceed authority where it is one', async () => {
    const mod = await hub.token({ agency: 'MOD', roles: ['officer'] });
    const cases: Array<{
      name: string;
      send: () => Promise<request.Response>;
      status: number;
      code: string;
      decision: string;
      reason: string;
      attempt: boolean;
      agency: string | null;
    }> = [
      {
        name: 'no token',
        send: () => hub.query('{ person(fin: "0000000") { fin } }', undefined, { token: null }),
        status: 401,
        code: 'UNAUTHENTICATED',
        decision: 'refused',
        reason: 'UNAUTHENTICATED',
        attempt: true,
        agency: null,
      },
      {
        name: 'forged token',
        send: () => hub.query('{ person(fin: "0000000") { fin } }', undefined, { token: `${mod.slice(0, -4)}AAAA` }),
        status: 401,
        code: 'UNAUTHENTICATED',
        decision: 'refused',
        reason: 'UNAUTHENTICATED',
        attempt: true,
        agency: null,
      },
      {
        name: 'a mutation',
        send: () => hub.query('mutation { person(fin: "0000000") { fin } }'),
        status: 403,
        code: 'READ_ONLY',
        decision: 'refused',
        reason: 'READ_ONLY',
        attempt: true,
        agency: 'MIA',
      },
      {
        name: 'a resource at no access',
        send: () => hub.query('{ vehicle(registrationNumber: "10-AB-123") { make } }', undefined, { token: mod }),
        status: 200,
        code: 'FORBIDDEN',
        decision: 'refused',
        reason: 'FORBIDDEN',
        attempt: true,
        agency: 'MOD',
      },
      {
        name: 'a body over the size limit',
        send: () => hub.query(`{ __typename }${' '.repeat(70 * 1024)}`),
        status: 413,
        code: 'QUERY_TOO_COMPLEX',
        decision: 'refused',
        reason: 'QUERY_TOO_COMPLEX',
        attempt: true,
        agency: 'MIA',
      },
      {
        name: 'no purpose',
        send: () => hub.query('{ person(fin: "0000000") { fin } }', undefined, { purpose: null }),
        status: 400,
        code: 'BAD_USER_INPUT',
        decision: 'refused',
        reason: 'BAD_USER_INPUT',
        attempt: false,
        agency: 'MIA',
      },
      // Refused by Apollo after every rule passed it: journaled as refused all the same, with Apollo's code.
      {
        name: "a subgraph's own _entities field through the gateway",
        send: () => hub.query('{ _entities(representations: [{ __typename: "Person", fin: "0000000" }]) { __typename } }'),
        status: 400,
        code: 'GRAPHQL_VALIDATION_FAILED',
        decision: 'refused',
        reason: 'GRAPHQL_VALIDATION_FAILED',
        attempt: false,
        agency: 'MIA',
      },
      {
        name: '_service through the gateway',
        send: () => hub.query('{ _service { sdl } }'),
        status: 400,
        code: 'GRAPHQL_VALIDATION_FAILED',
        decision: 'refused',
        reason: 'GRAPHQL_VALIDATION_FAILED',
        attempt: false,
        agency: 'MIA',
      },
      {
        name: 'a required variable missing',
        send: () => hub.query('query($fin: ID!) { person(fin: $fin) { fin } }'),
        status: 400,
        code: 'BAD_USER_INPUT',
        decision: 'refused',
        reason: 'BAD_USER_INPUT',
        attempt: false,
        agency: 'MIA',
      },
      {
        name: 'an unterminated string',
        send: () => hub.query('{ person(fin: "0000000) { fin } }'),
        status: 400,
        code: 'GRAPHQL_PARSE_FAILED',
        decision: 'refused',
        reason: 'GRAPHQL_PARSE_FAILED',
        attempt: false,
        agency: 'MIA',
      },
      {
        name: 'a NUL after the operation',
        send: () => hub.query('{ __typename }\u0000'),
        status: 400,
        code: 'GRAPHQL_PARSE_FAILED',
        decision: 'refused',
        reason: 'GRAPHQL_PARSE_FAILED',
        attempt: false,
        agency: 'MIA',
      },
      // Refused by the subgraph, not the gateway: the same record as a field the gateway cut.
      {
        name: 'a citizen asking about another person',
        send: async () =>
          hub.query(
            'query($fin: ID!) { person(fin: $fin) { citizen { firstName } } }',
            { fin },
            { token: await hub.token({ agency: 'EGOV', roles: ['citizen'], fin: otherFin }), purpose: 'self-access' },
          ),
        status: 200,
        code: 'FORBIDDEN',
        decision: 'refused',
        reason: 'FORBIDDEN',
        attempt: true,
        agency: 'EGOV',
      },
    ];
    for (const c of cases) {
      const res = await c.send();
      assert.equal(res.status, c.status, c.name);
      assert.equal(res.body.errors?.[0]?.extensions?.code, c.code, c.name);
      const row = await journalRow(registrationOf(res));
      assert.ok(row, `${c.name}: journaled`);
      assert.deepEqual(
        { decision: row.decision, reason: row.reason, attempt: row.attempt_to_exceed_authority, agency: row.agency, codes: row.error_codes },
        { decision: c.decision, reason: c.reason, attempt: c.attempt, agency: c.agency, codes: [c.code] },
        c.name,
      );
    }
  });

  it('journals a partly refused request with the refused resource at level none', async () => {
    const mod = await hub.token({ agency: 'MOD', roles: ['officer'] });
    const res = await hub.query('query($fin: ID!) { person(fin: $fin) { citizen { firstName } borderCrossings { direction } } }', { fin }, { token: mod });
    assert.equal(res.status, 200);
    assert.ok(res.body.data.person.citizen.firstName);
    assert.deepEqual(
      res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code),
      ['FORBIDDEN'],
    );
    const row = (await journalRow(registrationOf(res)))!;
    assert.equal(row.decision, 'partly-refused');
    assert.equal(row.reason, 'FORBIDDEN');
    assert.equal(row.attempt_to_exceed_authority, true);
    assert.deepEqual(row.error_codes, ['FORBIDDEN']);
    const borderCrossings = row.resources.find((r) => r.resource === 'borderCrossings')!;
    assert.deepEqual(
      { level: borderCrossings.level, records: borderCrossings.records, positive: borderCrossings.positive },
      { level: 'none', records: 0, positive: false },
    );
    const citizens = row.resources.find((r) => r.resource === 'citizens')!;
    assert.deepEqual(
      { level: citizens.level, fields: citizens.fields, positive: citizens.positive },
      { level: 'unlimited', fields: ['Citizen.firstName', 'Person.citizen', 'Query.person'], positive: true },
    );
    // Nothing was asked of the refused resource's subgraph.
    const asked = await db.query('SELECT 1 FROM border_crossings.query_journal WHERE registration_number = $1', [row.registration_number]);
    assert.equal(asked.rowCount, 0);
  });

  it("journals officers' sign-in and sign-out (6.9.1.4), and refused sign-ins as attempts to exceed authority", async () => {
    const token = await hub.token({ agency: 'SBS', roles: ['officer'], sub: 'sbs-officer-7' });
    for (const event of ['sign-in', 'sign-out'] as const) {
      const res = await request(hub.gateway.server).post(`/session/${event}`).set('authorization', `Bearer ${token}`);
      assert.equal(res.status, 200, event);
      const reg = res.body.registrationNumber as string;
      assert.equal(res.headers['x-registration-number'], reg);
      const row = (await journalRow(reg))!;
      assert.deepEqual(
        {
          event: row.event,
          agency: row.agency,
          sub: row.sub,
          roles: row.roles,
          decision: row.decision,
          attempt: row.attempt_to_exceed_authority,
          resources: row.resources,
        },
        { event, agency: 'SBS', sub: 'sbs-officer-7', roles: ['officer'], decision: 'allowed', attempt: false, resources: [] },
      );
    }
    const refused = await request(hub.gateway.server)
      .post('/session/sign-in')
      .set('authorization', `Bearer ${token.slice(0, -4)}AAAA`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    const row = (await journalRow(registrationOf(refused)))!;
    assert.deepEqual(
      { event: row.event, agency: row.agency, decision: row.decision, reason: row.reason, attempt: row.attempt_to_exceed_authority },
      { event: 'sign-in', agency: null, decision: 'refused', reason: 'UNAUTHENTICATED', attempt: true },
    );
  });

  it('fails closed: with the journal unreachable, AUDIT_UNAVAILABLE and no data; once it is back, answers again', async () => {
    const query = 'query($fin: ID!) { person(fin: $fin) { citizen { firstName lastName } } }';
    await proxy.stop();
    try {
      const refused = await hub.query(query, { fin });
      assert.equal(refused.status, 503);
      assert.equal(refused.body.data, undefined);
      assert.deepEqual(
        refused.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code),
        ['AUDIT_UNAVAILABLE'],
      );
      assert.equal(refused.headers['retry-after'], '5');
      const reg = registrationOf(refused);
      const signIn = await request(hub.gateway.server)
        .post('/session/sign-in')
        .set('authorization', `Bearer ${await hub.token({ agency: 'MIA', roles: ['officer'] })}`);
      assert.equal(signIn.status, 503);
      assert.equal(signIn.body.errors[0].extensions.code, 'AUDIT_UNAVAILABLE');
      assert.equal(signIn.body.registrationNumber, undefined);
      const ready = await request(hub.gateway.server).get('/ready');
      assert.equal(ready.status, 503);
      assert.equal(await journalRow(reg), undefined);
      const failure = logLines.map((l) => JSON.parse(l) as { msg: string; reg?: string }).find((l) => l.msg === 'audit journal unavailable' && l.reg === reg);
      assert.ok(failure, 'the failure is logged with the registration number');
    } finally {
      await proxy.start();
    }
    // As a load balancer does: wait for /ready (it probes the journal), then send.
    for (let tries = 0; (await request(hub.gateway.server).get('/ready')).status !== 200; tries += 1) assert.ok(tries < 50, 'ready again');
    const served = await hub.query(query, { fin });
    assert.equal(served.status, 200);
    assert.equal(served.body.errors, undefined, JSON.stringify(served.body.errors));
    assert.ok(served.body.data.person.citizen.lastName);
    assert.ok(await journalRow(registrationOf(served)));
    assert.equal((await request(hub.gateway.server).get('/ready')).status, 200);
  });

  it('refuses at once when the journal database accepts connections but does not answer, and serves again once it does', { timeout: 8_000 }, async () => {
    // The bound: JOURNAL_WRITE_TIMEOUT_MS (500 here). Before it existed, answers waited up to 12 s one batch behind another.
    const gateway = await startGatewayOver(hub, {
      journal: PostgresAuditJournal.connect(proxy.route(hub.database.url), { writeTimeoutMs: 500, maxQueued: 1_000 }),
    });
    try {
      const token = await hub.token({ agency: 'MIA', roles: ['officer'] });
      proxy.freeze();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => queryGateway(gateway, token, 'query($fin: ID!) { person(fin: $fin) { fin } }', { fin })),
      );
      assert.deepEqual([...new Set(answers.map((a) => `${a.status} ${a.body.errors?.[0]?.extensions?.code}`))], ['503 AUDIT_UNAVAILABLE']);
      const afterwards = await queryGateway(gateway, token, 'query($fin: ID!) { person(fin: $fin) { fin } }', { fin });
      assert.equal(afterwards.body.errors?.[0]?.extensions?.code, 'AUDIT_UNAVAILABLE', 'refused at once while the database stays silent');
      const metrics = await scrapeMetrics(gateway);
      assert.ok(metrics.value('hub_audit_journal_refusals_total', { reason: 'unwritable' }) >= 21);
      proxy.thaw();
      for (let tries = 0; (await request(gateway.server).get('/ready')).status !== 200; tries += 1) assert.ok(tries < 20, 'ready again');
      const served = await queryGateway(gateway, token, 'query($fin: ID!) { person(fin: $fin) { fin } }', { fin });
      assert.equal(served.status, 200);
      assert.ok(await journalRow(registrationOf(served)));
    } finally {
      proxy.thaw();
      await gateway.stop();
    }
  });

  it('issues registration numbers unique across two gateway processes and increasing within each, all journaled in one chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-e2e-supergraph-'));
    const checkpoints = mkdtempSync(join(tmpdir(), 'hub-e2e-checkpoints-'));
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, hub.options.supergraph.sdl);
    const env = {
      ...process.env,
      AUDIT_DATABASE_URL: hub.database.url,
      PORT: '0',
      HOST: '127.0.0.1',
      SUPERGRAPH_PATH: supergraphPath,
      HUB_KEYS_DIR: hub.keysDir,
      POLICIES_DIR,
      HUB_MODE: 'development',
      LOG_LEVEL: 'info',
      AUDIT_CHECKPOINT_DIR: checkpoints,
    };
    const gateways = [0, 1].map(() => {
      const child = spawn(process.execPath, [GATEWAY_MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
      const log: Array<{ msg: string; url?: string; reg?: string }> = [];
      const lines = createInterface({ input: child.stdout! });
      const closed = new Promise<void>((done) => lines.once('close', done));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      const url = new Promise<string>((done, fail) => {
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as (typeof log)[number];
          log.push(entry);
          if (entry.msg === 'gateway listening' && entry.url) done(entry.url.replace('localhost', '127.0.0.1'));
        });
        void exited.then((code) => fail(new Error(`gateway exited with ${code} before listening`)));
      });
      return { child, exited, url, log, closed };
    });
    const issued: string[][] = [[], []];
    try {
      const urls = await Promise.all(gateways.map((g) => g.url));
      const token = await hub.token({ agency: 'MIA', roles: ['officer'] });
      const waves: string[][][] = [];
      for (let wave = 0; wave < 3; wave++) {
        const results = await Promise.all(
          Array.from({ length: 120 }, async (_, i) => {
            const which = i % 2;
            const response = await fetch(urls[which]!, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'identity-check' },
              body: JSON.stringify({ query: 'query($fin: ID!) { person(fin: $fin) { fin } }', variables: { fin } }),
            });
            const body = (await response.json()) as { data?: unknown; errors?: unknown; extensions: { registrationNumber: string } };
            assert.equal(response.status, 200, JSON.stringify(body.errors));
            assert.equal(response.headers.get('x-registration-number'), body.extensions.registrationNumber);
            return { which, reg: body.extensions.registrationNumber };
          }),
        );
        const perProcess: string[][] = [[], []];
        for (const r of results) perProcess[r.which]!.push(r.reg);
        waves.push(perProcess);
        for (const w of [0, 1]) issued[w]!.push(...perProcess[w]!);
      }
      const all = [...issued[0]!, ...issued[1]!];
      assert.equal(new Set(all).size, all.length, 'registration numbers are unique');
      const replicas = issued.map((numbers) => new Set(numbers.map((n) => n.split('-')[2])));
      assert.equal(replicas[0]!.size, 1);
      assert.equal(replicas[1]!.size, 1);
      assert.notDeepEqual([...replicas[0]!], [...replicas[1]!], 'the processes draw different replica ids');
      // A request sent after another's answer arrived gets a greater number from the same process.
      for (const w of [0, 1]) {
        for (let wave = 1; wave < waves.length; wave++) {
          const before = [...waves[wave - 1]![w]!].sort().at(-1)!;
          const later = [...waves[wave]![w]!].sort()[0]!;
          assert.ok(later > before, `process ${w}: wave ${wave} starts at ${later}, after ${before}`);
        }
      }
      const { rows } = await db.query<{ registration_number: string; received_at: Date }>(
        'SELECT registration_number, received_at FROM audit.journal WHERE registration_number = ANY($1)',
        [all],
      );
      assert.equal(rows.length, all.length, 'every request is in the journal');
      // Within a process, number order is time order.
      for (const numbers of issued) {
        const times = new Map(rows.map((r) => [r.registration_number, r.received_at.getTime()]));
        const ordered = [...numbers].sort().map((n) => times.get(n)!);
        for (let i = 1; i < ordered.length; i++) assert.ok(ordered[i]! >= ordered[i - 1]!, 'numbers increase with time');
      }
    } finally {
      for (const g of gateways) g.child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(await Promise.all(gateways.map((g) => g.exited)), [0, 0], 'both stop cleanly, their journals flushed');
    // The log is written asynchronously: a stop still leaves every request's line and, last, the one logged just before exit.
    await Promise.all(gateways.map((g) => g.closed));
    for (const [w, g] of gateways.entries()) {
      assert.deepEqual(
        g.log
          .filter((l) => l.msg === 'request')
          .map((l) => l.reg)
          .sort(),
        [...issued[w]!].sort(),
        `process ${w}: one request line per answer`,
      );
      assert.equal(g.log.at(-1)?.msg, 'stopped: requests finished, audit journal flushed');
    }
    const verified = runAuditVerify(hub.database.url);
    assert.equal(verified.status, 0, verified.output);
    assert.match(verified.output, /chain intact/);
    // Each process signed the chain's end when it stopped, into the directory the operator named.
    const signed = runAuditVerify(hub.database.url, ['--keys', join(hub.keysDir, 'gateway.jwks.json'), '--checkpoints', checkpoints]);
    rmSync(checkpoints, { recursive: true, force: true });
    assert.equal(signed.status, 0, signed.output);
    assert.match(signed.output, /chain intact, [1-9]\d* signed checkpoint\(s\) match/);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the journal in the database itself', async () => {
    const {
      rows: [first],
    } = await db.query<{ seq: string }>('SELECT seq FROM audit.journal ORDER BY seq LIMIT 1');
    const attempts = [
      ["UPDATE audit.journal SET agency = 'MNS' WHERE seq = $1", [first!.seq]],
      ['DELETE FROM audit.journal WHERE seq = $1', [first!.seq]],
      ['TRUNCATE audit.journal', []],
    ] as const;
    for (const [sql, params] of attempts) {
      await assert.rejects(db.query(sql, [...params]), (error: { code?: string; message: string }) => {
        assert.equal(error.code, '42501', sql);
        assert.match(error.message, /append-only/);
        return true;
      });
    }
  });

  it('makes audit:verify fail and name the one record tampered with behind the triggers; an intact journal verifies', async () => {
    const intact = runAuditVerify(hub.database.url);
    assert.equal(intact.status, 0, intact.output);
    const {
      rows: [journal],
    } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit.journal');
    assert.ok(journal);
    assert.match(intact.output, new RegExp(`${journal.count} records, chain intact`));

    const {
      rows: [target],
    } = await db.query<{ seq: string; registration_number: string; agency: string | null }>(
      'SELECT seq, registration_number, agency FROM audit.journal ORDER BY seq OFFSET 3 LIMIT 1',
    );
    const tamper = async (agency: string | null) => {
      await db.query('BEGIN');
      await db.query('SET LOCAL session_replication_role = replica');
      await db.query('UPDATE audit.journal SET agency = $2 WHERE seq = $1', [target!.seq, agency]);
      await db.query('COMMIT');
    };
    await tamper('MNS');
    try {
      const broken = runAuditVerify(hub.database.url);
      assert.equal(broken.status, 1, broken.output);
      assert.match(broken.output, new RegExp(`seq ${target!.seq}, registration number ${target!.registration_number}`));
      assert.doesNotMatch(broken.output, /chain intact/);
    } finally {
      await tamper(target!.agency);
    }
    assert.equal(runAuditVerify(hub.database.url).status, 0);
  });
});
