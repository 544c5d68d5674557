import type { DataSource } from 'typeorm';
import { RowBuffer } from '@hub/kit';
import { citizenRestrictions, foreignerRestrictions, type PopulationOptions, type RestrictionEntry } from '@hub/kit/synthetic';
import { RestrictionRecord } from './entities';

const COLUMNS = [
  'entry_number', 'category', 'subject', 'fin', 'document_number', 'vehicle_registration_number', 'full_name', 'birth_date',
  'initiating_agency', 'basis', 'active', 'status_changed_at', 'status_reason', 'valid_until', 'entered_by', 'approved_by', 'entered_at',
];

/** Loads this subgraph's part of the synthetic population into its own schema. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  const add = (e: RestrictionEntry) => buffer.add(RestrictionRecord, COLUMNS, [
    e.entryNumber, e.category, e.subject.toUpperCase(), e.fin, e.documentNumber, e.vehicleRegistrationNumber, e.fullName, e.birthDate,
    e.initiatingAgency, e.basis, e.active, e.statusChangedAt, e.statusReason, e.validUntil, e.enteredBy, e.approvedBy, e.enteredAt,
  ]);
  for (let i = 0; i < population.citizens; i++) {
    for (const e of citizenRestrictions(population, i)) await add(e);
  }
  for (let j = 0; j < population.foreigners; j++) {
    for (const e of foreignerRestrictions(population, j)) await add(e);
  }
  await buffer.flush();
}
