import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from './child';
import { commandLine, processTree, rssBytes } from './proc';

/**
 * `npm run bench:start`: the embedded default as someone with a fresh clone meets it. Starts the
 * hub with `npm start`'s launcher (scripts/dist/src/start.js, no DATABASE_URL: PGlite) on a new
 * data folder and new keys, waits for the gateway's /ready, and prints the time to ready and the
 * RSS summed over the launcher's process tree; stops it and does the same again on that folder
 * (the second start). Nothing of the repository's own .data or .keys is touched.
 */
const READY_TIMEOUT_MS = 300_000;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

/** Ten consecutive free ports (nine subgraphs and the gateway): the shared machine's 4000–4009 may be taken. */
async function freePortRange(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = Array.from({ length: 10 }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
  throw new Error('no ten consecutive free ports found');
}

interface Started {
  readyMs: number;
  processes: Array<{ pid: number; role: string; rss: number }>;
}

function roleOf(pid: number, launcher: number): string {
  if (pid === launcher) return 'launcher + embedded PostgreSQL (PGlite)';
  const command = commandLine(pid);
  const subgraph = /subgraphs\/([^/]+)\/dist\/src\/main\.js/.exec(command);
  if (subgraph) return `subgraph ${subgraph[1]}`;
  if (command.includes('gateway/dist/src/main.js')) return 'gateway';
  return command.slice(0, 60);
}

async function startOnce(label: string, env: NodeJS.ProcessEnv, port: number, logPath: string): Promise<Started> {
  const log = createWriteStream(logPath, { flags: 'a' });
  await new Promise((r) => log.once('open', r));
  const begun = performance.now();
  // Its own process group: whatever the launcher leaves behind can be stopped with it.
  const launcher = spawn(process.execPath, [resolve(ROOT, 'scripts/dist/src/start.js')], { cwd: ROOT, env, detached: true, stdio: ['ignore', log, log] });
  const exited = new Promise<number | null>((r) => launcher.once('exit', (code) => r(code)));
  try {
    for (;;) {
      if (launcher.exitCode !== null) throw new Error(`the hub exited (${launcher.exitCode}) before it was ready; its output: ${logPath}`);
      if (performance.now() - begun > READY_TIMEOUT_MS) throw new Error(`the hub was not ready within ${READY_TIMEOUT_MS / 1000} s; its output: ${logPath}`);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const readyMs = performance.now() - begun;
    const processes = processTree(launcher.pid!).map((pid) => ({ pid, role: roleOf(pid, launcher.pid!), rss: rssBytes(pid) }));
    process.stderr.write(`  ${label}: ready after ${(readyMs / 1000).toFixed(1)} s\n`);
    return { readyMs, processes };
  } finally {
    // The launcher stops its children and the embedded database on SIGTERM; the group is the backstop.
    launcher.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
    if (!stopped) process.kill(-launcher.pid!, 'SIGKILL');
    try {
      process.kill(-launcher.pid!, 'SIGTERM');
    } catch {
      // the group is already gone
    }
    log.end();
  }
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'hub-bench-start-'));
  const base = await freePortRange();
  const port = base + 9;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGLITE_DATA_DIR: join(workDir, 'pglite'),
    HUB_KEYS_DIR: join(workDir, 'keys'),
    SUBGRAPH_BASE_PORT: String(base),
    PORT: String(port),
  };
  delete env['DATABASE_URL'];
  delete env['AUDIT_DATABASE_URL'];
  const logPath = join(workDir, 'hub.log');
  process.stderr.write(`starting the hub as npm start does, on the embedded PostgreSQL in ${env['PGLITE_DATA_DIR']} (output: ${logPath}) …\n`);
  const first = await startOnce('first start (new data folder, demo data seeded)', env, port, logPath);
  const second = await startOnce('second start (same data folder)', env, port, logPath);

  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`.padStart(8);
  const total = (s: Started) => s.processes.reduce((sum, p) => sum + p.rss, 0);
  console.log('\nthe embedded default (npm start without DATABASE_URL), RSS read from /proc once /ready answers\n');
  console.log(`${'start'.padEnd(8)}  ${'to /ready'.padStart(9)}  ${'processes'.padStart(9)}  ${'RSS sum'.padStart(8)}`);
  for (const [label, s] of [['first', first], ['second', second]] as const) {
    console.log(`${label.padEnd(8)}  ${`${(s.readyMs / 1000).toFixed(1)} s`.padStart(9)}  ${String(s.processes.length).padStart(9)}  ${mb(total(s))}`);
  }
  const roles = [...new Set([...first.processes, ...second.processes].map((p) => p.role))];
  const rssOf = (s: Started, role: string) => s.processes.filter((p) => p.role === role).reduce((sum, p) => sum + p.rss, 0);
  console.log(`\n${'process'.padEnd(40)}  ${'first'.padStart(8)}  ${'second'.padStart(8)}`);
  for (const role of roles) console.log(`${role.padEnd(40)}  ${mb(rssOf(first, role))}  ${mb(rssOf(second, role))}`);
  const tail = readFileSync(logPath, 'utf8').split('\n').filter((line) => /error|warn/i.test(line)).slice(-5);
  if (tail.length > 0) console.log(`\nwarnings in the hub's output (${logPath}):\n${tail.join('\n')}`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
