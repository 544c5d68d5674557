import type { AuditJournal } from '../journal/writer';

/**
 * Readiness (R14): the gateway serves only when it can audit, and tells an operator or a load
 * balancer which of its dependencies is missing. Every check is bounded by a short timeout, so
 * a dependency that hangs makes the answer "not ready", never a probe that hangs.
 */
export type SubgraphReadiness = 'ready' | 'not ready' | 'unreachable';

export interface ReadinessReport {
  status: 'ready' | 'not ready' | 'stopping';
  auditJournal: 'writable' | 'unreachable';
  /** The database server the journal is written to (address:port); after a failover, the new primary. */
  journalDatabase?: string;
  subgraphs: Record<string, SubgraphReadiness>;
}

/** A probe waits at most this long for any one dependency. */
export const READINESS_TIMEOUT_MS = 2_000;

async function subgraphReadiness(graphqlUrl: string, timeoutMs: number): Promise<SubgraphReadiness> {
  try {
    // Each subgraph serves /ready next to /graphql and checks its own database there.
    const response = await fetch(new URL('ready', graphqlUrl), { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok ? 'ready' : 'not ready';
  } catch {
    return 'unreachable';
  }
}

async function journalWritable(journal: AuditJournal, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([journal.ping(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(
  subgraphs: ReadonlyArray<{ name: string; url: string }>,
  journal: AuditJournal,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const [writable, states] = await Promise.all([
    journalWritable(journal, timeoutMs),
    Promise.all(subgraphs.map(async ({ name, url }) => [name, await subgraphReadiness(url, timeoutMs)] as const)),
  ]);
  const ready = writable && states.every(([, state]) => state === 'ready');
  const server = writable ? journal.writesTo?.() : null;
  return {
    status: ready ? 'ready' : 'not ready',
    auditJournal: writable ? 'writable' : 'unreachable',
    ...(server ? { journalDatabase: server } : {}),
    subgraphs: Object.fromEntries([...states].sort(([a], [b]) => a.localeCompare(b))),
  };
}
