import type { JournalEntry } from '@hub/audit';
import type { HubRequest } from '../pipeline/context';
import type { HubResult } from '../pipeline/stage';

/**
 * What the central journal records of one request (6.9.1): who, why, what was decided, how
 * many records came back — assembled from the HubRequest and the answer the caller receives,
 * never from the query text, variables or data, so none can reach the journal. The decision
 * is the one the caller saw, whichever layer made it: a stage, Apollo's validation, a subgraph.
 */
export const ATTEMPTS_TO_EXCEED_AUTHORITY: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'READ_ONLY',
  'QUERY_TOO_COMPLEX',
  'QUERY_TOO_BROAD',
  'RATE_LIMITED',
  'PERSISTED_QUERY_REQUIRED',
]);

/** Codes that refuse part of an executed answer: the rest of it may still be served. */
const PART_REFUSALS: ReadonlySet<string> = new Set(['FORBIDDEN', 'QUERY_TOO_BROAD', 'CONSENT_REQUIRED']);

/** Refusals of a generic code that are still bulk copying (R7): a batch, several operations. */
const BULK_REQUESTS: ReadonlySet<string> = new Set(['BATCH', 'MULTIPLE_OPERATIONS']);

export function errorCodesOf(result: HubResult): string[] {
  return (result.body.errors ?? []).map((e) => {
    const code = e.extensions?.['code'];
    return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
  });
}

/** policySet: the hash of the set the request was decided under (the engine's, kept for the whole request). */
export function journalEntryOf(hub: HubRequest, result: HubResult, policySet: string | null): JournalEntry {
  const errorCodes = errorCodesOf(result);
  const forbiddenResources = new Set(hub.forbidden.map((f) => f.resource));
  const names = new Set([...hub.requested.keys(), ...forbiddenResources, ...hub.records.keys()]);
  const resources = [...names].sort().map((resource) => {
    const records = hub.records.get(resource) ?? 0;
    return {
      resource,
      level: hub.levels.get(resource) ?? 'none',
      fields: [...new Set([...(hub.requested.get(resource) ?? []), ...hub.forbidden.filter((f) => f.resource === resource).map((f) => f.coordinate)])].sort(),
      positive: records > 0,
      records,
    };
  });
  const records = resources.reduce((sum, r) => sum + r.records, 0);
  // An answer with no data at all is a request error (parse, validation, coercion): refused by whoever raised it.
  const refusal = result.refusal?.code ?? (result.body.data === undefined ? (errorCodes[0] ?? null) : null);
  const partRefusal = errorCodes.find((code) => PART_REFUSALS.has(code)) ?? null;
  const gatewayCutOnly = partRefusal === 'FORBIDDEN' && hub.forbidden.length === errorCodes.filter((c) => c === 'FORBIDDEN').length;
  const served = gatewayCutOnly ? hub.requested.size > 0 : records > 0;
  // A failed sign-in's reason is its code (STATE_MISMATCH, ...): what an auditor tells failures apart by.
  const signInFailure = hub.event === 'sign-in-failed' ? result.refusal?.extensions['reason'] : undefined;
  const reason = typeof signInFailure === 'string' ? signInFailure : (refusal ?? partRefusal);
  const decision = refusal ? 'refused' : partRefusal ? (served ? 'partly-refused' : 'refused') : 'allowed';
  const refusalReason = result.refusal?.extensions['reason'];
  return {
    registrationNumber: hub.registrationNumber,
    event: hub.event,
    receivedAt: hub.receivedAt,
    agency: hub.identity?.agency ?? null,
    sub: hub.identity?.sub ?? null,
    roles: hub.identity?.roles ?? [],
    purpose: hub.purpose?.purpose ?? null,
    caseNumber: hub.purpose?.caseNumber ?? null,
    operationType: hub.operation?.type ?? null,
    // A registered operation's reviewed name and id, both from the registry; an ad-hoc operation's name is
    // the caller's text (R6) and an id no registered operation has is too: neither is ever journaled.
    operationName: hub.registeredOperation?.name ?? null,
    operationId: hub.registeredOperation?.id ?? null,
    policySet: policySet === null ? null : `sha256:${policySet}`,
    resources,
    decision,
    reason,
    attemptToExceedAuthority:
      reason !== null && (ATTEMPTS_TO_EXCEED_AUTHORITY.has(reason) || (typeof refusalReason === 'string' && BULK_REQUESTS.has(refusalReason))),
    errorCodes: [...new Set(refusal && result.refusal ? [refusal] : errorCodes)].sort(),
    positive: records > 0,
    records,
    durationMs: Math.round(hub.elapsedMs() * 1000) / 1000,
    clientAddress: hub.clientAddress,
    subjects: [...hub.subjects].sort(),
  };
}

/**
 * A record of an event that is no query (a policy change, a session's expiry): no purpose, no
 * operation, no resource read, allowed; what the event says of itself goes in `fields`.
 */
export function eventEntry(
  registrationNumber: string,
  event: JournalEntry['event'],
  at: Date,
  fields: Partial<Pick<JournalEntry, 'agency' | 'sub' | 'roles' | 'operationId' | 'reason' | 'clientAddress'>> = {},
): JournalEntry {
  return {
    registrationNumber,
    event,
    receivedAt: at,
    agency: null,
    sub: null,
    roles: [],
    purpose: null,
    caseNumber: null,
    operationType: null,
    operationName: null,
    operationId: null,
    resources: [],
    decision: 'allowed',
    reason: null,
    attemptToExceedAuthority: false,
    errorCodes: [],
    positive: false,
    records: 0,
    durationMs: 0,
    clientAddress: null,
    ...fields,
  };
}
