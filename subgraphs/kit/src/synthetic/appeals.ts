import { citizenAt } from './citizens';
import { addDays } from './dates';
import { featuresOf } from './features';
import type { PopulationOptions } from './population';
import { Rng } from './rng';
import * as words from './vocabulary';

/** Citizens' appeals to local executive authorities (Presidential decree of 29 April 2015). */
export interface Appeal {
  /** Number of the registration-control card. */
  registrationNumber: string;
  kind: 'PROPOSAL' | 'APPLICATION' | 'COMPLAINT';
  applicantFin: string;
  applicantName: string;
  /** Agency code of the local executive authority that received it. */
  receivedBy: string;
  receivedAt: string;
  shortContent: string;
  dueDate: string;
  executionStatus: 'REGISTERED' | 'IN_PROGRESS' | 'ANSWERED' | 'ARCHIVED';
  executor: string;
  finalAnswer: string | null;
  answeredAt: string | null;
}

const APPEAL_TOPICS = [
  'yaşayış binasının təmiri ilə bağlı',
  'küçə işıqlandırılması barədə',
  'torpaq sahəsinin ayrılması haqqında',
  'içməli su təchizatı ilə bağlı',
  'məktəbə yerləşdirmə məsələsi',
  'ictimai nəqliyyat marşrutu barədə',
];

export function appealsOf(options: PopulationOptions, index: number): Appeal[] {
  if (!featuresOf(options, index).appeals) return [];
  const person = citizenAt(options, index);
  const rng = new Rng(options.seed, 'appeals', index);
  return Array.from({ length: rng.int(1, 2) }, (_v, n) => {
    const receivedAt = addDays('2023-01-01', rng.int(0, 1247));
    const status = rng.pick(['REGISTERED', 'IN_PROGRESS', 'ANSWERED', 'ANSWERED', 'ARCHIVED'] as const);
    const answered = status === 'ANSWERED' || status === 'ARCHIVED';
    const authority = index === 0 ? words.LOCAL_EXECUTIVE_AUTHORITIES[0] : rng.pick(words.LOCAL_EXECUTIVE_AUTHORITIES);
    return {
      registrationNumber: `${authority.code.slice(4, 7)}-${receivedAt.slice(0, 4)}-${String(index * 3 + n).padStart(8, '0')}`,
      kind: rng.pick(['PROPOSAL', 'APPLICATION', 'APPLICATION', 'COMPLAINT'] as const),
      applicantFin: person.fin,
      applicantName: `${person.lastName} ${person.firstName}`,
      receivedBy: authority.code,
      receivedAt,
      shortContent: `${rng.pick(APPEAL_TOPICS)} müraciət`,
      // Appeals are answered within a month (the appeals decree of 2015).
      dueDate: addDays(receivedAt, 30),
      executionStatus: status,
      executor: `${authority.code}-icraçı-${rng.int(10, 99)}`,
      finalAnswer: answered ? 'müraciət baxılmış, müvafiq tədbir görülmüşdür' : null,
      answeredAt: answered ? addDays(receivedAt, rng.int(3, 30)) : null,
    };
  });
}
