import type { DataSource } from 'typeorm';
import { RowBuffer } from '@hub/kit';
import { citizenDocuments, personalisedBlank, stockBlank, type Blank, type PopulationOptions } from '@hub/kit/synthetic';
import { DocumentBlank } from './entities';

const COLUMNS = ['series', 'number', 'document_type', 'state', 'state_changed_at', 'unit', 'document_number', 'state_fee_amount', 'state_fee_paid_at'];

/** Loads this subgraph's part of the synthetic population into its own schema. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  const add = (b: Blank) => buffer.add(DocumentBlank, COLUMNS, [b.series, b.number, b.documentType, b.state, b.stateChangedAt, b.unit, b.documentNumber, b.stateFeePaid, b.stateFeePaidAt]);
  for (let i = 0; i < population.citizens; i++) {
    for (const d of citizenDocuments(population, i)) await add(personalisedBlank(d));
  }
  // The stock: blanks not (yet) personalised, in warehouses and units, and spoilt ones.
  for (let k = 0; k < population.citizens / 4; k++) await add(stockBlank(population, k));
  await buffer.flush();
}
