import { definePopulationSeed } from '@hub/kit';
import { foreignerAt, foreignerPermits } from '@hub/kit/synthetic';
import { Foreigner, Permit } from './entities';

/** This subgraph's part of the synthetic population: one step per foreigner. */
export const seed = definePopulationSeed({
  tables: {
    foreigner: {
      entity: Foreigner,
      columns: [
        'system_number',
        'fin',
        'first_name',
        'last_name',
        'sex',
        'birth_date',
        'nationality',
        'passport_number',
        'passport_issuing_country',
        'passport_expires_at',
        'stay_registration_address',
      ],
    },
    permit: { entity: Permit, columns: ['number', 'system_number', 'kind', 'issued_at', 'valid_until', 'active', 'status_reason', 'status_changed_at'] },
  },
  steps: (population) => population.foreigners,
  rowsOf(population, step, row) {
    const f = foreignerAt(population, step);
    row('foreigner', [
      f.systemNumber,
      f.fin,
      f.firstName,
      f.lastName,
      f.sex,
      f.birthDate,
      f.nationality,
      f.passportNumber,
      f.passportIssuingCountry,
      f.passportExpiresAt,
      f.stayRegistrationAddress,
    ]);
    for (const p of foreignerPermits(population, step)) {
      row('permit', [p.number, f.systemNumber, p.kind, p.issuedAt, p.validUntil, p.active, p.statusReason, p.statusChangedAt]);
    }
  },
});
