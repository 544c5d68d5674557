import { definePopulationSeed } from '@hub/kit';
import { crossingsOf, type PopulationOptions, type Subject } from '@hub/kit/synthetic';
import { Crossing } from './entities';

const subjectOf = (population: PopulationOptions, step: number): Subject =>
  step < population.citizens ? { citizen: step } : { foreigner: step - population.citizens };

/** This subgraph's part of the synthetic population: citizens' and foreigners' crossings, one step per person. */
export const seed = definePopulationSeed({
  tables: {
    crossing: {
      entity: Crossing,
      columns: [
        'fin',
        'document_number',
        'document_type',
        'name_on_document',
        'direction',
        'crossed_at',
        'checkpoint',
        'workstation',
        'vehicle_registration_number',
        'vehicle_type',
        'vehicle_make',
        'vehicle_model',
        'result',
        'decision_note',
      ],
    },
  },
  steps: (population) => population.citizens + population.foreigners,
  rowsOf(population, step, row) {
    for (const c of crossingsOf(population, subjectOf(population, step))) {
      row('crossing', [
        c.fin,
        c.documentNumber,
        c.documentType,
        c.fullName,
        c.direction,
        c.crossedAt,
        c.checkpoint,
        c.workstation,
        c.vehicle?.registrationNumber ?? null,
        c.vehicle?.type ?? null,
        c.vehicle?.make ?? null,
        c.vehicle?.model ?? null,
        c.result,
        c.decisionNote,
      ]);
    }
  },
});
