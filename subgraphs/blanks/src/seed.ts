import { definePopulationSeed } from '@hub/kit';
import { citizenDocuments, personalisedBlank, stockBlank, type Blank, type PopulationOptions } from '@hub/kit/synthetic';
import { DocumentBlank } from './entities';

/** The stock: blanks not (yet) personalised, in warehouses and units, and spoilt ones. */
const stockSize = (population: PopulationOptions) => Math.ceil(population.citizens / 4);

/** This subgraph's part of the synthetic population: one step per citizen's documents, then one per stock blank. */
export const seed = definePopulationSeed({
  tables: {
    blank: {
      entity: DocumentBlank,
      columns: ['series', 'number', 'document_type', 'state', 'state_changed_at', 'unit', 'document_number', 'state_fee_amount', 'state_fee_paid_at'],
    },
  },
  steps: (population) => population.citizens + stockSize(population),
  rowsOf(population, step, row) {
    const add = (b: Blank) =>
      row('blank', [b.series, b.number, b.documentType, b.state, b.stateChangedAt, b.unit, b.documentNumber, b.stateFeePaid, b.stateFeePaidAt]);
    if (step >= population.citizens) add(stockBlank(population, step - population.citizens));
    else for (const d of citizenDocuments(population, step)) add(personalisedBlank(d));
  },
});
