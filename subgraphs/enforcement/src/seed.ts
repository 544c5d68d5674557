import { definePopulationSeed } from '@hub/kit';
import { enforcementCasesOf } from '@hub/kit/synthetic';
import { EnforcementAction, EnforcementCaseRecord } from './entities';

/** This subgraph's part of the synthetic population: one step per citizen. */
export const seed = definePopulationSeed({
  tables: {
    enforcementCase: {
      entity: EnforcementCaseRecord,
      columns: [
        'case_number',
        'document_kind',
        'document_number',
        'source',
        'issued_at',
        'debtor_fin',
        'debtor_name',
        'creditor_name',
        'creditor_agency',
        'amount',
        'currency',
        'officer',
        'status',
        'opened_at',
      ],
    },
    action: { entity: EnforcementAction, columns: ['case_number', 'kind', 'date'] },
  },
  steps: (population) => population.citizens,
  rowsOf(population, step, row) {
    for (const c of enforcementCasesOf(population, step)) {
      row('enforcementCase', [
        c.caseNumber,
        c.documentKind,
        c.documentNumber,
        c.source,
        c.issuedAt,
        c.debtorFin,
        c.debtorName,
        c.creditorName,
        c.creditorAgency,
        c.amount,
        c.currency,
        c.officer,
        c.status,
        c.openedAt,
      ]);
      for (const a of c.actions) row('action', [c.caseNumber, a.kind, a.at]);
    }
  },
});
