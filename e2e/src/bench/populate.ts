import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Client } from 'pg';
import type { SeedProgress } from '@hub/kit';
import type { PopulationOptions } from '@hub/kit/synthetic';
import type { TestDatabase } from '@hub/kit/testing';
import { ROOT } from './child';

/** The population of a scale run: foreigners one for fifty citizens (as the demo's proportion of visitors on record, roughly). */
export function scalePopulation(citizens: number): PopulationOptions {
  return { seed: 2012, citizens, foreigners: Math.min(1_000_000, Math.max(80, Math.round(citizens / 50))) };
}

/**
 * A population kept between benchmark runs: database `hub_scale_<citizens>` on the test server,
 * seeded by the subgraphs' own processes (HUB_SEED_CITIZENS, the path `npm start` takes). Their
 * seed markers make a second run keep a complete population and reload a partial one.
 */
export async function persistentDatabase(serverUrl: string, citizens: number): Promise<TestDatabase> {
  const name = `hub_scale_${citizens}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // Kept on purpose: the next run reuses it.
  return { url: url.toString(), real: true, drop: async () => undefined };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

interface SubgraphProcess {
  name: string;
  port: number;
  exited: Promise<number | null>;
  hasExited(): boolean;
  stop(): void;
}

export interface PopulatedSubgraphs {
  /** Subgraph name → its GraphQL URL. */
  urls: Map<string, string>;
  /** Seconds until every subgraph was ready: the whole load when it had to seed, the start alone when it kept its population. */
  seconds: number;
  /** Subgraph name → seconds until it was ready. */
  readyAfter: Map<string, number>;
  stop(): Promise<void>;
}

/**
 * The subgraphs, each in its own process over `url`, started as `npm start` starts them: those
 * with a seed load the population first (or keep a complete one). Progress is printed while they load.
 */
export async function startPopulated(
  url: string,
  population: PopulationOptions,
  keysDir: string,
  subgraphs: readonly string[],
  print: (line: string) => void,
): Promise<PopulatedSubgraphs> {
  const started = Date.now();
  const running: SubgraphProcess[] = [];
  const stop = async () => {
    for (const s of running) s.stop();
    await Promise.all(running.map((s) => s.exited));
  };
  for (const name of subgraphs) {
    const port = await freePort();
    const child = spawn(process.execPath, [resolve(ROOT, 'subgraphs', name, 'dist/src/main.js')], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        DATABASE_URL: url,
        HUB_KEYS_DIR: keysDir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        HUB_SEED: 'demo',
        DATABASE_POOL_SIZE: '4',
        HUB_SEED_NUMBER: String(population.seed),
        HUB_SEED_CITIZENS: String(population.citizens),
        HUB_SEED_FOREIGNERS: String(population.foreigners),
      },
    });
    running.push({
      name,
      port,
      exited: new Promise((r) => child.once('exit', (code) => r(code))),
      hasExited: () => child.exitCode !== null || child.signalCode !== null,
      stop: () => child.kill('SIGTERM'),
    });
  }
  const readyAfter = new Map<string, number>();
  try {
    const pending = new Set(running);
    let lastPrint = Date.now();
    while (pending.size > 0) {
      const lines: string[] = [];
      for (const s of [...pending]) {
        if (s.hasExited()) throw new Error(`${s.name} exited before it was ready`);
        const answer = await fetch(`http://127.0.0.1:${s.port}/ready`).then(
          async (r) => ({ ok: r.ok, body: (await r.json()) as { progress?: SeedProgress | null } }),
          () => null,
        );
        if (answer?.ok) {
          pending.delete(s);
          readyAfter.set(s.name, (Date.now() - started) / 1000);
        } else if (answer?.body.progress) lines.push(describe(s.name, answer.body.progress));
      }
      if (Date.now() - lastPrint >= 10_000 && lines.length > 0) {
        lastPrint = Date.now();
        print(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${lines.join('; ')}`);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls: new Map(running.map((s) => [s.name, `http://127.0.0.1:${s.port}/graphql`])), seconds: (Date.now() - started) / 1000, readyAfter, stop };
}

/** One line per subgraph, the first ready first: how long each took to load its schema (or to start, when it kept it). */
export function readyTimes(subgraphs: PopulatedSubgraphs): string[] {
  return [...subgraphs.readyAfter].sort((a, b) => a[1] - b[1]).map(([name, seconds]) => `  ${name.padEnd(18)} ready after ${seconds.toFixed(0)} s`);
}

export function describe(name: string, p: SeedProgress): string {
  if (p.phase !== 'loading') return `${name} ${p.phase} ${p.indexes}/${p.ofIndexes}`;
  const eta = p.etaSeconds === null ? '' : `, ${p.etaSeconds} s left`;
  return `${name} ${Math.floor((100 * p.steps) / Math.max(1, p.ofSteps))}% ${Math.round(p.rowsPerSecond / 1000)}k rows/s${eta}`;
}
