import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Handover } from './launched';

/** Starting and stopping the hub's processes: the entry points docker-compose runs, and npm start's host of the nine subgraphs. */
export const ROOT = resolve(__dirname, '../../..');

export const subgraphEntry = (name: string) => resolve(ROOT, 'subgraphs', name, 'dist/src/main.js');
export const gatewayEntry = () => resolve(ROOT, 'gateway/dist/src/main.js');
/** Development only: the nine subgraphs in one process (subgraph-host.ts). */
export const subgraphHostEntry = () => resolve(ROOT, 'scripts/dist/src/subgraph-host.js');
/** Development only: the gateway's entry, its modules loaded before the launcher hands over its environment (gateway-host.ts). */
export const gatewayHostEntry = () => resolve(ROOT, 'scripts/dist/src/gateway-host.js');

export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

export function startProcess(name: string, entry: string, env: NodeJS.ProcessEnv, output: 'inherit' | 'ignore' = 'inherit'): Child {
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env, stdio: ['ignore', output, output] });
  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));
  return { name, process: child, exited };
}

/** A child started before its environment is complete: it loads its modules meanwhile (launched.ts). */
export interface WaitingChild extends Child {
  /** Hands over the rest of its environment; the child goes on from there (once `after` is ready, when given). */
  go(handover: Handover): void;
  /** The first thing the child tells the launcher (tellLauncher); rejects if it exits first. */
  told: Promise<string>;
}

/** `output`: where the child's stdout and stderr go, the launcher's terminal or an open file. */
export function startWaiting(name: string, entry: string, env: NodeJS.ProcessEnv, output: 'inherit' | number = 'inherit'): WaitingChild {
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env, stdio: ['ignore', output, output, 'ipc'] });
  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));
  const told = new Promise<string>((resolvePromise, reject) => {
    child.once('message', (what: string) => resolvePromise(what));
    void exited.then((code) => reject(new Error(`${name} exited (${code})`)));
  });
  // Awaited only where the launcher needs it; an exit meanwhile must not count as unhandled.
  told.catch(() => undefined);
  return {
    name,
    process: child,
    exited,
    told,
    go(handover) {
      // The child disconnects once it has the message; one that already exited has nothing to be told.
      if (child.connected) child.send(handover);
    },
  };
}

export async function waitUntilReady(url: string, child: Child, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before it was ready`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${child.name} was not ready within ${timeoutMs / 1000} s`);
}

export async function stopAll(children: Child[]): Promise<void> {
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGTERM');
  await Promise.all(children.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, 10_000))])));
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
}
