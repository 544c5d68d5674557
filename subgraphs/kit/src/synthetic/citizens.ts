import { blankOf } from './blanks';
import { addYears, ageOn, day, randomDay, REFERENCE_DAY } from './dates';
import * as id from './identifiers';
import type { PopulationOptions } from './population';
import { Rng } from './rng';
import * as words from './vocabulary';

/** Citizens of the Republic of Azerbaijan (İAMAS rules 6.4): the person, documents, registrations, parents. */
export type Sex = 'MALE' | 'FEMALE';

export interface Citizen {
  index: number;
  fin: string;
  /** İAMAS internal number of the record (6.4.1). */
  internalNumber: string;
  firstName: string;
  lastName: string;
  patronymic: string;
  sex: Sex;
  birthDate: string;
  birthPlace: string;
  maritalStatus: 'SINGLE' | 'MARRIED' | 'DIVORCED' | 'WIDOWED';
  address: string;
  militaryStatus: 'NOT_LIABLE' | 'LIABLE' | 'SERVING' | 'RESERVE' | 'EXEMPT';
  isMinor: boolean;
}

function surname(stem: string, sex: Sex): string {
  return sex === 'MALE' ? stem : `${stem}a`;
}

const DEMO_BIRTH_YEARS: Record<number, number> = { 0: 1984, 1: 1979, 2: 1991, 3: 2015 };

/** The first draws of a citizen: enough to pick parents among many candidates without building each whole person. */
function sexAndBirth(rng: Rng, index: number): { sex: Sex; birthDate: string } {
  const sex: Sex = rng.chance(0.5) ? 'MALE' : 'FEMALE';
  const birthYear = DEMO_BIRTH_YEARS[index] ?? rng.int(1940, 2024);
  return { sex, birthDate: day(birthYear, rng.int(1, 12), rng.int(1, 28)) };
}

/** One person is asked for several times in a row (documents, registrations, features): the last one is kept, frozen as it is shared. */
let lastCitizen: { seed: number; citizen: Readonly<Citizen> } | null = null;

export function citizenAt(options: PopulationOptions, index: number): Citizen {
  if (lastCitizen && lastCitizen.citizen.index === index && lastCitizen.seed === options.seed) return lastCitizen.citizen;
  const citizen = Object.freeze(buildCitizen(options, index));
  lastCitizen = { seed: options.seed, citizen };
  return citizen;
}

function buildCitizen(options: PopulationOptions, index: number): Citizen {
  const rng = new Rng(options.seed, 'citizen', index);
  const { sex, birthDate } = sexAndBirth(rng, index);
  const age = ageOn(birthDate, REFERENCE_DAY);
  const fatherName = rng.pick(words.MALE_NAMES);
  return {
    index,
    fin: id.finForCitizen(options.seed, index),
    internalNumber: `IAMAS-${String(index + 1).padStart(9, '0')}`,
    firstName: rng.pick(sex === 'MALE' ? words.MALE_NAMES : words.FEMALE_NAMES),
    lastName: surname(rng.pick(words.SURNAME_STEMS), sex),
    patronymic: `${fatherName} ${sex === 'MALE' ? 'oğlu' : 'qızı'}`,
    sex,
    birthDate,
    birthPlace: rng.pick(words.BIRTH_PLACES),
    maritalStatus: age < 18 ? 'SINGLE' : rng.pick(['SINGLE', 'MARRIED', 'MARRIED', 'DIVORCED', 'WIDOWED'] as const),
    address: `${rng.pick(words.BIRTH_PLACES)}, ${rng.pick(words.STREETS)} ${rng.int(1, 180)}, m. ${rng.int(1, 120)}`,
    militaryStatus:
      sex === 'FEMALE' || age < 18 ? 'NOT_LIABLE' : age < 35 ? rng.pick(['LIABLE', 'SERVING', 'RESERVE'] as const) : rng.pick(['RESERVE', 'EXEMPT'] as const),
    isMinor: age < 18,
  };
}

export type DocumentType = 'IDENTITY_CARD' | 'GENERAL_PASSPORT' | 'SERVICE_PASSPORT' | 'DIPLOMATIC_PASSPORT' | 'SEAMAN_ID' | 'RETURN_CERTIFICATE';

export interface IssuedDocument {
  number: string;
  type: DocumentType;
  holderFin: string;
  issuedBy: string;
  issuedAt: string;
  expiresAt: string;
  /** 6.4: each document's active status, the reason and date of its change. */
  active: boolean;
  statusReason: string;
  statusChangedAt: string;
  /** The accounting blank it was personalised on (5.7, 6.8). */
  blankSeries: string;
  blankNumber: string;
}

const DOCUMENT_ISSUERS: Record<DocumentType, string> = {
  IDENTITY_CARD: 'DİN Pasport, Qeydiyyat və Miqrasiya Baş İdarəsi',
  GENERAL_PASSPORT: 'DİN Pasport, Qeydiyyat və Miqrasiya Baş İdarəsi',
  SERVICE_PASSPORT: 'Xarici İşlər Nazirliyi',
  DIPLOMATIC_PASSPORT: 'Xarici İşlər Nazirliyi',
  SEAMAN_ID: 'Dövlət Dəniz Administrasiyası',
  RETURN_CERTIFICATE: 'Xarici İşlər Nazirliyi',
};

