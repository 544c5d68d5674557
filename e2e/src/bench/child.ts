import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The benchmark runs every server it loads (gateways, the plain-`pg` floor) as a child process
 * of its own, so /proc can tell their CPU apart. A child reads its settings from BENCH_CONFIG,
 * tells the parent its URL over IPC once it listens, and exits on SIGTERM.
 */
export const ROOT = resolve(__dirname, '../../../..');

export interface BenchChild {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

export function childConfig<T>(): T {
  const raw = process.env['BENCH_CONFIG'];
  if (!raw) throw new Error('BENCH_CONFIG is not set: this entry is started by the benchmark');
  return JSON.parse(raw) as T;
}

/** In the child: report the URL and stop cleanly on SIGTERM (so a --cpu-prof profile is written). */
export function serve(url: string, stop: () => Promise<void>): void {
  process.send?.({ url });
  process.once('SIGTERM', () => {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`stopping: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  });
}

export function runChild(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error((error as Error).stack ?? String(error));
    process.exit(1);
  });
}

/**
 * In the parent: starts `entry` (a compiled file next to this one) and waits for its URL.
 * `logFile` takes the child's stdout (a gateway's log, as a log collector would), not the table's.
 */
export async function startChild(name: string, entry: string, config: unknown, nodeOptions: string[] = [], logFile?: string): Promise<BenchChild> {
  const stdout = logFile ? openSync(logFile, 'a') : 'inherit';
  const child = spawn(process.execPath, [...nodeOptions, resolve(__dirname, entry)], {
    cwd: ROOT,
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
  });
  if (typeof stdout === 'number') closeSync(stdout);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once('message', (message: { url?: string }) => (message.url ? resolveUrl(message.url) : reject(new Error(`${name}: unexpected message`))));
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before it listened`)));
  });
  return {
    pid: child.pid!,
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
