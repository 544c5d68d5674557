import { citizenAt } from './citizens';
import { addDays, randomDay } from './dates';
import { featuresOf } from './features';
import type { PopulationOptions } from './population';
import { Rng } from './rng';
import * as words from './vocabulary';

/** Enforcement cases (Elektron icra, Cabinet of Ministers decision No 306 of 2021) of debtors among the citizens. */
export interface EnforcementCase {
  caseNumber: string;
  /** The enforcement document (icra sənədi): a court's writ or a notary's executive inscription. */
  documentKind: 'COURT_WRIT' | 'NOTARY_INSCRIPTION' | 'TAX_AUTHORITY_DECISION';
  documentNumber: string;
  source: string;
  issuedAt: string;
  debtorFin: string;
  debtorName: string;
  creditorName: string;
  /** Agency code where the creditor is a state body whose own claims it is (11.3.10). */
  creditorAgency: string | null;
  amount: string;
  currency: 'AZN';
  officer: string;
  status: 'OPEN' | 'SUSPENDED' | 'COMPLETED' | 'TERMINATED';
  openedAt: string;
  actions: Array<{ kind: string; at: string }>;
}

const ENFORCEMENT_ACTIONS = [
  'notice sent to the debtor',
  'bank accounts arrested',
  'exit from the country restricted',
  'property described',
  'salary deduction ordered',
  'payment received',
];

export function enforcementCasesOf(options: PopulationOptions, index: number): EnforcementCase[] {
  if (!featuresOf(options, index).debtor) return [];
  const person = citizenAt(options, index);
  const rng = new Rng(options.seed, 'enforcement', index);
  const count = index === 0 ? 2 : rng.int(1, 2);
  const cases: EnforcementCase[] = [];
  for (let n = 0; n < count; n++) {
    const drawn = rng.pick(['COURT_WRIT', 'COURT_WRIT', 'NOTARY_INSCRIPTION', 'TAX_AUTHORITY_DECISION'] as const);
    // The demo debtor has one court case and one tax case, so both ways of reading it show.
    const kind = index === 0 ? (n === 0 ? 'COURT_WRIT' : 'TAX_AUTHORITY_DECISION') : drawn;
    const issuedAt = randomDay(rng, 2021, 2025);
    const tax = kind === 'TAX_AUTHORITY_DECISION';
    const creditorPerson = citizenAt(options, rng.int(0, Math.max(0, options.citizens - 1)));
    const actions = Array.from({ length: rng.int(1, 4) }, (_v, k) => ({
      kind: ENFORCEMENT_ACTIONS[k] ?? 'notice sent to the debtor',
      at: addDays(issuedAt, 3 + k * 14),
    }));
    cases.push({
      caseNumber: `İC-${issuedAt.slice(0, 4)}-${String(index * 4 + n).padStart(7, '0')}`,
      documentKind: kind,
      documentNumber: `${rng.int(1, 9)}(${rng.int(100, 999)})-${rng.int(1000, 9999)}/${issuedAt.slice(0, 4)}`,
      source: kind === 'COURT_WRIT' ? rng.pick(words.COURTS) : kind === 'NOTARY_INSCRIPTION' ? rng.pick(words.NOTARIES) : 'Vergilər Nazirliyi',
      issuedAt,
      debtorFin: person.fin,
      debtorName: `${person.lastName} ${person.firstName} ${person.patronymic}`,
      creditorName: tax
        ? 'Vergilər Nazirliyi'
        : rng.chance(0.5)
          ? `${creditorPerson.lastName} ${creditorPerson.firstName}`
          : rng.pick(['Kapital Bank ASC', 'Azərişıq ASC', 'Azərsu ASC', 'Bakcell MMC']),
      creditorAgency: tax ? 'MOT' : null,
      amount: (rng.int(5000, 2_500_000) / 100).toFixed(2),
      currency: 'AZN',
      officer: `MOJ-icra-${rng.int(100, 499)}`,
      status: rng.pick(['OPEN', 'OPEN', 'SUSPENDED', 'COMPLETED', 'TERMINATED'] as const),
      openedAt: issuedAt,
      actions,
    });
  }
  if (index === 0)
    cases.forEach((c) => {
      c.status = 'OPEN';
    });
  return cases;
}
