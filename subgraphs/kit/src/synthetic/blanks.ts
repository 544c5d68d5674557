import type { DocumentType, IssuedDocument } from './citizens';
import { randomDay } from './dates';
import type { PopulationOptions } from './population';
import { Rng } from './rng';

/** Accounting of document blanks (İAMAS rules 5.7, 6.8): personalised blanks and the stock. */
/** Splits a document number into the blank's series (letters) and number (digits). */
export function blankOf(documentNumber: string): { series: string; number: string } {
  const match = /^([A-Z]+)([0-9]+)$/.exec(documentNumber);
  return { series: match?.[1] ?? '', number: match?.[2] ?? documentNumber };
}

export type BlankState = 'IN_WAREHOUSE' | 'DISTRIBUTED_TO_UNIT' | 'ISSUED_TO_SUBSYSTEM' | 'PERSONALISED' | 'DEFECTIVE' | 'DAMAGED';

export interface Blank {
  series: string;
  number: string;
  documentType: DocumentType;
  state: BlankState;
  unit: string | null;
  stateChangedAt: string;
  documentNumber: string | null;
  stateFeePaid: string | null;
  stateFeePaidAt: string | null;
}

const BLANK_UNITS = ['DİN PQMBİ Bakı şöbəsi', 'DİN PQMBİ Gəncə şöbəsi', 'DİN PQMBİ Sumqayıt şöbəsi', 'ASAN xidmət Bakı 1', 'ASAN xidmət Gəncə'];
const STATE_FEES: Partial<Record<DocumentType, string>> = { IDENTITY_CARD: '5.00', GENERAL_PASSPORT: '60.00' };

/** The blank each issued document was personalised on. */
export function personalisedBlank(document: IssuedDocument): Blank {
  const rng = new Rng('blank', document.number);
  const fee = STATE_FEES[document.type] ?? null;
  return {
    series: document.blankSeries,
    number: document.blankNumber,
    documentType: document.type,
    state: 'PERSONALISED',
    unit: rng.pick(BLANK_UNITS),
    stateChangedAt: document.issuedAt,
    documentNumber: document.number,
    stateFeePaid: fee,
    stateFeePaidAt: fee ? document.issuedAt : null,
  };
}

/** Blanks not yet personalised: stock in warehouses and units, and spoilt ones. */
export function stockBlank(options: PopulationOptions, index: number): Blank {
  const rng = new Rng(options.seed, 'stock-blank', index);
  const type: DocumentType = rng.chance(0.6) ? 'IDENTITY_CARD' : 'GENERAL_PASSPORT';
  const state = rng.pick(['IN_WAREHOUSE', 'IN_WAREHOUSE', 'DISTRIBUTED_TO_UNIT', 'ISSUED_TO_SUBSYSTEM', 'DEFECTIVE', 'DAMAGED'] as const);
  return {
    series: type === 'IDENTITY_CARD' ? 'AB' : 'D',
    number: String(index + 1).padStart(type === 'IDENTITY_CARD' ? 7 : 8, '0'),
    documentType: type,
    state,
    unit: state === 'IN_WAREHOUSE' ? null : rng.pick(BLANK_UNITS),
    stateChangedAt: randomDay(rng, 2023, 2025),
    documentNumber: null,
    stateFeePaid: null,
    stateFeePaidAt: null,
  };
}
