import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';

export interface OpenLoopOptions {
  url: string;
  headers: Record<string, string>;
  rate: number;
  durationS: number;
  body: (i: number) => string;
}

export interface OpenLoopResult {
  p50: number;
  p99: number;
  failures: number;
  rps: number;
}

/**
 * Load at a fixed rate, open loop: request i is due at start + i / rate whatever became of the
 * earlier ones, and its latency runs from when it was due. autocannon's `overallRate` sends each
 * second's quota as fast as its connections allow and times from the send, so a fixed-rate
 * figure from it measures bursts and hides the queue a slow answer builds (coordinated omission).
 */
export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const origin = new URL(options.url);
  // Enough sockets that a late answer never delays a due request; a wait for one still counts.
  const pool = new Pool(origin.origin, { connections: Math.max(16, Math.ceil(options.rate / 4)) });
  const total = Math.round(options.rate * options.durationS);
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  let failures = 0;
  const send = async (i: number, due: number): Promise<void> => {
    try {
      const { statusCode, body } = await pool.request({ path: origin.pathname, method: 'POST', headers: options.headers, body: options.body(i) });
      const answer = (await body.json()) as { errors?: unknown };
      if (statusCode !== 200 || answer.errors !== undefined) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - due);
  };
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await delay(wait);
      inFlight.push(send(i, due));
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  const elapsed = (performance.now() - start) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), failures, rps: latencies.length / elapsed };
}
