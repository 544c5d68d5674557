import type { DataSource } from 'typeorm';
import { RowBuffer } from '@hub/kit';
import { appealsOf, vocabulary, type PopulationOptions } from '@hub/kit/synthetic';
import { Appeal } from './entities';

const AUTHORITY_NAMES = new Map<string, string>(vocabulary.LOCAL_EXECUTIVE_AUTHORITIES.map((a) => [a.code, a.name]));

function authorityName(code: string): string {
  const name = AUTHORITY_NAMES.get(code);
  if (name === undefined) throw new Error(`appeal received by an unknown authority ${code}`);
  return name;
}

/** Loads this subgraph's part of the synthetic population into its own schema. */
export async function seed(db: DataSource, population: PopulationOptions): Promise<void> {
  const buffer = new RowBuffer(db);
  for (let i = 0; i < population.citizens; i++) {
    for (const a of appealsOf(population, i)) {
      await buffer.add(Appeal,
        ['registration_number', 'kind', 'applicant_fin', 'applicant_name', 'received_by', 'received_by_name', 'received_at', 'short_content', 'due_date', 'execution_status', 'executor', 'final_answer', 'answered_at'],
        [a.registrationNumber, a.kind, a.applicantFin, a.applicantName, a.receivedBy, authorityName(a.receivedBy), a.receivedAt, a.shortContent, a.dueDate, a.executionStatus, a.executor, a.finalAnswer, a.answeredAt]);
    }
  }
  await buffer.flush();
}
