import { sendJson } from '@hub/kit';
import type { AuditJournal } from '../journal/writer';
import type { GatewayMetrics } from '../monitoring/metrics';
import type { QuotaCounting } from '../policy/quotas';
import type { UiRoute } from './pages';

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

export interface ProbeSources {
  /** The subgraphs of the set in force: a reload that adds or drops one changes what /ready probes. */
  subgraphs: () => ReadonlyArray<{ name: string; url: string }>;
  journal: AuditJournal;
  subgraphTimeoutMs: number;
  quotaCounting: () => QuotaCounting;
  /** The SHA-256 of the policy set in force (policy/policy-set.ts; null for a gateway assembled from parts in tests) and when a reload was last refused. */
  policySet: () => { sha256: string | null; lastRefusal: Date | null };
  metrics: GatewayMetrics;
  stopping: () => boolean;
}

/**
 * /health, /ready and /metrics: probes and scrapes read nothing of anyone's and are answered
 * however busy the replica is, so they stand outside the pipelines.
 */
export function probeRoutes(p: ProbeSources): Array<[string, UiRoute]> {
  return [
    ['/health', async (_req, res) => sendJson(res, 200, { status: 'ok' })],
    [
      '/ready',
      async (_req, res) => {
        if (p.stopping()) return sendJson(res, 503, { status: 'stopping' });
        const report = await checkReadiness(p.subgraphs(), p.journal, Math.min(READINESS_TIMEOUT_MS, p.subgraphTimeoutMs));
        // Local quota counting is not "not ready": the hub still serves, each replica counting alone.
        const { sha256, lastRefusal } = p.policySet();
        sendJson(res, report.status === 'ready' ? 200 : 503, {
          ...report,
          quotas: p.quotaCounting(),
          ...(sha256 ? { policySet: sha256 } : {}),
          ...(lastRefusal ? { policySetLastRefusal: lastRefusal.toISOString() } : {}),
        });
      },
    ],
    [
      '/metrics',
      async (_req, res) => {
        const text = await p.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': p.metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
    ],
  ];
}
