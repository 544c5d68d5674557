import { isSelfOnly, maySeePerson, type Caller } from '@hub/kit';
import type { EnforcementCase, EnforcementCaseRecord } from './entities';

type CaseVisibility = 'full' | 'masked' | 'none';

/**
 * Who sees how much of a case:
 * - a citizen: their own cases as debtor in full (Elektron icra 8.1.3, 13.3), nothing else;
 * - `unlimited` (MOJ, the owner): everything;
 * - `restricted` (MOT, PGO): in full only the cases arising from the caller's own claims
 *   (11.3.10), any other case masked.
 */
export function caseVisibility(caller: Caller, record: Pick<EnforcementCaseRecord, 'debtorFin' | 'creditorAgency'>): CaseVisibility {
  if (isSelfOnly(caller)) return maySeePerson(caller, record.debtorFin) ? 'full' : 'none';
  if (caller.level === 'unlimited') return 'full';
  return record.creditorAgency !== null && record.creditorAgency === caller.agency ? 'full' : 'masked';
}

/** The case as served; masking keeps only the case number, status, source and the officer to contact. */
export function caseView(record: EnforcementCaseRecord, visibility: 'full' | 'masked'): EnforcementCase {
  const kept = { caseNumber: record.caseNumber, status: record.status, source: record.source, officer: record.officer };
  if (visibility === 'masked') {
    return {
      ...kept,
      masked: true,
      documentKind: null,
      documentNumber: null,
      issuedAt: null,
      debtor: null,
      debtorName: null,
      creditorName: null,
      creditorAgency: null,
      amount: null,
      currency: null,
      openedAt: null,
    };
  }
  return {
    ...kept,
    masked: false,
    documentKind: record.documentKind,
    documentNumber: record.documentNumber,
    issuedAt: record.issuedAt,
    debtor: { fin: record.debtorFin },
    debtorName: record.debtorName,
    creditorName: record.creditorName,
    creditorAgency: record.creditorAgency,
    amount: record.amount,
    currency: record.currency,
    openedAt: record.openedAt,
  };
}
