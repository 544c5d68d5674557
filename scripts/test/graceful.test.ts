import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { ensureDevelopmentKeys, loadPolicies, policyKeyPaths, signDevelopmentToken } from '@hub/gateway';
import { citizenAt, type PopulationOptions } from '@hub/kit/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/kit/testing';
import { signPolicies } from '../src/policies-sign';
import type { DemoProvider } from '../src/dev/demo-provider';
import { startDemoSignIn } from '../src/dev/demo-sign-in';
import { gatewayEntry, ROOT, subgraphEntry } from '../src/processes';

/**
 * SIGTERM on real processes (R14): the process stops taking connections, finishes the requests
 * in flight, writes their journal records and exits 0. Requests are held in flight by a lock
 * on the table they read, so nothing here depends on timing. And a bad setting stops a
 * process at start-up with a message naming it.
 */
const POLICIES_DIR = resolve(ROOT, 'policies');
const POPULATION: PopulationOptions = { seed: 6161, citizens: 12, foreigners: 2 };
const IN_FLIGHT = 4;

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** The URL from the process's "listening" log line. */
  url: Promise<string>;
  stderr: string[];
}

function startProcess(entry: string, env: NodeJS.ProcessEnv, listening = 'never'): Proc {
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg === listening && entry.url) done(entry.url.replace('localhost', '127.0.0.1'));
    });
    void exited.then((code) => fail(new Error(`${entry} exited with ${code} before listening: ${stderr.join('\n')}`)));
  });
  url.catch(() => undefined);
  return { child, exited, url, stderr };
}

function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(true));
  });
}

