import type { DataSource } from 'typeorm';
import { foreignerAt, foreignerPermits, RowBuffer, type PopulationOptions } from '@hub/kit';
import { Foreigner } from './entities';

/** Loads this subgraph's part of the synthetic population into its own schema. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  for (let j = 0; j < population.foreigners; j++) {
    const f = foreignerAt(population, j);
    await buffer.add('foreigners.foreigner',
      ['system_number', 'fin', 'first_name', 'last_name', 'sex', 'birth_date', 'nationality', 'passport_number', 'passport_issuing_country', 'passport_expires_at', 'stay_registration_address'],
      [f.systemNumber, f.fin, f.firstName, f.lastName, f.sex, f.birthDate, f.nationality, f.passportNumber, f.passportIssuingCountry, f.passportExpiresAt, f.stayRegistrationAddress]);
    for (const p of foreignerPermits(population, j)) {
      await buffer.add('foreigners.permit',
        ['number', 'system_number', 'kind', 'issued_at', 'valid_until', 'active', 'status_reason', 'status_changed_at'],
        [p.number, f.systemNumber, p.kind, p.issuedAt, p.validUntil, p.active, p.statusReason, p.statusChangedAt]);
    }
  }
  await buffer.flush();
}

export async function isSeeded(db: DataSource): Promise<boolean> {
  return (await db.getRepository(Foreigner).count({ take: 1 })) > 0;
}
