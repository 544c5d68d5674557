import { mkdirSync, openSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { SUBGRAPHS, type Environment, type SeedProgress } from '@hub/kit';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@hub/kit/dev/embedded-postgres';
import { DEMO_POPULATION, demoPeople } from '@hub/kit/synthetic';
import { launcherConfig } from './config';
import { gatewayHostEntry, ROOT, startWaiting, stopAll, subgraphHostEntry, waitUntilReady, type Child } from './processes';
import { startDemoSignIn, type DemoSignIn } from './dev/demo-sign-in';

/** How long a subgraph may show no progress (or no answer) before the launcher gives up on it. */
const STALL_MS = 120_000;

/**
 * A subgraph loading a large population answers /ready with 503 and its progress: the launcher
 * waits as long as that progress moves, printing it now and then, instead of a fixed limit.
 */
async function waitWhileSeeding(name: string, url: string, child: Child): Promise<void> {
  let last = '';
  let movedAt = Date.now();
  let printedAt = 0;
  while (Date.now() - movedAt < STALL_MS) {
    try {
      await waitUntilReady(url, child, 2_000);
      return;
    } catch (error) {
      if (child.process.exitCode !== null) throw error;
    }
    const body = await fetch(url).then(
      (r) => r.json() as Promise<{ progress?: SeedProgress | null }>,
      () => null,
    );
    const progress = body?.progress;
    if (!progress) continue;
    const now = JSON.stringify([progress.phase, progress.steps, progress.indexes]);
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    }
    if (Date.now() - printedAt >= 10_000) {
      printedAt = Date.now();
      const eta = progress.phase === 'loading' && progress.etaSeconds !== null ? `, about ${progress.etaSeconds} s left` : '';
      const done =
        progress.phase === 'loading'
          ? `${progress.steps}/${progress.ofSteps} steps, ${progress.rowsPerSecond} rows/s`
          : `${progress.indexes}/${progress.ofIndexes} indexes`;
      console.log(`${name}: seeding (${progress.phase}) ${done}${eta}`);
    }
  }
  throw new Error(`${name} showed no progress for ${STALL_MS / 1000} s`);
}

/** Seconds since this process started, which is where `npm start`'s own time to ready begins. */
const sinceStart = () => (performance.now() / 1000).toFixed(1);

/**
 * `npm start`: the whole hub on one machine with demo data. Without DATABASE_URL it runs on
 * an embedded PostgreSQL (PGlite, data kept in .data/pglite); with it, on that server. The nine
 * subgraphs share one process (subgraph-host.ts: each on its own port, schema and audience) and
 * the gateway runs in another; docker-compose runs each subgraph's own main.js instead. Both
 * processes start with the database and load their modules while it comes up; each goes on
 * when the launcher hands over the rest of its environment.
 */
