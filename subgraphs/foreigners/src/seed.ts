import type { DataSource } from 'typeorm';
import { RowBuffer } from '@hub/kit';
import { foreignerAt, foreignerPermits, type PopulationOptions } from '@hub/kit/synthetic';
import { Foreigner, Permit } from './entities';

/** Loads this subgraph's part of the synthetic population into its own schema. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  for (let j = 0; j < population.foreigners; j++) {
    const f = foreignerAt(population, j);
    await buffer.add(Foreigner,
      ['system_number', 'fin', 'first_name', 'last_name', 'sex', 'birth_date', 'nationality', 'passport_number', 'passport_issuing_country', 'passport_expires_at', 'stay_registration_address'],
      [f.systemNumber, f.fin, f.firstName, f.lastName, f.sex, f.birthDate, f.nationality, f.passportNumber, f.passportIssuingCountry, f.passportExpiresAt, f.stayRegistrationAddress]);
    for (const p of foreignerPermits(population, j)) {
      await buffer.add(Permit,
        ['number', 'system_number', 'kind', 'issued_at', 'valid_until', 'active', 'status_reason', 'status_changed_at'],
        [p.number, f.systemNumber, p.kind, p.issuedAt, p.validUntil, p.active, p.statusReason, p.statusChangedAt]);
    }
  }
  await buffer.flush();
}
