import type { JournalEntry } from '@hub/audit';
import type { SUBGRAPHS } from '@hub/kit';

/**
 * Journal records shaped like the hub's traffic, for the journal benchmarks: fifteen bodies,
 * a few thousand officers and systems, one or two resources a request, mostly allowed,
 * some positive. Deterministic for a given seed.
 */
export const BENCH_AGENCIES = ['MIA', 'SBS', 'MNS', 'MOJ', 'MFA', 'MOD', 'SCS', 'SMS', 'CUSTOMS', 'PROSECUTOR', 'COURTS', 'MLSP', 'MOE', 'MOH', 'CEC'];
/**
 * Each resource's share of requests: the restriction list and citizens are everywhere, the audit
 * journal rare. Keyed by the catalog's resources, so a new subgraph does not compile until it has its share.
 */
const RESOURCE_WEIGHTS: Record<(typeof SUBGRAPHS)[number]['resource'], number> = {
  citizens: 0.45,
  foreigners: 0.12,
  borderCrossings: 0.2,
  restrictionList: 0.35,
  blanks: 0.03,
  enforcement: 0.05,
  childData: 0.02,
  appeals: 0.03,
  audit: 0.0005,
};
const BENCH_RESOURCES = Object.entries(RESOURCE_WEIGHTS);
export const OFFICERS_PER_AGENCY = 400;

export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function benchEntry(next: () => number, registrationNumber: string, receivedAt: Date): JournalEntry {
  const agency = BENCH_AGENCIES[Math.floor(next() ** 1.5 * BENCH_AGENCIES.length)]!;
  const officer = Math.floor(next() * OFFICERS_PER_AGENCY);
  const resources = BENCH_RESOURCES.filter(([, weight]) => next() < weight).map(([resource]) => resource);
  if (resources.length === 0) resources.push('citizens');
  const roll = next();
  const decision = roll < 0.95 ? 'allowed' : roll < 0.98 ? 'partly-refused' : 'refused';
  const uses = resources.map((resource) => {
    const positive = decision !== 'refused' && next() < 0.4;
    return { resource, level: 'unlimited', fields: [`Query.${resource}`], positive, records: positive ? 1 + Math.floor(next() * 3) : 0 };
  });
  const positive = uses.some((u) => u.positive);
  return {
    registrationNumber,
    event: 'query',
    receivedAt,
    agency,
    sub: `${agency.toLowerCase()}-officer-${officer}`,
    roles: ['officer'],
    purpose: 'identity-check',
    caseNumber: null,
    operationType: 'query',
    operationName: null,
    resources: uses,
    decision,
    reason: decision === 'allowed' ? null : 'FORBIDDEN',
    attemptToExceedAuthority: decision === 'refused',
    errorCodes: decision === 'allowed' ? [] : ['FORBIDDEN'],
    positive,
    records: uses.reduce((n, u) => n + u.records, 0),
    durationMs: Math.round(next() * 40_000) / 1000,
    clientAddress: null,
  };
}