async function main(env: Environment): Promise<void> {
  const children: Child[] = [];
  let embedded: EmbeddedPostgres | null = null;
  let signIn: DemoSignIn | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    stopping = true;
    await stopAll(children);
    await signIn?.provider.stop();
    await embedded?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  try {
    const config = launcherConfig(env);
    const early = { ...env, HUB_KEYS_DIR: config.keysDir };
    // The processes log JSON lines for machines; the terminal keeps the launcher's lines for people.
    mkdirSync(dirname(config.logFile), { recursive: true });
    const log = openSync(config.logFile, 'a');
    const logName = relative(process.cwd(), config.logFile) || config.logFile;
    console.log(`Starting the hub; the processes' logs go to ${logName}.`);
    const subgraphs = startWaiting('subgraphs', subgraphHostEntry(), early, log);
    const gateway = startWaiting('gateway', gatewayHostEntry(), early, log);
    children.push(subgraphs, gateway);
    let database: Promise<string>;
    if (config.databaseUrl) database = Promise.resolve(config.databaseUrl);
    else {
      mkdirSync(config.pgliteDataDir, { recursive: true });
      console.log(`No DATABASE_URL: starting the embedded PostgreSQL (PGlite) in ${config.pgliteDataDir} …`);
      database = startEmbeddedPostgres({ dataDir: config.pgliteDataDir, maxConnections: 200 }).then((started) => {
        embedded = started;
        return started.url;
      });
      // Awaited below; a failure meanwhile must not count as unhandled.
      database.catch(() => undefined);
    }
    const databaseUrl = await database;
    const marks = [`database up at ${sinceStart()} s`];
    // The gateway's process makes the development keys the subgraphs need (gateway-host.ts).
    await gateway.told;
    const common = { DATABASE_URL: databaseUrl, HUB_SEED: config.seed, DATABASE_POOL_SIZE: String(config.poolSize) };
    // SUBGRAPH_BASE_PORT moves the nine subgraphs off 4001–4009 when those are taken; the
    // gateway is then told their URLs, as docker-compose tells it the services' names.
    const ports = SUBGRAPHS.map((s, i) => ({ name: s.name, port: config.subgraphBasePort + i }));
    const urlOverrides: Record<string, string> = {};
    for (const { name, port } of ports) urlOverrides[`SUBGRAPH_URL_${name.toUpperCase().replace(/-/g, '_')}`] = `http://127.0.0.1:${port}/graphql`;
    subgraphs.go({ env: { ...common, SUBGRAPH_BASE_PORT: String(config.subgraphBasePort) } });
    // The gateway's journal lives in the audit subgraph's schema: the gateway goes on once that
    // is migrated (it asks itself: this thread is busy running the database), while the other
    // subgraphs still seed.
    const readyUrls = ports.map(({ port }) => `http://127.0.0.1:${port}/ready`);
    const audit = SUBGRAPHS.findIndex((s) => s.name === 'audit');
    const port = config.gatewayPort;
    // People sign in through the demo provider, in ASAN Login's place, in this process: the gateway's never loads it.
    signIn = await startDemoSignIn({
      policiesDir: config.policiesDir,
      keysDir: config.keysDir,
      publicUrl: config.publicUrl,
      port: config.demoProviderPort,
      workDir: dirname(config.logFile),
    });
    // The demo, and only the demo, runs the gateway in development: token minting for machine
    // clients and the demo persons, on the loopback interface unless HOST says otherwise.
    console.log('Starting the gateway in DEVELOPMENT mode (HUB_MODE=development): a demo, not a deployment.');
    gateway.go({
      env: {
        ...common,
        ...urlOverrides,
        HUB_MODE: 'development',
        HOST: env['HOST'] ?? '127.0.0.1',
        PORT: String(port),
        HUB_PUBLIC_URL: config.publicUrl,
        POLICIES_DIR: signIn.policiesDir,
        SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql'),
      },
      after: readyUrls[audit]!,
    });
    // A long seed keeps the launcher waiting while its progress moves, not for a fixed time.
    const ready = ports.map(({ name }, i) => waitWhileSeeding(name, readyUrls[i]!, subgraphs));
    const allReady = Promise.all(ready);
    await Promise.race([ready[audit], allReady]);
    marks.push(`audit subgraph ready at ${sinceStart()} s`);
    await allReady;
    marks.push(`all subgraphs ready at ${sinceStart()} s`);
    await waitUntilReady(`http://127.0.0.1:${port}/ready`, gateway);
    // Ctrl-C stops the gateway too: only an exit nobody asked for is news.
    void gateway.exited.then((code) => {
      if (stopping) return;
      console.error(`The gateway stopped unexpectedly (exit code ${code}): see ${logName}.`);
      void stop(1);
    });

    console.log(`Ready after ${sinceStart()} s (${marks.join(', ')}; seconds since the launcher started).`);
    const base = config.publicUrl.replace(/\/$/, '');
    console.log(`
The hub is up. Its pages, in Azerbaijani (English on a switch):
  ${base}/playground  officers: sign in, state the purpose, query the registers
  ${base}/audit       auditors: the query history, filtered, charted, exported as CSV
  ${base}/me          citizens: their own data, who used it and why, their consents
People sign in through the demo provider in ASAN Login's place (${signIn.provider.issuer}): its page
lists demo officers, an auditor and citizens, each at two levels of assurance.
The API: POST ${base}/graphql (a browser opening it is sent to the playground).

A machine client's token, and a question:
  TOKEN=$(npm run --silent token -- --agency MIA --role officer)
  curl -s ${base}/graphql -H "authorization: Bearer $TOKEN" -H 'x-purpose: identity-check' \\
    -H 'content-type: application/json' -d '{"query":"{ person(fin: \\"${demoPeople(DEMO_POPULATION)[0]!.fin}\\") { citizen { firstName lastName } } }"}'

Demo persons (npm run --silent demo:people):
${demoPeople(DEMO_POPULATION)
  .map((p) => `  ${p.case.padEnd(18)} ${p.fin}`)
  .join('\n')}
${
  config.databaseUrl
    ? ''
    : `
The embedded database, while the hub runs (for npm run audit:verify and psql):
  DATABASE_URL=${databaseUrl} npm run audit:verify
`
}
Logs: ${logName}. Ctrl-C stops everything.`);
  } catch (error) {
    console.error(`cannot start the hub: ${(error as Error).message}`);
    await stop(1);
  }
}

void main(process.env);
