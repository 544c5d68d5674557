import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPolicies, signDevelopmentToken } from '@hub/gateway';
import { DEMO_POPULATION, demoPeople } from '@hub/kit/synthetic';
import { Client } from 'pg';
import { describeRestore, restoreDrill, type RestoreDrillResult } from './audit-restore-drill';
import { describeResult, verifyJournal } from './audit-verify';
import { freeLoopbackPort, queryOne, ScratchCluster, waitFor, type PgServer } from './pg-cluster';
import { ROOT } from './processes';

/**
 * `npm run drill:failover` (decision 0015): a primary and a standby on loopback ports, the hub on
 * both (`npm start` with DATABASE_URL listing the two), a steady load of queries; then the link to
 * the standby stalls, the primary is killed with SIGKILL, the standby promoted, and the hub
 * follows. Every answer the hub acknowledged (a registration number and no AUDIT_UNAVAILABLE) must
 * have its journal row on the new primary, and the chain must verify across the failover.
 * Run with a synchronous standby (what the hub needs) and with an asynchronous one (what it
 * would lose), then a restore of the base backup and WAL archive.
 */
export interface DrillOptions {
  synchronous: boolean;
  /** Acknowledged answers before the link stalls, and after the first good answer following the kill. */
  before: number;
  after: number;
  /** Concurrent callers. */
  workers: number;
  restore: boolean;
  /** Seed the demo population (the full drill); without it the subgraphs answer from empty tables, and the hub starts sooner. */
  seed: boolean;
  log?: (line: string) => void;
}

export interface DrillResult {
  synchronous: boolean;
  acknowledged: number;
  /** Registration numbers acknowledged whose record is not on the new primary. */
  lost: string[];
  /** AUDIT_UNAVAILABLE answers: refused, no data. */
  refused: number;
  /** Acknowledged answers while the link to the standby was stalled. */
  acknowledgedWhileStalled: number;
  /** From the kill to the first answer with data and no error. */
  firstGoodAfterMs: number;
  /** The error codes of the answers asked between the kill and the first good answer, counted. */
  gap: Record<string, number>;
  /** /ready's journalDatabase before the kill and after the failover. */
  writesTo: { before: string | undefined; after: string | undefined };
  primaryPort: number;
  standbyPort: number;
  verified: string;
  intact: boolean;
  restore?: RestoreDrillResult;
}

const DATABASE = 'hub';
/** Each caller's pace: under requestsPerMinutePerSub (600), and ten callers under requestsPerMinutePerAgency (6,000). */
const REQUEST_INTERVAL_MS = 111;
/** At most this many callers, all of one agency. */
const MAX_WORKERS = 10;
const POPULATION = { ...DEMO_POPULATION, citizens: 20, foreigners: 10 };

interface Answer {
  /** When the request was sent and when its answer came, ms since the load began. */
  sent: number;
  at: number;
  registration: string | null;
  kind: 'good' | 'acknowledged' | 'refused' | 'no answer';
  /** The answer's error codes. */
  codes: string[];
}