function document(
  type: DocumentType,
  number: string,
  holderFin: string,
  issuedAt: string,
  years: number,
  status: { active: boolean; reason: string; changedAt: string },
): IssuedDocument {
  const blank = blankOf(number);
  return {
    number,
    type,
    holderFin,
    issuedBy: DOCUMENT_ISSUERS[type],
    issuedAt,
    expiresAt: addYears(issuedAt, years),
    active: status.active,
    statusReason: status.reason,
    statusChangedAt: status.changedAt,
    blankSeries: blank.series,
    blankNumber: blank.number,
  };
}

export function citizenDocuments(options: PopulationOptions, index: number): IssuedDocument[] {
  const person = citizenAt(options, index);
  const rng = new Rng(options.seed, 'documents', index);
  const docs: IssuedDocument[] = [];
  const birthYear = Number(person.birthDate.slice(0, 4));
  const cardIssued = randomDay(rng, Math.max(2019, birthYear), 2025);
  docs.push(document('IDENTITY_CARD', id.identityCardNumber(index), person.fin, cardIssued, 10, { active: true, reason: 'issued', changedAt: cardIssued }));
  if (!person.isMinor && rng.chance(0.6)) {
    const oldIssued = randomDay(rng, Math.max(2005, birthYear + 16), 2014);
    docs.push(
      document('IDENTITY_CARD', id.oldIdentityCardNumber(index), person.fin, oldIssued, 10, {
        active: false,
        reason: 'replaced by a new identity card',
        changedAt: cardIssued,
      }),
    );
  }
  if (index <= 3 || rng.chance(person.isMinor ? 0.3 : 0.55)) {
    const issued = randomDay(rng, 2017, 2025);
    const lost = index > 3 && rng.chance(0.05);
    docs.push(
      document(
        'GENERAL_PASSPORT',
        id.passportNumber(index),
        person.fin,
        issued,
        10,
        lost
          ? { active: false, reason: 'declared lost', changedAt: randomDay(rng, Number(issued.slice(0, 4)), 2025) }
          : { active: true, reason: 'issued', changedAt: issued },
      ),
    );
  }
  if (!person.isMinor && rng.chance(0.02)) {
    const issued = randomDay(rng, 2018, 2025);
    const service = rng.chance(0.5);
    docs.push(
      document(
        service ? 'SERVICE_PASSPORT' : 'DIPLOMATIC_PASSPORT',
        service ? id.servicePassportNumber(index) : id.diplomaticPassportNumber(index),
        person.fin,
        issued,
        5,
        { active: true, reason: 'issued', changedAt: issued },
      ),
    );
  }
  if (!person.isMinor && rng.chance(0.02)) {
    const issued = randomDay(rng, 2016, 2025);
    docs.push(document('SEAMAN_ID', id.seamanDocumentNumber(index), person.fin, issued, 5, { active: true, reason: 'issued', changedAt: issued }));
  }
  return docs;
}

export interface Registration {
  kind: 'PLACE_OF_STAY' | 'CONSULAR';
  place: string;
  registeredAt: string;
  deregisteredAt: string | null;
}

export function citizenRegistrations(options: PopulationOptions, index: number): Registration[] {
  const person = citizenAt(options, index);
  const rng = new Rng(options.seed, 'registrations', index);
  const regs: Registration[] = [{ kind: 'PLACE_OF_STAY', place: person.address, registeredAt: randomDay(rng, 2010, 2025), deregisteredAt: null }];
  if (!person.isMinor && rng.chance(0.03)) {
    regs.push({
      kind: 'CONSULAR',
      place: rng.pick(['Moskva', 'İstanbul', 'Berlin', 'London', 'Dubay']),
      registeredAt: randomDay(rng, 2012, 2024),
      deregisteredAt: rng.chance(0.5) ? randomDay(rng, 2024, 2025) : null,
    });
  }
  return regs;
}

/** Parents of a minor, by FİN (6.4: parents of minors), chosen among adult citizens. */
export function parentsOf(options: PopulationOptions, index: number): { fatherFin: string | null; motherFin: string | null } {
  const child = citizenAt(options, index);
  if (!child.isMinor) return { fatherFin: null, motherFin: null };
  if (index === 3) return { fatherFin: citizenAt(options, 0).fin, motherFin: null };
  const rng = new Rng(options.seed, 'parents', index);
  const find = (sex: Sex): string | null => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const candidateIndex = rng.int(4, Math.max(4, options.citizens - 1));
      const candidate = sexAndBirth(new Rng(options.seed, 'citizen', candidateIndex), candidateIndex);
      const gap = ageOn(candidate.birthDate, child.birthDate);
      if (candidate.sex === sex && ageOn(candidate.birthDate, REFERENCE_DAY) >= 18 && gap >= 18 && gap <= 45)
        return id.finForCitizen(options.seed, candidateIndex);
    }
    return null;
  };
  return { fatherFin: find('MALE'), motherFin: find('FEMALE') };
}
