import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { citizenAt, citizenDocuments, DEMO_CASES, DEMO_POPULATION, demoPeople } from '@hub/kit/synthetic';
import { SUBGRAPHS } from '@hub/kit';
import { ROOT } from '../src/processes';

/**
 * `npm start` with no DATABASE_URL: the launcher brings up the embedded PostgreSQL, one process
 * hosting the nine subgraphs and the gateway's process, answers a FİN query, and on SIGTERM
 * leaves nothing behind.
 */
const START_TIMEOUT_MS = 240_000;

async function free(port: number): Promise<boolean> {
  const server = createServer();
  const listening = await new Promise<boolean>((r) => {
    server.once('error', () => r(false));
    server.listen(port, '127.0.0.1', () => r(true));
  });
  if (listening) await new Promise((r) => server.close(r));
  return listening;
}

/** A gateway port the system hands out, and a run of nine free ports for SUBGRAPH_BASE_PORT. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function freePorts(): Promise<{ gateway: number; provider: number; base: number }> {
  const gateway = await freePort();
  const provider = await freePort();
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const run = SUBGRAPHS.map((_, i) => base + i);
    if (!run.includes(gateway) && !run.includes(provider) && (await Promise.all(run.map(free))).every(Boolean)) return { gateway, provider, base };
  }
}

/** Node processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        // The command name is in parentheses and may hold spaces: fields after it are fixed.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === pid ? [Number(d)] : [];
      } catch {
        return [];
      }
    });
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Gone, or a zombie: either way it runs nothing and holds no port. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The local addresses a port is listened on, from the kernel's socket tables (Linux /proc). */
function listenAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      // local_address is HEXADDRESS:HEXPORT; state 0A is LISTEN.
      .filter((fields) => fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`))
      .map((fields) => fields[1]!.split(':')[0]!),
  );
}

async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('npm start asked for production', () => {
  it('refuses, saying how production is started, before it starts anything', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HUB_MODE: 'production' };
    delete env['DATABASE_URL'];
    const launcher = spawn(process.execPath, [join(ROOT, 'scripts/dist/src/start.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    launcher.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => launcher.once('exit', resolve));
    assert.equal(code, 1, output);
    assert.match(output, /HUB_MODE="production": `npm start` runs the development demo only\. Production runs each process's own entry: `docker compose up`/);
    assert.doesNotMatch(output, /DEVELOPMENT mode|embedded PostgreSQL/, 'it started the demo anyway');
  });
});

describe('npm start on the embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-start-pglite-'));
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-start-keys-'));
  const logFile = join(mkdtempSync(join(tmpdir(), 'hub-start-log-')), 'hub.log');
  let port: number;
  let providerPort: number;
  let subgraphPorts: number[];
  let launcher: ChildProcess;
  let exited: Promise<number | null>;
  let output = '';
  let children: number[] = [];

  before(async () => {
    const ports = await freePorts();
    port = ports.gateway;
    providerPort = ports.provider;
    subgraphPorts = SUBGRAPHS.map((_, i) => ports.base + i);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PGLITE_DATA_DIR: dataDir,
      HUB_KEYS_DIR: keysDir,
      PORT: String(port),
      SUBGRAPH_BASE_PORT: String(ports.base),
      DEMO_PROVIDER_PORT: String(ports.provider),
      HUB_LOG_FILE: logFile,
    };
    delete env['HUB_PUBLIC_URL'];
    delete env['DATABASE_URL'];
    delete env['HUB_SEED'];
    launcher = spawn(process.execPath, [join(ROOT, 'scripts/dist/src/start.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
    // Keep draining both pipes for the whole run, or the children block on a full pipe.
    launcher.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    launcher.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    const up = await eventually(() => gone || output.includes('The hub is up'), START_TIMEOUT_MS);
    assert.ok(up && !gone, `the hub did not come up:\n${output.slice(-4000)}`);
    children = childrenOf(launcher.pid!);
  });

  after(async () => {
    // Only when a test failed before the launcher was stopped: leave no process behind.
    if (launcher?.exitCode === null) {
      children = [...new Set([...children, ...childrenOf(launcher.pid!)])];
      launcher.kill('SIGKILL');
    }
    for (const pid of children) if (running(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(keysDir, { recursive: true, force: true });
    rmSync(dirname(logFile), { recursive: true, force: true });
  });

  it('prints when it was ready and where the time went, in seconds since the launcher started', () => {
    assert.match(
      output,
      /^Ready after \d+\.\d s \(database up at \d+\.\d s, audit subgraph ready at \d+\.\d s, all subgraphs ready at \d+\.\d s; seconds since the launcher started\)\.$/m,
    );
  });

  it("seeds a first start without a warning: the tables that share the embedded database's one client take turns", () => {
    assert.doesNotMatch(output, /Warning/);
  });

  it("prints the three pages and the API on the chosen PORT, and keeps the processes' JSON logs in their file", () => {
    for (const [page, who] of [
      ['playground', 'officers'],
      ['audit', 'auditors'],
      ['me', 'citizens'],
    ])
      assert.match(output, new RegExp(`^  http://localhost:${port}/${page} +${who}: `, 'm'));
    assert.match(output, new RegExp(`^The API: POST http://localhost:${port}/graphql `, 'm'));
    assert.doesNotMatch(output, /^\{/m, 'no JSON log line in the terminal');
    assert.match(readFileSync(logFile, 'utf8'), /^\{"level":/m, 'the processes log to HUB_LOG_FILE');
  });

  it('runs the nine subgraphs in one process, each on its own port, and the gateway in another', async () => {
    const host = children.find((pid) => commandOf(pid).includes('scripts/dist/src/subgraph-host.js'));
    assert.ok(host, `no subgraph host among the launcher's children: ${children.map(commandOf).join('; ')}`);
    for (const [i, p] of subgraphPorts.entries()) {
      const response = await fetch(`http://127.0.0.1:${p}/ready`);
      assert.equal(response.status, 200, `no subgraph ready on ${p}`);
      assert.equal(((await response.json()) as { subgraph: string }).subgraph, SUBGRAPHS[i]!.name, `port ${p}`);
    }
    assert.equal(children.length, 2, `children of the launcher: ${children.map(commandOf).join('; ')}`);
    assert.ok(
      children.some((pid) => commandOf(pid).includes('scripts/dist/src/gateway-host.js')),
      'no gateway process',
    );
    assert.ok(existsSync(join(keysDir, 'gateway.jwks.json')), 'the development keys are not in HUB_KEYS_DIR');
  });

  it('listens on loopback only: the nine subgraphs, the gateway and the demo provider', () => {
    // 0100007F is 127.0.0.1 as the kernel's table writes it; all interfaces would be 00000000 (or :: in tcp6).
    for (const p of [port, providerPort, ...subgraphPorts]) assert.deepEqual(listenAddresses(p), ['0100007F'], `port ${p}`);
  });

  it('signs people in through the demo provider: the gateway its client, its secret in the demo keys, the national issuer the demo one', async () => {
    const issuer = `http://127.0.0.1:${providerPort}`;
    assert.match(output, new RegExp(`demo provider in ASAN Login's place \\(${issuer}\\)`));
    assert.ok(existsSync(join(keysDir, 'sign-in/asan-login.secret')), 'the client secret is where the policy says the gateway reads it');
    const session = await fetch(`http://127.0.0.1:${port}/auth/session`);
    assert.deepEqual(await session.json(), { signedIn: false });
    const start = await fetch(`http://127.0.0.1:${port}/auth/sign-in?next=/playground`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const to = new URL(start.headers.get('location')!);
    assert.equal(to.origin, issuer);
    assert.equal(to.searchParams.get('redirect_uri'), `http://localhost:${port}/auth/callback`);
    const page = await fetch(to, { redirect: 'manual' });
    assert.equal(page.status, 303, 'to the sign-in page of demo people');
  });

  it("answers a FİN query for the demo person 'citizen-full' with the generator's citizen record, to an officer signed in as identity checks need", async () => {
    const mint = async (...extra: string[]) =>
      (
        await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/dist/src/token.js'), '--agency', 'MIA', '--role', 'officer', ...extra], {
          cwd: ROOT,
          env: { ...process.env, HUB_KEYS_DIR: keysDir },
        })
      ).stdout.trim();
    const token = await mint('--acr', 'substantial');
    const fin = demoPeople(DEMO_POPULATION).find((p) => p.case === 'citizen-full')!.fin;
    // Without --acr the token stands for a password sign-in: identity checks ask for more (STEP_UP_REQUIRED).
    const weak = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await mint()}`, 'x-purpose': 'identity-check' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    assert.equal(weak.status, 401);
    const refused = (await weak.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
    assert.deepEqual([refused.errors[0]?.extensions['code'], refused.errors[0]?.extensions['requiredAssurance']], ['STEP_UP_REQUIRED', 'substantial']);
    const expected = citizenAt(DEMO_POPULATION, DEMO_CASES['citizen-full'].citizen);
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'identity-check' },
      body: JSON.stringify({
        query: 'query($fin: ID!) { person(fin: $fin) { fin citizen { firstName lastName birthDate documents { number } } } }',
        variables: { fin },
      }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      data?: { person: { fin: string; citizen: { firstName: string; lastName: string; birthDate: string; documents: Array<{ number: string }> } } };
      errors?: unknown;
    };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const { citizen } = body.data!.person;
    assert.equal(body.data!.person.fin, fin);
    assert.deepEqual(
      { firstName: citizen.firstName, lastName: citizen.lastName, birthDate: citizen.birthDate },
      { firstName: expected.firstName, lastName: expected.lastName, birthDate: expected.birthDate },
    );
    assert.deepEqual(
      citizen.documents.map((d) => d.number).sort(),
      citizenDocuments(DEMO_POPULATION, expected.index)
        .map((d) => d.number)
        .sort(),
    );
  });

  it("prints the embedded database's address, with which npm run audit:verify checks the journal", async () => {
    const url = /^ {2}DATABASE_URL=(postgres:\/\/\S+) npm run audit:verify$/m.exec(output)?.[1];
    assert.ok(url, output.slice(-2000));
    const verified = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/dist/src/audit-verify.js')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, HUB_KEYS_DIR: keysDir },
    });
    assert.match(verified.stdout, /^audit journal: \d+ records, chain intact/m);
  });

  it('stops on SIGTERM with exit code 0, and every child process and port with it, without reporting the gateway as failed', async () => {
    launcher.kill('SIGTERM');
    assert.equal(await exited, 0, output.slice(-4000));
    assert.doesNotMatch(output, /gateway exited|stopped unexpectedly/);
    assert.ok(await eventually(() => children.every((pid) => !running(pid)), 15_000), `still running: ${children.filter(running).join(', ')}`);
    for (const p of [port, providerPort, ...subgraphPorts]) assert.equal(await listening(p), false, `port ${p} still answers`);
  });
});
