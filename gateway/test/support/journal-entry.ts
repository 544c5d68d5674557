import type { JournalEntry } from '@hub/audit';

/** A verified officer's allowed request, numbered `HUB-TEST-<n>`: the journal tests' record. */
export const journalEntry = (n: number): JournalEntry => ({
  registrationNumber: `HUB-TEST-${n}`,
  event: 'query',
  receivedAt: new Date(),
  agency: 'MIA',
  sub: 'mia-officer',
  roles: ['officer'],
  purpose: 'identity-check',
  caseNumber: null,
  operationType: 'query',
  operationName: null,
  resources: [],
  decision: 'allowed',
  reason: null,
  attemptToExceedAuthority: false,
  errorCodes: [],
  positive: false,
  records: 0,
  durationMs: 1,
  clientAddress: null,
});

/** A request refused before its caller was verified (an address over its limit), numbered `HUB-TEST-<n>`. */
export const anonymousRefusal = (n: number): JournalEntry => ({
  ...journalEntry(n),
  agency: null,
  sub: null,
  roles: [],
  purpose: null,
  operationType: null,
  decision: 'refused',
  reason: 'RATE_LIMITED',
  attemptToExceedAuthority: true,
  errorCodes: ['RATE_LIMITED'],
  clientAddress: '192.0.2.7',
});
