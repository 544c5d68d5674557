import { addYears, pad, randomDay } from './dates';
import * as id from './identifiers';
import type { PopulationOptions } from './population';
import { Rng } from './rng';
import * as words from './vocabulary';
import type { Sex } from './citizens';

/** Foreigners and stateless persons (İAMAS rules 6.5): passport data and permits. */
export interface Foreigner {
  index: number;
  systemNumber: string;
  fin: string | null;
  firstName: string;
  lastName: string;
  sex: Sex;
  birthDate: string;
  nationality: string | null;
  /** Passport main-page data (6.5). */
  passportNumber: string;
  passportIssuingCountry: string;
  passportExpiresAt: string;
  stayRegistrationAddress: string | null;
}

export interface Permit {
  number: string;
  kind: 'VISA' | 'TEMPORARY_RESIDENCE' | 'PERMANENT_RESIDENCE' | 'WORK_PERMIT' | 'STAY_EXTENSION' | 'REFUGEE_STATUS';
  issuedAt: string;
  validUntil: string;
  active: boolean;
  statusReason: string;
  statusChangedAt: string;
}

export function foreignerAt(options: PopulationOptions, index: number): Foreigner {
  const rng = new Rng(options.seed, 'foreigner', index);
  const nation = rng.pick(words.FOREIGN_NATIONALITIES);
  const stateless = index > 0 && rng.chance(0.03);
  const hasFin = index === 0 || rng.chance(0.6);
  const sex: Sex = rng.chance(0.5) ? 'MALE' : 'FEMALE';
  return {
    index,
    systemNumber: id.foreignerSystemNumber(index),
    fin: hasFin ? id.finForForeigner(options.seed, index) : null,
    firstName: rng.pick(nation.names),
    lastName: rng.pick(nation.surnames),
    sex,
    birthDate: randomDay(rng, 1950, 2005),
    nationality: stateless ? null : nation.country,
    passportNumber: id.foreignPassportNumber(index),
    passportIssuingCountry: stateless ? 'AZE' : nation.country,
    passportExpiresAt: randomDay(rng, 2026, 2034),
    stayRegistrationAddress: hasFin ? `${rng.pick(words.BIRTH_PLACES)}, ${rng.pick(words.STREETS)} ${rng.int(1, 150)}` : null,
  };
}

export function foreignerPermits(options: PopulationOptions, index: number): Permit[] {
  const person = foreignerAt(options, index);
  const rng = new Rng(options.seed, 'permits', index);
  const permits: Permit[] = [];
  const issued = randomDay(rng, 2020, 2025);
  const status = { active: true, statusReason: 'issued', statusChangedAt: issued };
  if (person.fin) {
    const permanent = rng.chance(0.25);
    permits.push({
      number: id.residenceCardNumber(index),
      kind: permanent ? 'PERMANENT_RESIDENCE' : 'TEMPORARY_RESIDENCE',
      issuedAt: issued,
      validUntil: addYears(issued, permanent ? 5 : 1),
      ...status,
    });
    if (rng.chance(0.5))
      permits.push({ number: `WP${String(index).padStart(7, '0')}`, kind: 'WORK_PERMIT', issuedAt: issued, validUntil: addYears(issued, 1), ...status });
    if (person.nationality === null)
      permits.push({ number: `RS${String(index).padStart(7, '0')}`, kind: 'REFUGEE_STATUS', issuedAt: issued, validUntil: addYears(issued, 5), ...status });
  } else {
    permits.push({
      number: `EV${String(index).padStart(7, '0')}`,
      kind: 'VISA',
      issuedAt: issued,
      validUntil: addYears(issued, 0).replace(/-(\d\d)-/, (_m, mm: string) => `-${pad(Math.min(12, Number(mm) + 1))}-`),
      active: rng.chance(0.7),
      statusReason: 'issued',
      statusChangedAt: issued,
    });
  }
  return permits;
}
