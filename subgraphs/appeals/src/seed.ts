import { definePopulationSeed } from '@hub/kit';
import { appealsOf, vocabulary } from '@hub/kit/synthetic';
import { Appeal } from './entities';

const AUTHORITY_NAMES = new Map<string, string>(vocabulary.LOCAL_EXECUTIVE_AUTHORITIES.map((a) => [a.code, a.name]));

function authorityName(code: string): string {
  const name = AUTHORITY_NAMES.get(code);
  if (name === undefined) throw new Error(`appeal received by an unknown authority ${code}`);
  return name;
}

/** This subgraph's part of the synthetic population: one step per citizen. */
export const seed = definePopulationSeed({
  tables: {
    appeal: {
      entity: Appeal,
      columns: [
        'registration_number',
        'kind',
        'applicant_fin',
        'applicant_name',
        'received_by',
        'received_by_name',
        'received_at',
        'short_content',
        'due_date',
        'execution_status',
        'executor',
        'final_answer',
        'answered_at',
      ],
    },
  },
  steps: (population) => population.citizens,
  rowsOf(population, step, row) {
    for (const a of appealsOf(population, step)) {
      row('appeal', [
        a.registrationNumber,
        a.kind,
        a.applicantFin,
        a.applicantName,
        a.receivedBy,
        authorityName(a.receivedBy),
        a.receivedAt,
        a.shortContent,
        a.dueDate,
        a.executionStatus,
        a.executor,
        a.finalAnswer,
        a.answeredAt,
      ]);
    }
  },
});