/** Ports the launcher needs free: the gateway's and nine subgraphs' in a row. */
async function freeRun(length: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = Array.from({ length }, (_, i) => base + i);
    const free = await Promise.all(ports.map((port) => portIsFree(port)));
    if (free.every(Boolean)) return base;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

/**
 * The primary's walsender to the standby: stopping it stalls the link, as a slow or broken network
 * would. (Stopping the standby's walreceiver instead would not: what was sent waits in the
 * loopback socket's buffer and arrives after the primary is gone.)
 */
async function walSenderPid(primary: PgServer): Promise<number> {
  const row = await queryOne<{ pid: number | null } | undefined>(primary.url(), "SELECT pid FROM pg_stat_replication WHERE application_name = 'standby'");
  if (!row?.pid) throw new Error('the primary has no walsender to the standby');
  return row.pid;
}

async function readiness(port: number): Promise<{ journalDatabase?: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/ready`);
  return (await response.json()) as { journalDatabase?: string };
}

export async function runFailoverDrill(options: DrillOptions): Promise<DrillResult> {
  const log = options.log ?? (() => undefined);
  if (options.workers > MAX_WORKERS) throw new Error(`at most ${MAX_WORKERS} callers stay within the agency's quota`);
  const mode = options.synchronous ? 'synchronous' : 'asynchronous';
  const t0 = performance.now();
  const clock = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const cluster = ScratchCluster.create('hub-failover-');
  const hubLog = join(cluster.root, 'hub.log');
  let hub: ReturnType<typeof spawn> | null = null;
  let hubExited: Promise<unknown> = Promise.resolve();
  let out: number | null = null;
  try {
    const [primaryPort, standbyPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const primary = await cluster.primary('primary', primaryPort);
    await queryOne(primary.url(), `CREATE DATABASE ${DATABASE}`);
    const standby = await cluster.standby(primary, 'standby', standbyPort);
    if (options.synchronous) await primary.requireStandby('standby');
    log(`${mode}: primary on ${primaryPort}, standby on ${standbyPort} (${clock()})`);

    // The hub as `npm start` runs it, on both servers; its answers come only with a journal record.
    const base = await freeRun(10);
    const keysDir = join(cluster.root, 'keys');
    out = openSync(hubLog, 'a');
    hub = spawn(process.execPath, [resolve(ROOT, 'scripts/dist/src/start.js')], {
      cwd: ROOT,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/${DATABASE}`,
        PORT: String(base),
        SUBGRAPH_BASE_PORT: String(base + 1),
        HUB_KEYS_DIR: keysDir,
        HUB_SEED: options.seed ? 'demo' : 'none',
        HUB_SEED_CITIZENS: String(POPULATION.citizens),
        HUB_SEED_FOREIGNERS: String(POPULATION.foreigners),
        AUDIT_CHECKPOINT_DIR: join(cluster.root, 'checkpoints'),
        AUDIT_CHECKPOINT_INTERVAL_S: '1',
        // A subgraph whose database went away is tried again after 1 s, not the default 10 s.
        BREAKER_RESET_MS: '1000',
        LOG_LEVEL: 'warn',
      },
    });
    const child = hub;
    hubExited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
    await waitFor('the hub to be ready', async () => child.exitCode === null && (await fetch(`http://127.0.0.1:${base}/ready`)).ok, 180_000, 200);
    log(`${mode}: the hub is ready (${clock()})`);
    const backup = options.restore ? await cluster.baseBackup(primary, 'base-backup') : null;

    const policies = loadPolicies(resolve(ROOT, 'policies'), keysDir);
    // One officer per caller, each within the quotas of policies/limits.json: a steady load, not a flood.
    const tokens = await Promise.all(
      Array.from({ length: options.workers }, (_, i) =>
        signDevelopmentToken(keysDir, policies.identity, {
          agency: 'MIA',
          roles: ['officer'],
          assurance: 'substantial',
          sub: `drill-officer-${i + 1}`,
          ttlSeconds: 3600,
        }),
      ),
    );
    const fin = demoPeople(POPULATION).find((p) => p.case === 'citizen-full')!.fin;
    const body = JSON.stringify({ query: `{ person(fin: "${fin}") { citizen { firstName lastName } } }` });
    const answers: Answer[] = [];
    const started = performance.now();
    let running = true;
    const worker = async (token: string) => {
      // Paced: one request every REQUEST_INTERVAL_MS at most; one that took longer is not made up for with a burst.
      for (let due = performance.now(); running; due = Math.max(due + REQUEST_INTERVAL_MS, performance.now())) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolvePromise) => setTimeout(resolvePromise, wait));
        let answer: Answer;
        const sent = performance.now() - started;
        try {
          const response = await fetch(`http://127.0.0.1:${base}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'identity-check' },
            body,
          });
          const json = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
          const codes = (json.errors ?? []).map((e) => e.extensions?.code ?? 'none');
          const registration = response.headers.get('x-registration-number');
          const kind = codes.includes('AUDIT_UNAVAILABLE') ? 'refused' : response.status === 200 && codes.length === 0 ? 'good' : 'acknowledged';
          answer = { sent, at: performance.now() - started, registration, kind, codes };
        } catch {
          answer = { sent, at: performance.now() - started, registration: null, kind: 'no answer', codes: [] };
        }
        answers.push(answer);
      }
    };
    const acknowledged = (from = 0) => answers.slice(from).filter((a) => a.registration && (a.kind === 'good' || a.kind === 'acknowledged')).length;
    const workers = tokens.map(worker);

    await waitFor(`${options.before} acknowledged answers`, async () => acknowledged() >= options.before, 120_000);
    const before = (await readiness(base)).journalDatabase;
    log(`${mode}: ${acknowledged()} acknowledged (${clock()})`);

    // The link to the standby stalls: synchronous commits wait (and the journal refuses), asynchronous ones go on without it.
    const sender = await walSenderPid(primary);
    process.kill(sender, 'SIGSTOP');
    const stalledAt = performance.now() - started;
    await waitFor('answers asked while the link is stalled', async () => answers.filter((a) => a.sent > stalledAt).length >= options.workers, 30_000);
    // Asked after the link stalled: an answer already on its way before says nothing about it.
    const acknowledgedWhileStalled = answers.filter((a) => a.sent > stalledAt && a.registration && a.kind !== 'refused').length;
    log(`${mode}: stalled (${clock()})`);

    const killedAt = performance.now() - started;
    // The stopped walsender dies with the rest of the primary, its WAL unsent.
    primary.kill();
    await standby.promote();
    log(`${mode}: primary killed, standby promoted ${((performance.now() - started - killedAt) / 1000).toFixed(2)} s later`);
    // Asked after the kill: an answer whose record was written before it says nothing about the failover.
    const firstGood = () => answers.find((a) => a.sent > killedAt && a.kind === 'good');
    await waitFor('the first good answer after the kill', async () => firstGood() !== undefined, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; answers since: ${JSON.stringify(countCodes(answers.filter((a) => a.sent > killedAt)))}`);
    });
    const goodFrom = answers.indexOf(firstGood()!);
    await waitFor(`${options.after} acknowledged answers after the failover`, async () => acknowledged(goodFrom) >= options.after, 120_000);
    running = false;
    await Promise.all(workers);
    const after = (await readiness(base)).journalDatabase;
    log(`${mode}: load stopped (${clock()})`);

    // The hub stops (its last records and checkpoint written), then the new primary is checked.
    child.kill('SIGTERM');
    await hubExited;
    hub = null;
    log(`${mode}: hub stopped (${clock()})`);

    const newPrimary = standby.url(DATABASE);
    const registrations = answers.filter((a) => a.registration && (a.kind === 'good' || a.kind === 'acknowledged')).map((a) => a.registration!);
    const lost = await missingRecords(newPrimary, registrations);
    const jwks = JSON.parse(readFileSync(join(keysDir, 'gateway.jwks.json'), 'utf8'));
    const checkpointDir = join(cluster.root, 'checkpoints');
    const verification = await verifyJournal(newPrimary, { jwks, checkpointDir });
    const result: DrillResult = {
      synchronous: options.synchronous,
      acknowledged: registrations.length,
      lost,
      refused: answers.filter((a) => a.kind === 'refused').length,
      acknowledgedWhileStalled,
      firstGoodAfterMs: firstGood()!.at - killedAt,
      gap: countCodes(answers.filter((a) => a.sent > killedAt && a.sent < firstGood()!.sent)),
      writesTo: { before, after },
      primaryPort,
      standbyPort,
      verified: describeResult(verification),
      intact: verification.broken === null && (verification.checkpoints?.forged.length ?? 0) === 0,
    };
    log(`${mode}: checked (${clock()})`);
    if (backup) {
      result.restore = await restoreDrill({ backupDir: backup, archiveDir: cluster.archiveDir, liveUrl: newPrimary, database: DATABASE, jwks, checkpointDir });
    }
    return result;
  } catch (error) {
    const tail = readFileSync(hubLog, { encoding: 'utf8', flag: 'a+' }).split('\n').slice(-20).join('\n');
    throw new Error(`${(error as Error).message}\nlast lines of the hub's output:\n${tail}`, { cause: error });
  } finally {
    if (hub) {
      hub.kill('SIGTERM');
      await hubExited;
    }
    if (out !== null) closeSync(out);
    await cluster.remove();
  }
}

function countCodes(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) for (const code of answer.kind === 'no answer' ? ['no answer'] : answer.codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

/** The registration numbers that have no row in the journal. */
async function missingRecords(url: string, registrations: string[]): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ r: string }>(
      'SELECT r FROM unnest($1::text[]) AS r WHERE NOT EXISTS (SELECT 1 FROM audit.journal j WHERE j.registration_number = r)',
      [registrations],
    );
    return rows.map((row) => row.r);
  } finally {
    await client.end();
  }
}

