import type { DataSource } from 'typeorm';
import { RowBuffer } from '@hub/kit';
import { citizenAt, citizenDocuments, citizenRegistrations, foreignerAt, parentsOf, type PopulationOptions } from '@hub/kit/synthetic';
import { Citizen, FinRegistration, IssuedDocument, Registration } from './entities';

/** Loads this subgraph's part of the synthetic population into its own schema. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  for (let i = 0; i < population.citizens; i++) {
    const c = citizenAt(population, i);
    const parents = parentsOf(population, i);
    await buffer.add(FinRegistration, ['fin', 'holder'], [c.fin, 'CITIZEN']);
    await buffer.add(Citizen,
      ['fin', 'internal_number', 'first_name', 'last_name', 'patronymic', 'first_name_key', 'last_name_key', 'sex', 'birth_date', 'birth_place', 'marital_status', 'address', 'military_status', 'father_fin', 'mother_fin'],
      [c.fin, c.internalNumber, c.firstName, c.lastName, c.patronymic, c.firstName.toLocaleLowerCase('az'), c.lastName.toLocaleLowerCase('az'), c.sex, c.birthDate, c.birthPlace, c.maritalStatus, c.address, c.militaryStatus, parents.fatherFin, parents.motherFin]);
    for (const d of citizenDocuments(population, i)) {
      await buffer.add(IssuedDocument,
        ['number', 'type', 'holder_fin', 'issued_by', 'issued_at', 'expires_at', 'active', 'status_reason', 'status_changed_at', 'blank_series', 'blank_number'],
        [d.number, d.type, d.holderFin, d.issuedBy, d.issuedAt, d.expiresAt, d.active, d.statusReason, d.statusChangedAt, d.blankSeries, d.blankNumber]);
    }
    for (const r of citizenRegistrations(population, i)) {
      await buffer.add(Registration, ['fin', 'kind', 'place', 'registered_at', 'deregistered_at'], [c.fin, r.kind, r.place, r.registeredAt, r.deregisteredAt]);
    }
  }
  // Foreigners who were assigned a FİN are in the same register: one FİN per person.
  for (let j = 0; j < population.foreigners; j++) {
    const f = foreignerAt(population, j);
    if (f.fin) await buffer.add(FinRegistration, ['fin', 'holder'], [f.fin, 'FOREIGNER']);
  }
  await buffer.flush();
}
