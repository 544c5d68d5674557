import { definePopulationSeed } from '@hub/kit';
import { citizenRestrictions, foreignerRestrictions } from '@hub/kit/synthetic';
import { RestrictionRecord } from './entities';

/** This subgraph's part of the synthetic population: one step per citizen, then one per foreigner. */
export const seed = definePopulationSeed({
  tables: {
    entry: {
      entity: RestrictionRecord,
      columns: [
        'entry_number',
        'category',
        'subject',
        'fin',
        'document_number',
        'vehicle_registration_number',
        'full_name',
        'birth_date',
        'initiating_agency',
        'basis',
        'active',
        'status_changed_at',
        'status_reason',
        'valid_until',
        'entered_by',
        'approved_by',
        'entered_at',
      ],
    },
  },
  steps: (population) => population.citizens + population.foreigners,
  rowsOf(population, step, row) {
    const entries = step < population.citizens ? citizenRestrictions(population, step) : foreignerRestrictions(population, step - population.citizens);
    for (const e of entries) {
      row('entry', [
        e.entryNumber,
        e.category,
        e.subject.toUpperCase(),
        e.fin,
        e.documentNumber,
        e.vehicleRegistrationNumber,
        e.fullName,
        e.birthDate,
        e.initiatingAgency,
        e.basis,
        e.active,
        e.statusChangedAt,
        e.statusReason,
        e.validUntil,
        e.enteredBy,
        e.approvedBy,
        e.enteredAt,
      ]);
    }
  },
});