export function describeDrill(result: DrillResult): string[] {
  const mode = result.synchronous ? 'synchronous standby' : 'asynchronous standby';
  const lines = [
    `${mode}: ${result.acknowledged} answers acknowledged (${result.acknowledgedWhileStalled} while the standby's link was stalled), ${result.refused} refused AUDIT_UNAVAILABLE, ${result.lost.length} acknowledged records missing on the new primary`,
    `${mode}: journal written to ${result.writesTo.before ?? '?'} before the kill, ${result.writesTo.after ?? '?'} after; first good answer ${(result.firstGoodAfterMs / 1000).toFixed(2)} s after the kill`,
    `${mode}: answers between the kill and the first good one: ${JSON.stringify(result.gap)}`,
    `${mode}: new primary: ${result.verified}`,
  ];
  if (result.restore) lines.push(describeRestore(result.restore));
  return lines;
}

export function summaryLine(result: DrillResult): string {
  return `acknowledged ${result.acknowledged}, lost ${result.lost.length}, first good answer after ${(result.firstGoodAfterMs / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { short: { type: 'boolean', default: false } } });
  const size = values.short ? { before: 50, after: 50, workers: 4, seed: false } : { before: 2_000, after: 2_000, workers: MAX_WORKERS, seed: true };
  const log = (line: string) => console.log(line);
  try {
    const asynchronous = await runFailoverDrill({ ...size, synchronous: false, restore: false, log });
    for (const line of describeDrill(asynchronous)) log(line);
    const synchronous = await runFailoverDrill({ ...size, synchronous: true, restore: true, log });
    for (const line of describeDrill(synchronous)) log(line);
    const ok = synchronous.lost.length === 0 && synchronous.intact && (synchronous.restore?.intact ?? false) && (synchronous.restore?.sameCheckpoint ?? false);
    console.log(summaryLine(synchronous));
    process.exitCode = ok ? 0 : 1;
  } catch (error) {
    console.error(`drill:failover: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}

if (require.main === module) void main();