async function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('SIGTERM with requests in flight', () => {
  let database: TestDatabase;
  let db: Client;
  /** Outside the locking transaction: inside it, pg_stat_activity would stay the snapshot of its first read. */
  let monitor: Client;
  let keysDir: string;
  let token: string;
  let subgraph: Proc;
  let subgraphUrl: string;
  const gateways: Proc[] = [];

  const gatewayEnv = () => ({
    ...process.env,
    AUDIT_DATABASE_URL: database.url,
    PORT: '0',
    HOST: '127.0.0.1',
    SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql'),
    HUB_KEYS_DIR: keysDir,
    POLICIES_DIR,
    HUB_MODE: 'development',
    LOG_LEVEL: 'info',
    SUBGRAPH_URL_CITIZENS: subgraphUrl,
  });

  /** Sends one request per citizen while the citizen table is locked, and waits until each is stuck in the subgraph. */
  async function holdRequests(gatewayUrl: string): Promise<
    Array<
      Promise<{
        status: number;
        connection: string | null;
        body: {
          data?: { person: { citizen: { lastName: string } } };
          errors?: Array<{ extensions?: { code?: string } }>;
          extensions: { registrationNumber: string };
        };
      }>
    >
  > {
    await db.query('BEGIN');
    await db.query('LOCK TABLE citizens.citizen IN ACCESS EXCLUSIVE MODE');
    const responses = Array.from({ length: IN_FLIGHT }, async (_, i) => {
      const response = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'identity-check' },
        body: JSON.stringify({ query: 'query($fin: ID!) { person(fin: $fin) { citizen { lastName } } }', variables: { fin: citizenAt(POPULATION, i).fin } }),
      });
      return { status: response.status, connection: response.headers.get('connection'), body: (await response.json()) as never };
    });
    await eventually('every request waiting on the lock', async () => {
      const { rows } = await monitor.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'hub-citizens' AND wait_event_type = 'Lock'",
      );
      return rows[0]!.n === IN_FLIGHT;
    });
    return responses;
  }

  async function assertAnswered(responses: Awaited<ReturnType<typeof holdRequests>>): Promise<string[]> {
    const answers = await Promise.all(responses);
    answers.forEach((answer, i) => {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
      assert.equal(answer.body.data!.person.citizen.lastName, citizenAt(POPULATION, i).lastName);
    });
    return answers.map((a) => a.body.extensions.registrationNumber);
  }

  before(async () => {
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    monitor = new Client({ connectionString: database.url });
    await monitor.connect();
    keysDir = mkdtempSync(join(tmpdir(), 'hub-graceful-keys-'));
    const policies = loadPolicies(POLICIES_DIR, keysDir);
    await ensureDevelopmentKeys(keysDir, policies.agencies.keys());
    token = await signDevelopmentToken(keysDir, policies.identity, { agency: 'MIA', roles: ['officer'], assurance: 'substantial' });
    subgraph = startProcess(
      subgraphEntry('citizens'),
      {
        ...process.env,
        DATABASE_URL: database.url,
        PORT: '0',
        HUB_KEYS_DIR: keysDir,
        HUB_SEED: 'demo',
        HUB_SEED_NUMBER: String(POPULATION.seed),
        HUB_SEED_CITIZENS: String(POPULATION.citizens),
        HUB_SEED_FOREIGNERS: String(POPULATION.foreigners),
      },
      'subgraph listening',
    );
    subgraphUrl = await subgraph.url;
  });

  after(async () => {
    await db.query('ROLLBACK').catch(() => undefined);
    for (const proc of [subgraph, ...gateways]) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await db.end();
    await monitor.end();
    await database.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('the gateway stops listening, answers every request in flight, journals each and exits 0', async () => {
    const gateway = startProcess(gatewayEntry(), gatewayEnv(), 'gateway listening');
    gateways.push(gateway);
    const url = await gateway.url;
    const responses = await holdRequests(url);
    gateway.child.kill('SIGTERM');
    await eventually('the gateway to stop taking connections', () => refusesConnections(url));
    await db.query('COMMIT');
    const registrations = await assertAnswered(responses);
    // Answered, then the connection closed: a keep-alive client cannot slip further requests in.
    for (const answer of await Promise.all(responses)) assert.equal(answer.connection, 'close');
    assert.equal(await gateway.exited, 0, gateway.stderr.join('\n'));
    const { rows } = await db.query<{ registration_number: string; decision: string }>(
      'SELECT registration_number, decision FROM audit.journal WHERE registration_number = ANY($1) ORDER BY registration_number',
      [registrations],
    );
    assert.deepEqual(
      rows,
      [...registrations].sort().map((reg) => ({ registration_number: reg, decision: 'allowed' })),
    );
  });

  it('the gateway exits within its grace although a subgraph call would wait far longer, and journals every request it cut', { timeout: 60_000 }, async () => {
    const gateway = startProcess(gatewayEntry(), { ...gatewayEnv(), SHUTDOWN_GRACE_MS: '500', SUBGRAPH_TIMEOUT_MS: '120000' }, 'gateway listening');
    gateways.push(gateway);
    const url = await gateway.url;
    const count = async () => (await monitor.query<{ n: number }>('SELECT count(*)::int AS n FROM audit.journal')).rows[0]!.n;
    const before = await count();
    const cut = Promise.all(await holdRequests(url));
    gateway.child.kill('SIGTERM');
    // The lock is still held: no subgraph call could have ended by itself, so only the stop's abort lets the gateway exit.
    assert.equal(await gateway.exited, 0, gateway.stderr.join('\n'));
    await db.query('COMMIT');
    // Cut just before the grace ends, on their own still open connections: told so, and journaled as exactly that.
    const answers = await cut;
    for (const answer of answers) {
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      assert.equal(answer.body.errors?.[0]?.extensions?.code, 'SHUTTING_DOWN');
    }
    assert.equal(await count(), before + IN_FLIGHT, 'each request cut at the grace has its journal record');
    const { rows } = await monitor.query<{ reason: string; decision: string }>(
      'SELECT reason, decision FROM audit.journal WHERE registration_number = ANY($1)',
      [answers.map((a) => a.body.extensions.registrationNumber)],
    );
    assert.deepEqual(
      rows,
      answers.map(() => ({ reason: 'SHUTTING_DOWN', decision: 'refused' })),
    );
  });

  it('a subgraph stops listening, answers every request in flight with its own journal records, and exits 0', async () => {
    const gateway = startProcess(gatewayEntry(), gatewayEnv(), 'gateway listening');
    gateways.push(gateway);
    const url = await gateway.url;
    const responses = await holdRequests(url);
    subgraph.child.kill('SIGTERM');
    await eventually('the subgraph to stop taking connections', () => refusesConnections(subgraphUrl));
    await db.query('COMMIT');
    const registrations = await assertAnswered(responses);
    assert.equal(await subgraph.exited, 0, subgraph.stderr.join('\n'));
    const own = await db.query<{ registration_number: string }>('SELECT registration_number FROM citizens.query_journal WHERE registration_number = ANY($1)', [
      registrations,
    ]);
    assert.equal(own.rowCount, IN_FLIGHT, "each request is in the subgraph's own journal");
    const central = await db.query('SELECT 1 FROM audit.journal WHERE registration_number = ANY($1)', [registrations]);
    assert.equal(central.rowCount, IN_FLIGHT);
    gateway.child.kill('SIGTERM');
    assert.equal(await gateway.exited, 0);
  });
});

