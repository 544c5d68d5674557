import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from './child';
import { commandLine, cpuMs, processTree, rssBytes } from './proc';

/**
 * `npm run bench:start`: the embedded default as someone with a fresh clone meets it. Starts the
 * hub with `npm start`'s launcher (scripts/dist/src/start.js, no DATABASE_URL: PGlite) on a new
 * data folder and new keys, waits for the gateway's /ready, and prints the time to ready from
 * the launcher's process start, the CPU time all its processes used until then (the steadier
 * figure on a shared machine), the RSS summed over its process tree and where the time went
 * (the launcher's own timeline and the processes' start-up log lines); stops it and does the
 * same again on that folder (the second start). `npm start`'s prestart (tsc -b, the UI bundle)
 * is not counted: this script runs the same steps once before it measures. Nothing of the
 * repository's own .data or .keys is touched.
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
  processes: Array<{ pid: number; role: string; rss: number; cpuMs: number }>;
  /** Seconds since the launcher started, per phase. */
  phases: Map<string, number>;
}

function roleOf(pid: number, launcher: number): string {
  if (pid === launcher) return 'launcher + embedded PostgreSQL (PGlite)';
  const command = commandLine(pid);
  if (command.includes('scripts/dist/src/subgraph-host.js')) return 'the nine subgraphs (one host process)';
  if (command.includes('scripts/dist/src/gateway-host.js')) return 'gateway';
  return command.slice(0, 60);
}

/** A pino line of the hub's output: which process, what, when (epoch ms), and a duration where it has one. */
interface LogLine {
  name?: string;
  msg?: string;
  time?: number;
  ms?: number;
}

/**
 * Where the time went, from the hub's output of one start: the launcher's timeline (its line
 * "Ready after …") and the log lines the subgraphs and the gateway write as they come up.
 */
function phasesOf(output: string, spawnedAt: number): Map<string, number> {
  const phases = new Map<string, number>();
  const at = (label: string, epochMs: number) => phases.set(label, Math.max(phases.get(label) ?? 0, (epochMs - spawnedAt) / 1000));
  const ready = /^Ready after ([\d.]+) s \((.*); seconds since/m.exec(output);
  if (ready) {
    for (const [, what, seconds] of ready[2]!.matchAll(/([^,]+?) at ([\d.]+) s/g)) phases.set(what!.trim(), Number(seconds));
    phases.set('ready (the launcher saw it)', Number(ready[1]));
  }
  let slowestSeed = 0;
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue;
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      continue;
    }
    if (line.time === undefined) continue;
    if (line.msg === 'subgraph listening') at('last subgraph listening', line.time);
    if (line.msg === 'seeded demo data' && line.ms !== undefined) slowestSeed = Math.max(slowestSeed, line.ms / 1000);
    if (line.msg === 'warmed up' && line.ms !== undefined) phases.set('gateway warm-up (duration)', line.ms / 1000);
    if (line.msg === 'gateway listening') at('gateway listening', line.time);
  }
  if (slowestSeed > 0) phases.set('slowest subgraph seed (duration)', slowestSeed);
  return phases;
}

async function startOnce(label: string, env: NodeJS.ProcessEnv, port: number, logPath: string): Promise<Started> {
  const log = createWriteStream(logPath, { flags: 'a' });
  await new Promise((r) => log.once('open', r));
  // Both starts write to one file: this start's output is what follows its current end.
  const offset = statSync(logPath).size;
  const begun = performance.now();
  const spawnedAt = Date.now();
  // Its own process group: whatever the launcher leaves behind can be stopped with it.
  const launcher = spawn(process.execPath, [resolve(ROOT, 'scripts/dist/src/start.js')], { cwd: ROOT, env, detached: true, stdio: ['ignore', log, log] });
  const exited = new Promise<number | null>((r) => launcher.once('exit', (code) => r(code)));
  const output = () => readFileSync(logPath).subarray(offset).toString('utf8');
  try {
    for (;;) {
      if (launcher.exitCode !== null) throw new Error(`the hub exited (${launcher.exitCode}) before it was ready; its output: ${logPath}`);
      if (performance.now() - begun > READY_TIMEOUT_MS) throw new Error(`the hub was not ready within ${READY_TIMEOUT_MS / 1000} s; its output: ${logPath}`);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const readyMs = performance.now() - begun;
    const tree = processTree(launcher.pid!);
    const cpu = cpuMs(tree);
    const processes = tree.map((pid) => ({ pid, role: roleOf(pid, launcher.pid!), rss: rssBytes(pid), cpuMs: cpu.get(pid) ?? 0 }));
    // The launcher prints its timeline once it has seen /ready itself, a moment later.
    const deadline = performance.now() + 10_000;
    while (!output().includes('Ready after') && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    process.stderr.write(`  ${label}: ready after ${(readyMs / 1000).toFixed(1)} s\n`);
    return { readyMs, processes, phases: phasesOf(output(), spawnedAt) };
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
  const cpuSeconds = (processes: Started['processes']) => `${(processes.reduce((sum, p) => sum + p.cpuMs, 0) / 1000).toFixed(1)} s`;
  console.log("\nthe embedded default (npm start without DATABASE_URL), from the launcher's process start; CPU and RSS read from /proc once /ready answers\n");
  console.log(`${'start'.padEnd(8)}  ${'to /ready'.padStart(9)}  ${'CPU used'.padStart(9)}  ${'processes'.padStart(9)}  ${'RSS sum'.padStart(8)}`);
  for (const [label, s] of [
    ['first', first],
    ['second', second],
  ] as const) {
    console.log(
      `${label.padEnd(8)}  ${`${(s.readyMs / 1000).toFixed(1)} s`.padStart(9)}  ${cpuSeconds(s.processes).padStart(9)}  ${String(s.processes.length).padStart(9)}  ${mb(total(s))}`,
    );
  }
  const seconds = (s: Started, phase: string) => (s.phases.has(phase) ? `${s.phases.get(phase)!.toFixed(1)} s` : '–').padStart(8);
  const phases = [...new Set([...first.phases.keys(), ...second.phases.keys()])];
  console.log(`\n${'phase (at: seconds since the launcher started)'.padEnd(50)}  ${'first'.padStart(8)}  ${'second'.padStart(8)}`);
  for (const phase of phases) console.log(`${phase.padEnd(50)}  ${seconds(first, phase)}  ${seconds(second, phase)}`);
  const roles = [...new Set([...first.processes, ...second.processes].map((p) => p.role))];
  const of = (s: Started, role: string) => s.processes.filter((p) => p.role === role);
  const rssOf = (s: Started, role: string) => of(s, role).reduce((sum, p) => sum + p.rss, 0);
  console.log(`\n${'process'.padEnd(42)}  ${'RSS first'.padStart(9)}  ${'second'.padStart(8)}  ${'CPU first'.padStart(9)}  ${'second'.padStart(8)}`);
  for (const role of roles) {
    console.log(
      `${role.padEnd(42)}  ${mb(rssOf(first, role)).padStart(9)}  ${mb(rssOf(second, role))}  ${cpuSeconds(of(first, role)).padStart(9)}  ${cpuSeconds(of(second, role)).padStart(8)}`,
    );
  }
  const tail = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((line) => /error|warn/i.test(line))
    .slice(-5);
  if (tail.length > 0) console.log(`\nwarnings in the hub's output (${logPath}):\n${tail.join('\n')}`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
