import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JournalEntry } from '@hub/audit';
import type { AuditJournal } from '../journal/writer';
import type { QuotaCounting } from '../policy/quotas';
import type { CacheStats } from '../pipeline/document-cache';

/**
 * The gateway's Prometheus metrics (R14), in a registry of its own per gateway. Labels carry
 * only agency codes, operation types, decisions, error codes and subgraph names: never a
 * person, a key, a token or query text, so monitoring cannot leak what the journal guards.
 */
export const UNAUTHENTICATED_AGENCY = 'unauthenticated';

/** Why a call to a subgraph produced nothing. */
export type SubgraphFailure = 'timeout' | 'unreachable' | 'bad_response' | 'circuit_open';

export type CircuitState = 'closed' | 'open' | 'half_open';
const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

// An error code is a label value only when it looks like one; a subgraph cannot put words in it.
const ERROR_CODE = /^[A-Z][A-Z_]{0,39}$/;
const codeLabel = (code: string) => (ERROR_CODE.test(code) ? code : 'OTHER');

/** How a request ended, as the metrics and its trace (tracing.ts) both name it: the same words in each. */
export function requestOutcome(entry: JournalEntry, auditUnavailable: boolean): { agency: string; decision: string; code: string } {
  const main = auditUnavailable ? 'AUDIT_UNAVAILABLE' : (entry.reason ?? entry.errorCodes[0] ?? 'none');
  return {
    agency: entry.agency ?? UNAUTHENTICATED_AGENCY,
    decision: auditUnavailable ? 'refused' : entry.decision,
    code: main === 'none' ? main : codeLabel(main),
  };
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'event' | 'agency' | 'operation_type' | 'decision' | 'code'>;
  private readonly responseErrors: Counter<'agency' | 'code'>;
  private readonly requestDuration: Histogram<'event'>;
  private readonly quotaRefusals: Counter<'agency'>;
  private readonly subgraphDuration: Histogram<'subgraph' | 'outcome'>;
  private readonly subgraphFailures: Counter<'subgraph' | 'reason'>;
  private readonly circuit: Gauge<'subgraph' | 'state'>;
  private readonly journalWrites: Histogram<'outcome'>;
  private readonly journalRefusals: Counter<'reason'>;
  private readonly policySet: Gauge<'sha256'>;
  private readonly policySetRefusal: Gauge;

  constructor(journal: AuditJournal, quotaCounting: () => QuotaCounting) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'hub_requests_total',
      help: 'Requests answered, by event (query, sign-in, sign-out), agency, operation type, decision and main error code (none when there was no error).',
      labelNames: ['event', 'agency', 'operation_type', 'decision', 'code'],
      registers,
    });
    this.responseErrors = new Counter({
      name: 'hub_response_errors_total',
      help: 'Error codes in answers: each distinct code of a response counted once.',
      labelNames: ['agency', 'code'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'hub_request_duration_seconds',
      help: 'Time from receiving a request to answering it, the audit record included.',
      labelNames: ['event'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.quotaRefusals = new Counter({
      name: 'hub_quota_refusals_total',
      help: 'Requests refused with RATE_LIMITED, by agency.',
      labelNames: ['agency'],
      registers,
    });
    this.subgraphDuration = new Histogram({
      name: 'hub_subgraph_request_duration_seconds',
      help: 'Calls from the gateway to a subgraph, by outcome (ok or failed); calls refused by an open circuit are not made and not timed.',
      labelNames: ['subgraph', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.subgraphFailures = new Counter({
      name: 'hub_subgraph_failures_total',
      help: 'Subgraph calls that produced nothing: timeout, unreachable, bad_response (5xx or unreadable) or circuit_open (not attempted).',
      labelNames: ['subgraph', 'reason'],
      registers,
    });
    this.circuit = new Gauge({
      name: 'hub_subgraph_circuit_state',
      help: 'Circuit breaker state per subgraph: 1 for the current state (closed, open, half_open), 0 for the others.',
      labelNames: ['subgraph', 'state'],
      registers,
    });
    this.journalWrites = new Histogram({
      name: 'hub_audit_journal_write_duration_seconds',
      help: 'Time a request waits for its audit record to be durable (group commit included), by outcome (written or failed).',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.journalRefusals = new Counter({
      name: 'hub_audit_journal_refusals_total',
      help: 'Answers refused with AUDIT_UNAVAILABLE, by reason: queue_full (the queue is at its bound), unwritable (the database failed or did not answer in time).',
      labelNames: ['reason'],
      registers,
    });
    this.policySet = new Gauge({
      name: 'hub_policy_set_info',
      help: 'The policy set in force (policies and supergraph), by its SHA-256: 1 for that set.',
      labelNames: ['sha256'],
      registers,
    });
    this.policySetRefusal = new Gauge({
      name: 'hub_policy_set_last_refusal_timestamp_seconds',
      help: 'When a policy set offered at reload was last refused (invalid, unsigned or altered), in seconds since the epoch; absent until one is.',
      registers,
    });
    new Gauge({
      name: 'hub_quota_counting',
      help: 'Where the quota counters are: 1 for shared (Redis, every replica) or local (this replica only, Redis not configured or unreachable).',
      labelNames: ['mode'],
      registers,
      collect() {
        const shared = quotaCounting() === 'shared';
        this.set({ mode: 'shared' }, shared ? 1 : 0);
        this.set({ mode: 'local' }, shared ? 0 : 1);
      },
    });
    new Gauge({
      name: 'hub_audit_journal_queue_depth',
      help: 'Audit records waiting for the next group commit.',
      registers,
      collect() {
        this.set(journal.queueDepth());
      },
    });
  }

  /** The request path's caches: lookups by hit or miss, and entries kept (pipeline/document-cache.ts). */
  watchCaches(caches: { stats(): CacheStats[] }): void {
    const registers = [this.registry];
    new Counter({
      name: 'hub_gateway_cache_lookups_total',
      help: "Lookups in the request path's caches (parsed documents, limits verdicts, access decisions, ...), by cache and result: hit or miss.",
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        // The caches count; the counter reports their totals when scraped.
        this.reset();
        for (const cache of caches.stats()) {
          this.inc({ cache: cache.name, result: 'hit' }, cache.hits);
          this.inc({ cache: cache.name, result: 'miss' }, cache.misses);
        }
      },
    });
    new Gauge({
      name: 'hub_gateway_cache_entries',
      help: "Keys held by each of the request path's caches; each is bounded (pipeline/document-cache.ts).",
      labelNames: ['cache'],
      registers,
      collect() {
        for (const cache of caches.stats()) this.set({ cache: cache.name }, cache.size);
      },
    });
  }

  /** One answered request, from its journal entry; auditUnavailable when the record could not be written. */
  countRequest(entry: JournalEntry, auditUnavailable: boolean, seconds: number): void {
    const { agency, decision, code } = requestOutcome(entry, auditUnavailable);
    const codes = auditUnavailable ? ['AUDIT_UNAVAILABLE'] : entry.errorCodes;
    this.requests.inc({ event: entry.event, agency, operation_type: entry.operationType ?? 'none', decision, code });
    for (const each of new Set(codes.map(codeLabel))) this.responseErrors.inc({ agency, code: each });
    if (code === 'RATE_LIMITED') this.quotaRefusals.inc({ agency });
    this.requestDuration.observe({ event: entry.event }, seconds);
  }

  /** The set just taken in replaces the one before: one series at a time. */
  policySetInForce(sha256: string): void {
    this.policySet.reset();
    this.policySet.set({ sha256 }, 1);
  }

  policySetRefused(at: Date): void {
    this.policySetRefusal.set(at.getTime() / 1000);
  }

  journalWrite(seconds: number, written: boolean): void {
    this.journalWrites.observe({ outcome: written ? 'written' : 'failed' }, seconds);
  }

  journalRefused(reason: 'queue_full' | 'unwritable'): void {
    this.journalRefusals.inc({ reason });
  }

  subgraphCall(subgraph: string, seconds: number, failure: SubgraphFailure | null): void {
    this.subgraphDuration.observe({ subgraph, outcome: failure ? 'failed' : 'ok' }, seconds);
    if (failure) this.subgraphFailures.inc({ subgraph, reason: failure });
  }

  subgraphRefused(subgraph: string): void {
    this.subgraphFailures.inc({ subgraph, reason: 'circuit_open' });
  }

  circuitState(subgraph: string, current: CircuitState): void {
    for (const state of CIRCUIT_STATES) this.circuit.set({ subgraph, state }, state === current ? 1 : 0);
  }
}
