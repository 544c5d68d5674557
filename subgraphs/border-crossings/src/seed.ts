import type { DataSource } from 'typeorm';
import { RowBuffer } from '@hub/kit';
import { crossingsOf, type Crossing, type PopulationOptions, type Subject } from '@hub/kit/synthetic';
import { Crossing as CrossingEntity } from './entities';

const COLUMNS = [
  'fin', 'document_number', 'document_type', 'name_on_document', 'direction', 'crossed_at', 'checkpoint', 'workstation',
  'vehicle_registration_number', 'vehicle_type', 'vehicle_make', 'vehicle_model', 'result', 'decision_note',
];

const rowOf = (c: Crossing) => [
  c.fin, c.documentNumber, c.documentType, c.fullName, c.direction, c.crossedAt, c.checkpoint, c.workstation,
  c.vehicle?.registrationNumber ?? null, c.vehicle?.type ?? null, c.vehicle?.make ?? null, c.vehicle?.model ?? null, c.result, c.decisionNote,
];

/** Loads this subgraph's part of the synthetic population into its own schema: citizens' and foreigners' crossings. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  const subjects: Subject[] = [
    ...Array.from({ length: population.citizens }, (_v, citizen) => ({ citizen })),
    ...Array.from({ length: population.foreigners }, (_v, foreigner) => ({ foreigner })),
  ];
  for (const subject of subjects) {
    for (const crossing of crossingsOf(population, subject)) await buffer.add(CrossingEntity, COLUMNS, rowOf(crossing));
  }
  await buffer.flush();
}
