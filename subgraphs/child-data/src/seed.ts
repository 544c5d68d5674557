import type { DataSource } from 'typeorm';
import { RowBuffer } from '@hub/kit';
import { childProfileOf, type PopulationOptions } from '@hub/kit/synthetic';
import { ChildProfileRecord } from './entities';

/** Loads this subgraph's part of the synthetic population into its own schema. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  for (let i = 0; i < population.citizens; i++) {
    const p = childProfileOf(population, i);
    if (!p) continue;
    await buffer.add(ChildProfileRecord,
      ['fin', 'first_name', 'last_name', 'birth_date', 'father_fin', 'mother_fin', 'guardian_fin', 'school', 'grade', 'disability_group', 'chronic_conditions', 'vaccinations_complete', 'social_benefits', 'offences_by_child', 'offences_against_child', 'archived', 'archived_at'],
      [p.fin, p.firstName, p.lastName, p.birthDate, p.fatherFin, p.motherFin, p.guardianFin, p.school, p.grade, p.disabilityGroup, p.chronicConditions, p.vaccinationsComplete, p.socialBenefits, p.offencesByChild, p.offencesAgainstChild, p.archived, p.archivedAt]);
  }
  await buffer.flush();
}
