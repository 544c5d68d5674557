import type { DataSource } from 'typeorm';
import { RowBuffer } from '@hub/kit';
import { enforcementCasesOf, type PopulationOptions } from '@hub/kit/synthetic';
import { EnforcementAction, EnforcementCaseRecord } from './entities';

/** Loads this subgraph's part of the synthetic population into its own schema. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  for (let i = 0; i < population.citizens; i++) {
    for (const c of enforcementCasesOf(population, i)) {
      await buffer.add(EnforcementCaseRecord,
        ['case_number', 'document_kind', 'document_number', 'source', 'issued_at', 'debtor_fin', 'debtor_name', 'creditor_name', 'creditor_agency', 'amount', 'currency', 'officer', 'status', 'opened_at'],
        [c.caseNumber, c.documentKind, c.documentNumber, c.source, c.issuedAt, c.debtorFin, c.debtorName, c.creditorName, c.creditorAgency, c.amount, c.currency, c.officer, c.status, c.openedAt]);
      for (const a of c.actions) {
        await buffer.add(EnforcementAction, ['case_number', 'kind', 'date'], [c.caseNumber, a.kind, a.at]);
      }
    }
  }
  await buffer.flush();
}
