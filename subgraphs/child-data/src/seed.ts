import { definePopulationSeed } from '@hub/kit';
import { childProfileOf } from '@hub/kit/synthetic';
import { ChildProfileRecord } from './entities';

/** This subgraph's part of the synthetic population: one step per citizen, rows for the minors. */
export const seed = definePopulationSeed({
  tables: {
    profile: {
      entity: ChildProfileRecord,
      columns: [
        'fin',
        'first_name',
        'last_name',
        'birth_date',
        'father_fin',
        'mother_fin',
        'guardian_fin',
        'school',
        'grade',
        'disability_group',
        'chronic_conditions',
        'vaccinations_complete',
        'social_benefits',
        'offences_by_child',
        'offences_against_child',
        'archived',
        'archived_at',
      ],
    },
  },
  steps: (population) => population.citizens,
  rowsOf(population, step, row) {
    const p = childProfileOf(population, step);
    if (!p) return;
    row('profile', [
      p.fin,
      p.firstName,
      p.lastName,
      p.birthDate,
      p.fatherFin,
      p.motherFin,
      p.guardianFin,
      p.school,
      p.grade,
      p.disabilityGroup,
      p.chronicConditions,
      p.vaccinationsComplete,
      p.socialBenefits,
      p.offencesByChild,
      p.offencesAgainstChild,
      p.archived,
      p.archivedAt,
    ]);
  },
});