describe('configuration checked at start-up', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const brokenPolicies = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-policies-'));
    dirs.push(dir);
    cpSync(POLICIES_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'roles.json'), '{ "roles": ');
    return dir;
  };
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-config-keys-'));
  dirs.push(keysDir);
  // A production gateway's keys and a policy set signed for it; the signer's key kept elsewhere.
  const signedKeys = mkdtempSync(join(tmpdir(), 'hub-config-signed-keys-'));
  const signedPolicies = mkdtempSync(join(tmpdir(), 'hub-config-signed-policies-'));
  const signer = mkdtempSync(join(tmpdir(), 'hub-config-signer-'));
  dirs.push(signedKeys, signedPolicies, signer);
  before(async () => {
    cpSync(POLICIES_DIR, signedPolicies, { recursive: true });
    await ensureDevelopmentKeys(signedKeys, loadPolicies(POLICIES_DIR, signedKeys).agencies.keys());
    const env = { HUB_KEYS_DIR: signedKeys, POLICIES_DIR: signedPolicies, POLICY_SIGNING_KEY: join(signer, 'policy.private.jwk.json') };
    await signPolicies({ ...env, SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql') }, { newKey: true });
  });
  // The set naming the demo provider in ASAN Login's place, signed, the provider then stopped:
  // production must stop naming the provider nothing answers for.
  const unreachableKeys = mkdtempSync(join(tmpdir(), 'hub-config-unreachable-keys-'));
  const unreachableWork = mkdtempSync(join(tmpdir(), 'hub-config-unreachable-policies-'));
  const unreachableSigner = mkdtempSync(join(tmpdir(), 'hub-config-unreachable-signer-'));
  dirs.push(unreachableKeys, unreachableWork, unreachableSigner);
  let unreachablePolicies = '';
  before(async () => {
    await ensureDevelopmentKeys(unreachableKeys, loadPolicies(POLICIES_DIR, unreachableKeys).agencies.keys());
    const signIn = await startDemoSignIn({
      policiesDir: POLICIES_DIR,
      keysDir: unreachableKeys,
      publicUrl: 'https://hub.example.gov.az',
      port: 0,
      workDir: unreachableWork,
    });
    await signIn.provider.stop();
    unreachablePolicies = signIn.policiesDir;
    const env = { HUB_KEYS_DIR: unreachableKeys, POLICIES_DIR: unreachablePolicies, POLICY_SIGNING_KEY: join(unreachableSigner, 'policy.private.jwk.json') };
    await signPolicies({ ...env, SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql') }, { newKey: true });
  });
  const altered = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-config-altered-'));
    dirs.push(dir);
    cpSync(signedPolicies, dir, { recursive: true });
    appendFileSync(join(dir, 'access-matrix.json'), '\n');
    return dir;
  };
  const base = {
    ...process.env,
    AUDIT_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/never',
    PORT: '0',
    HOST: '127.0.0.1',
    POLICIES_DIR,
    SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql'),
    HUB_KEYS_DIR: keysDir,
  };
  const cases: Array<{ name: string; entry: string; env: () => NodeJS.ProcessEnv; names: RegExp }> = [
    { name: 'gateway, PORT=abc', entry: gatewayEntry(), env: () => ({ ...base, PORT: 'abc' }), names: /PORT="abc"/ },
    {
      name: 'gateway, POLICIES_DIR missing',
      entry: gatewayEntry(),
      env: () => ({ ...base, POLICIES_DIR: '/nonexistent/policies' }),
      names: /POLICIES_DIR=".*\/nonexistent\/policies"/,
    },
    { name: 'gateway, a broken policy file', entry: gatewayEntry(), env: () => ({ ...base, POLICIES_DIR: brokenPolicies() }), names: /roles\.json/ },
    {
      name: 'gateway, BREAKER_ERROR_PERCENT=150',
      entry: gatewayEntry(),
      env: () => ({ ...base, BREAKER_ERROR_PERCENT: '150' }),
      names: /BREAKER_ERROR_PERCENT="150"/,
    },
    {
      name: 'gateway, SUBGRAPH_URL_ for no subgraph',
      entry: gatewayEntry(),
      env: () => ({ ...base, SUBGRAPH_URL_CITIZEN: 'http://127.0.0.1:4001/graphql' }),
      names: /SUBGRAPH_URL_CITIZEN\b/,
    },
    // Production is the default: nothing generates keys, and their absence stops the gateway before it listens.
    {
      name: 'gateway, production by default, no signing key',
      entry: gatewayEntry(),
      env: () => base,
      names: /HUB_KEYS_DIR=".*": the gateway's signing key .*gateway\.private\.jwk\.json is missing/,
    },
    {
      name: 'gateway, production, the policy set unsigned',
      entry: gatewayEntry(),
      env: () => ({ ...base, HUB_KEYS_DIR: signedKeys, POLICIES_DIR: signedPolicies, POLICY_SIGNATURE_PATH: join(signer, 'none.jws') }),
      names: /POLICY_SIGNATURE_PATH=".*none\.jws": the policy set \(sha256 [0-9a-f]{64}\) is not signed/,
    },
    {
      name: 'gateway, production, a policy file altered after signing',
      entry: gatewayEntry(),
      env: () => ({ ...base, HUB_KEYS_DIR: signedKeys, POLICIES_DIR: altered() }),
      names: /POLICY_SIGNATURE_PATH=".*policy-set\.jws": refused: .*is not the one signed .*: policies\/access-matrix\.json changed/,
    },
    {
      name: "gateway, production, the policy signing key in the gateway's keys",
      entry: gatewayEntry(),
      env: () => {
        const keys = mkdtempSync(join(tmpdir(), 'hub-config-with-signer-'));
        dirs.push(keys);
        cpSync(signedKeys, keys, { recursive: true });
        cpSync(join(signer, 'policy.private.jwk.json'), policyKeyPaths(keys).privateJwk);
        return { ...base, HUB_KEYS_DIR: keys, POLICIES_DIR: signedPolicies };
      },
      names: /policy-signing\.private\.jwk\.json is the policy signing key: keep it with the signer/,
    },
    {
      name: 'gateway, production, people sign in but HUB_PUBLIC_URL is not set',
      entry: gatewayEntry(),
      env: () => ({ ...base, HUB_KEYS_DIR: signedKeys, POLICIES_DIR: signedPolicies }),
      names: /HUB_PUBLIC_URL is not set: sign-in needs it for its redirect URI/,
    },
    {
      name: 'gateway, production, the national sign-in provider unreachable',
      entry: gatewayEntry(),
      env: () => ({ ...base, HUB_KEYS_DIR: unreachableKeys, POLICIES_DIR: unreachablePolicies, HUB_PUBLIC_URL: 'https://hub.example.gov.az' }),
      names: /signIn\.providers\.asan-login \(http:\/\/127\.0\.0\.1:\d+\): discovery failed/,
    },
    { name: 'gateway, HUB_MODE=staging', entry: gatewayEntry(), env: () => ({ ...base, HUB_MODE: 'staging' }), names: /HUB_MODE="staging"/ },
    {
      name: 'subgraph, PORT=abc',
      entry: subgraphEntry('citizens'),
      env: () => ({ ...base, DATABASE_URL: base.AUDIT_DATABASE_URL, PORT: 'abc' }),
      names: /PORT="abc"/,
    },
  ];
  for (const c of cases) {
    it(`stops with exit code 1 and names the culprit: ${c.name}`, async () => {
      const proc = startProcess(c.entry, c.env());
      assert.equal(await proc.exited, 1);
      const fatal = proc.stderr.map((line) => JSON.parse(line) as { level: number; msg: string }).find((line) => line.level === 60);
      assert.ok(fatal, proc.stderr.join('\n'));
      assert.match(fatal.msg, /^configuration: /);
      assert.match(fatal.msg, c.names);
    });
  }
});

describe('a production gateway with a signed policy set', () => {
  const databases: TestDatabase[] = [];
  const dirs: string[] = [];
  const providers: DemoProvider[] = [];
  after(async () => {
    for (const provider of providers) await provider.stop();
    for (const database of databases) await database.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A deployed gateway's settings: production, reached at a public URL (DPoP proofs name it), on a port of its own. */
  const PRODUCTION = { HUB_MODE: 'production', HUB_PUBLIC_URL: 'https://hub.test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };

  /**
   * Production stops on a sign-in provider it cannot discover: `npm start`'s demo provider stands in
   * for ASAN Login on loopback, the gateway its client (secret in `keysDir`), named by a copy of the
   * policies in `workDir`.
   */
  async function demoSignIn(keysDir: string, workDir: string) {
    const signIn = await startDemoSignIn({ policiesDir: POLICIES_DIR, keysDir, publicUrl: PRODUCTION.HUB_PUBLIC_URL, port: 0, workDir });
    providers.push(signIn.provider);
    return signIn;
  }

  it('starts, journals the set put in force, and shows its hash on /ready and in hub_policy_set_info', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const keysDir = mkdtempSync(join(tmpdir(), 'hub-signed-keys-'));
    const signer = mkdtempSync(join(tmpdir(), 'hub-signer-'));
    const workDir = mkdtempSync(join(tmpdir(), 'hub-signed-policies-'));
    dirs.push(keysDir, signer, workDir);
    await ensureDevelopmentKeys(keysDir, loadPolicies(POLICIES_DIR, keysDir).agencies.keys());
    const signIn = await demoSignIn(keysDir, workDir);
    const env = { HUB_KEYS_DIR: keysDir, POLICIES_DIR: signIn.policiesDir, SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql') };
    const signed = await signPolicies({ ...env, POLICY_SIGNING_KEY: join(signer, 'policy.private.jwk.json') }, { newKey: true });
    const gateway = startProcess(gatewayEntry(), { ...process.env, ...env, ...PRODUCTION, AUDIT_DATABASE_URL: database.url }, 'gateway listening');
    try {
      const url = new URL(await gateway.url);
      const ready = (await (await fetch(new URL('/ready', url))).json()) as { policySet: string };
      assert.equal(ready.policySet, signed.sha256);
      // Journaled once in force: the first set of this journal, so it replaced none.
      const journal = new Client({ connectionString: database.url });
      await journal.connect();
      const { rows } = await journal.query("SELECT operation_id, reason FROM audit.journal WHERE event = 'policy-change'");
      await journal.end();
      assert.deepEqual(rows, [{ operation_id: `sha256:${signed.sha256}`, reason: null }]);
      const metrics = await (await fetch(new URL('/metrics', url))).text();
      assert.match(metrics, new RegExp(`^hub_policy_set_info\\{sha256="${signed.sha256}"\\} 1$`, 'm'));
    } finally {
      gateway.child.kill('SIGTERM');
      assert.equal(await gateway.exited, 0, gateway.stderr.join('\n'));
    }
  });

  /** A production gateway over a copy of the policies, signed with a new key, and its own journal. */
  async function signedGateway(prefix: string, extra: Record<string, string>) {
    const database = await createTestDatabase();
    databases.push(database);
    const keysDir = mkdtempSync(join(tmpdir(), `${prefix}keys-`));
    const signer = mkdtempSync(join(tmpdir(), `${prefix}signer-`));
    const workDir = mkdtempSync(join(tmpdir(), `${prefix}policies-`));
    dirs.push(keysDir, signer, workDir);
    await ensureDevelopmentKeys(keysDir, loadPolicies(POLICIES_DIR, keysDir).agencies.keys());
    const { policiesDir } = await demoSignIn(keysDir, workDir);
    const env = { HUB_KEYS_DIR: keysDir, POLICIES_DIR: policiesDir, SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql') };
    const signerEnv = { ...env, POLICY_SIGNING_KEY: join(signer, 'policy.private.jwk.json') };
    const first = await signPolicies(signerEnv, { newKey: true });
    const gateway = startProcess(gatewayEntry(), { ...process.env, ...PRODUCTION, ...env, AUDIT_DATABASE_URL: database.url, ...extra }, 'gateway listening');
    return { gateway, first, signerEnv, policiesDir, database };
  }

  it('SIGHUP: refuses an altered set (journaled, shown on /ready), then takes it once signed (journaled as a change)', async () => {
    // The files are not watched here: only SIGHUP reloads.
    const { gateway, first, signerEnv, policiesDir, database } = await signedGateway('hub-reload-', { LOG_LEVEL: 'info', POLICY_WATCH: 'off' });
    const journal = new Client({ connectionString: database.url });
    try {
      const url = new URL(await gateway.url);
      await journal.connect();
      const ready = async () => (await (await fetch(new URL('/ready', url))).json()) as { policySet: string; policySetLastRefusal?: string };
      const changes = async () =>
        (await journal.query("SELECT operation_id, reason, decision FROM audit.journal WHERE event = 'policy-change' ORDER BY seq")).rows;

      // A level changed after signing: refused, the signed set keeps serving.
      const matrixPath = join(policiesDir, 'access-matrix.json');
      const matrix = JSON.parse(readFileSync(matrixPath, 'utf8')) as { agencies: Record<string, { levels: Record<string, string> }> };
      matrix.agencies['MIA']!.levels['blanks'] = 'restricted';
      writeFileSync(matrixPath, JSON.stringify(matrix, null, 2));
      gateway.child.kill('SIGHUP');
      await eventually('the refusal on /ready', async () => (await ready()).policySetLastRefusal !== undefined);
      assert.equal((await ready()).policySet, first.sha256);
      await eventually('the refusal journaled', async () => (await changes()).at(-1)?.decision === 'refused');
      const refused = (await changes()).at(-1);
      assert.equal(refused?.decision, 'refused');
      assert.equal(refused?.reason, 'POLICY_SET_UNSIGNED');
      assert.match(await (await fetch(new URL('/metrics', url))).text(), /^hub_policy_set_last_refusal_timestamp_seconds \d+/m);

      // Signed as it now is: in force for the next request, journaled with the set it replaced.
      const second = await signPolicies(signerEnv, { newKey: false });
      gateway.child.kill('SIGHUP');
      await eventually('the new set on /ready', async () => (await ready()).policySet === second.sha256);
      await eventually('the change journaled', async () => (await changes()).at(-1)?.decision === 'allowed');
      assert.deepEqual((await changes()).at(-1), { operation_id: `sha256:${second.sha256}`, reason: `sha256:${first.sha256}`, decision: 'allowed' });
    } finally {
      await journal.end();
      gateway.child.kill('SIGTERM');
      assert.equal(await gateway.exited, 0, gateway.stderr.join('\n'));
    }
  });

  it('files changed: a set changed and signed in place is taken with no signal, as a ConfigMap update would be', async () => {
    const { gateway, first, signerEnv, policiesDir, database } = await signedGateway('hub-watch-', { POLICY_WATCH_DEBOUNCE_MS: '100' });
    const journal = new Client({ connectionString: database.url });
    try {
      const url = new URL(await gateway.url);
      await journal.connect();
      const matrixPath = join(policiesDir, 'access-matrix.json');
      const matrix = JSON.parse(readFileSync(matrixPath, 'utf8')) as { agencies: Record<string, { levels: Record<string, string> }> };
      matrix.agencies['MIA']!.levels['blanks'] = 'restricted';
      writeFileSync(matrixPath, JSON.stringify(matrix, null, 2));
      const second = await signPolicies(signerEnv, { newKey: false });
      await eventually(
        'the new set on /ready',
        async () => ((await (await fetch(new URL('/ready', url))).json()) as { policySet: string }).policySet === second.sha256,
      );
      const changes = async () =>
        (await journal.query("SELECT operation_id, reason FROM audit.journal WHERE event = 'policy-change' AND decision = 'allowed' ORDER BY seq")).rows;
      await eventually('the change journaled', async () => (await changes()).length === 2);
      assert.deepEqual((await changes()).at(-1), { operation_id: `sha256:${second.sha256}`, reason: `sha256:${first.sha256}` });
    } finally {
      await journal.end();
      gateway.child.kill('SIGTERM');
      assert.equal(await gateway.exited, 0, gateway.stderr.join('\n'));
    }
  });
});
