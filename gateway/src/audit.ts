import type { JournalEntry } from '@hub/audit';
import type { HubRequest } from './context';
import type { RefusalCode } from './refusal';

/**
 * What the central journal records of one request (6.9.1): who, why, what was decided, how
 * many records came back — assembled from the HubRequest, which never holds query text,
 * variables or data, so none can reach the journal.
 */
export const ATTEMPTS_TO_EXCEED_AUTHORITY: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED', 'FORBIDDEN', 'READ_ONLY', 'QUERY_TOO_COMPLEX', 'QUERY_TOO_BROAD', 'RATE_LIMITED',
]);

/** Operation names are the caller's words; only identifier-like ones are kept. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Refusals of a generic code that are still bulk copying (R7): a batch, several operations. */
const BULK_REQUESTS: ReadonlySet<string> = new Set(['BATCH', 'MULTIPLE_OPERATIONS']);

export interface Outcome {
  refusal: RefusalCode | null;
  /** extensions.reason of the refusal, if any. */
  refusalReason?: string | undefined;
  errorCodes: string[];
}

export function journalEntryOf(hub: HubRequest, outcome: Outcome, event: JournalEntry['event'] = 'query'): JournalEntry {
  const forbiddenResources = new Set(hub.forbidden.map((f) => f.resource));
  const names = new Set([...hub.requested.keys(), ...forbiddenResources]);
  const resources = [...names].sort().map((resource) => {
    const records = hub.records.get(resource) ?? 0;
    return {
      resource,
      level: forbiddenResources.has(resource) && !hub.levels.has(resource) ? 'none' : hub.levels.get(resource) ?? 'none',
      fields: [...new Set([...(hub.requested.get(resource) ?? []), ...hub.forbidden.filter((f) => f.resource === resource).map((f) => f.coordinate)])].sort(),
      positive: records > 0,
      records,
    };
  });
  const records = resources.reduce((sum, r) => sum + r.records, 0);
  // A search the subgraph refused as too broad ran, but gave nothing: a refusal all the same (R7).
  const tooBroad = outcome.errorCodes.includes('QUERY_TOO_BROAD');
  const reason = outcome.refusal ?? (tooBroad ? 'QUERY_TOO_BROAD' : hub.forbidden.length > 0 ? 'FORBIDDEN' : null);
  const decision = outcome.refusal ? 'refused'
    : tooBroad ? (records > 0 ? 'partly-refused' : 'refused')
    : hub.forbidden.length === 0 ? 'allowed' : resources.some((r) => r.level !== 'none') ? 'partly-refused' : 'refused';
  return {
    registrationNumber: hub.registrationNumber,
    event,
    receivedAt: hub.receivedAt,
    agency: hub.identity?.agency ?? null,
    sub: hub.identity?.sub ?? null,
    roles: hub.identity?.roles ?? [],
    purpose: hub.purpose?.purpose ?? null,
    caseNumber: hub.purpose?.caseNumber ?? null,
    operationType: hub.operationType,
    operationName: hub.operationName && OPERATION_NAME.test(hub.operationName) ? hub.operationName : null,
    resources,
    decision,
    reason,
    attemptToExceedAuthority: reason !== null && (ATTEMPTS_TO_EXCEED_AUTHORITY.has(reason) || BULK_REQUESTS.has(outcome.refusalReason ?? '')),
    errorCodes: [...new Set(outcome.errorCodes)].sort(),
    positive: records > 0,
    records,
    durationMs: Math.round(hub.elapsedMs() * 1000) / 1000,
    clientAddress: hub.clientAddress,
  };
}
