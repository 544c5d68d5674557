import { Rng } from './rng';
import * as id from './identifiers';
import * as words from './vocabulary';

/**
 * The synthetic population. Every function is a pure function of (options, index), so each
 * subgraph seeds its own schema from the same generator and one FİN means the same person
 * everywhere. Dates are computed against a fixed reference day, never the clock.
 */
export interface PopulationOptions {
  seed: number;
  citizens: number;
  foreigners: number;
}

export const DEMO_POPULATION: PopulationOptions = { seed: 2012, citizens: 400, foreigners: 80 };
export const REFERENCE_DAY = '2026-06-01';

/** Demo persons the generator always produces at fixed indexes, one per typical case. */
export const DEMO_CASES = {
  'citizen-full': { citizen: 0 },
  'restricted-by-SBS': { citizen: 1 },
  'restricted-by-MIA': { citizen: 2 },
  child: { citizen: 3 },
  foreigner: { foreigner: 0 },
} as const;
export type DemoCase = keyof typeof DEMO_CASES;

export function demoPeople(options: PopulationOptions): Array<{ case: DemoCase; fin: string }> {
  return (Object.keys(DEMO_CASES) as DemoCase[]).map((name) => {
    const where: { citizen?: number; foreigner?: number } = DEMO_CASES[name];
    const fin = where.citizen !== undefined
      ? id.finForCitizen(options.seed, where.citizen)
      : id.finForForeigner(options.seed, where.foreigner ?? 0);
    return { case: name, fin };
  });
}

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

interface Features {
  crossings: boolean;
  restricted: boolean;
  debtor: boolean;
  appeals: boolean;
  vehicle: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');
const day = (year: number, month: number, dayOfMonth: number) => `${year}-${pad(month)}-${pad(dayOfMonth)}`;
const addYears = (date: string, years: number) => `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
function randomDay(rng: Rng, fromYear: number, toYear: number): string {
  return day(rng.int(fromYear, toYear), rng.int(1, 12), rng.int(1, 28));
}
function randomTime(rng: Rng, fromYear: number, toYear: number): string {
  return `${randomDay(rng, fromYear, toYear)}T${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}Z`;
}
function ageOn(birthDate: string, onDay: string): number {
  const years = Number(onDay.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return onDay.slice(5) >= birthDate.slice(5) ? years : years - 1;
}

function surname(stem: string, sex: Sex): string {
  return sex === 'MALE' ? stem : `${stem}a`;
}

const DEMO_BIRTH_YEARS: Record<number, number> = { 0: 1984, 1: 1979, 2: 1991, 3: 2015 };

export function citizenAt(options: PopulationOptions, index: number): Citizen {
  const rng = new Rng(options.seed, 'citizen', index);
  const sex: Sex = rng.chance(0.5) ? 'MALE' : 'FEMALE';
  const birthYear = DEMO_BIRTH_YEARS[index] ?? rng.int(1940, 2024);
  const birthDate = day(birthYear, rng.int(1, 12), rng.int(1, 28));
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
    militaryStatus: sex === 'FEMALE' || age < 18 ? 'NOT_LIABLE' : age < 35 ? rng.pick(['LIABLE', 'SERVING', 'RESERVE'] as const) : rng.pick(['RESERVE', 'EXEMPT'] as const),
    isMinor: age < 18,
  };
}

function featuresOf(options: PopulationOptions, index: number): Features {
  const rng = new Rng(options.seed, 'features', index);
  const adult = !citizenAt(options, index).isMinor;
  const drawn: Features = {
    crossings: rng.chance(0.45),
    restricted: rng.chance(0.04),
    debtor: adult && rng.chance(0.06),
    appeals: adult && rng.chance(0.1),
    vehicle: adult && rng.chance(0.3),
  };
  switch (index) {
    case 0: return { crossings: true, restricted: false, debtor: true, appeals: true, vehicle: true };
    case 1: return { crossings: true, restricted: true, debtor: false, appeals: false, vehicle: true };
    case 2: return { crossings: true, restricted: true, debtor: false, appeals: false, vehicle: false };
    case 3: return { crossings: true, restricted: false, debtor: false, appeals: false, vehicle: false };
    default: return index < 10 ? { ...drawn, restricted: false } : drawn;
  }
}

// ── Citizens (6.4): documents and registrations ────────────────────────────────────────

export type DocumentType =
  | 'IDENTITY_CARD'
  | 'GENERAL_PASSPORT'
  | 'SERVICE_PASSPORT'
  | 'DIPLOMATIC_PASSPORT'
  | 'SEAMAN_ID'
  | 'RETURN_CERTIFICATE';

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

/** Splits a document number into the blank's series (letters) and number (digits). */
export function blankOf(documentNumber: string): { series: string; number: string } {
  const match = /^([A-Z]+)([0-9]+)$/.exec(documentNumber);
  return { series: match?.[1] ?? '', number: match?.[2] ?? documentNumber };
}

function document(type: DocumentType, number: string, holderFin: string, issuedAt: string, years: number, status: { active: boolean; reason: string; changedAt: string }): IssuedDocument {
  const blank = blankOf(number);
  return {
    number, type, holderFin, issuedBy: DOCUMENT_ISSUERS[type], issuedAt, expiresAt: addYears(issuedAt, years),
    active: status.active, statusReason: status.reason, statusChangedAt: status.changedAt,
    blankSeries: blank.series, blankNumber: blank.number,
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
    docs.push(document('IDENTITY_CARD', id.oldIdentityCardNumber(index), person.fin, oldIssued, 10, { active: false, reason: 'replaced by a new identity card', changedAt: cardIssued }));
  }
  if (index <= 3 || rng.chance(person.isMinor ? 0.3 : 0.55)) {
    const issued = randomDay(rng, 2017, 2025);
    const lost = index > 3 && rng.chance(0.05);
    docs.push(document('GENERAL_PASSPORT', id.passportNumber(index), person.fin, issued, 10, lost
      ? { active: false, reason: 'declared lost', changedAt: randomDay(rng, Number(issued.slice(0, 4)), 2025) }
      : { active: true, reason: 'issued', changedAt: issued }));
  }
  if (!person.isMinor && rng.chance(0.02)) {
    const issued = randomDay(rng, 2018, 2025);
    const service = rng.chance(0.5);
    docs.push(document(service ? 'SERVICE_PASSPORT' : 'DIPLOMATIC_PASSPORT', service ? id.servicePassportNumber(index) : id.diplomaticPassportNumber(index), person.fin, issued, 5, { active: true, reason: 'issued', changedAt: issued }));
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
    regs.push({ kind: 'CONSULAR', place: rng.pick(['Moskva', 'İstanbul', 'Berlin', 'London', 'Dubay']), registeredAt: randomDay(rng, 2012, 2024), deregisteredAt: rng.chance(0.5) ? randomDay(rng, 2024, 2025) : null });
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
      const candidate = citizenAt(options, rng.int(4, Math.max(4, options.citizens - 1)));
      const gap = ageOn(candidate.birthDate, child.birthDate) ;
      if (candidate.sex === sex && !candidate.isMinor && gap >= 18 && gap <= 45) return candidate.fin;
    }
    return null;
  };
  return { fatherFin: find('MALE'), motherFin: find('FEMALE') };
}

// ── Vehicles ────────────────────────────────────────────────────────────────────────────

export interface Vehicle {
  registrationNumber: string;
  type: 'CAR' | 'TRUCK' | 'BUS' | 'MOTORCYCLE';
  make: string;
  model: string;
  ownerFin: string;
}

export function vehicleOf(options: PopulationOptions, index: number): Vehicle | null {
  if (!featuresOf(options, index).vehicle) return null;
  const rng = new Rng(options.seed, 'vehicle', index);
  const brand = rng.pick(words.CAR_MAKES);
  return {
    registrationNumber: id.vehicleRegistrationNumber(index),
    type: brand.make === 'Mercedes-Benz' && rng.chance(0.3) ? 'BUS' : 'CAR',
    make: brand.make,
    model: rng.pick(brand.models),
    ownerFin: citizenAt(options, index).fin,
  };
}

// ── Foreigners and stateless persons (6.5) ──────────────────────────────────────────────

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
    permits.push({ number: id.residenceCardNumber(index), kind: permanent ? 'PERMANENT_RESIDENCE' : 'TEMPORARY_RESIDENCE', issuedAt: issued, validUntil: addYears(issued, permanent ? 5 : 1), ...status });
    if (rng.chance(0.5)) permits.push({ number: `WP${String(index).padStart(7, '0')}`, kind: 'WORK_PERMIT', issuedAt: issued, validUntil: addYears(issued, 1), ...status });
    if (person.nationality === null) permits.push({ number: `RS${String(index).padStart(7, '0')}`, kind: 'REFUGEE_STATUS', issuedAt: issued, validUntil: addYears(issued, 5), ...status });
  } else {
    permits.push({ number: `EV${String(index).padStart(7, '0')}`, kind: 'VISA', issuedAt: issued, validUntil: addYears(issued, 0).replace(/-(\d\d)-/, (_m, mm: string) => `-${pad(Math.min(12, Number(mm) + 1))}-`), active: rng.chance(0.7), statusReason: 'issued', statusChangedAt: issued });
  }
  return permits;
}

// ── Border crossings (6.6) ─────────────────────────────────────────────────────────────

export type Subject = { citizen: number } | { foreigner: number };

export interface Crossing {
  fin: string | null;
  documentNumber: string;
  documentType: string;
  /** Name as printed on the document (6.6: the person's document data). */
  fullName: string;
  direction: 'ENTRY' | 'EXIT';
  crossedAt: string;
  checkpoint: string;
  workstation: string;
  vehicle: Omit<Vehicle, 'ownerFin'> | null;
  result: 'PERMITTED' | 'REFUSED';
  decisionNote: string;
}

export function crossingsOf(options: PopulationOptions, subject: Subject): Crossing[] {
  const isCitizen = 'citizen' in subject;
  const index = isCitizen ? subject.citizen : subject.foreigner;
  const rng = new Rng(options.seed, 'crossings', isCitizen ? 'c' : 'f', index);
  let fin: string | null;
  let documentNumber: string | undefined;
  let documentType: string;
  let fullName: string;
  let vehicle: Vehicle | null = null;
  if (isCitizen) {
    if (!featuresOf(options, index).crossings) return [];
    const person = citizenAt(options, index);
    const passport = citizenDocuments(options, index).find((d) => d.type !== 'IDENTITY_CARD' && d.active);
    if (!passport) return [];
    fin = person.fin;
    documentNumber = passport.number;
    documentType = passport.type;
    fullName = `${person.lastName} ${person.firstName}`;
    vehicle = vehicleOf(options, index);
  } else {
    if (index !== 0 && !rng.chance(0.6)) return [];
    const person = foreignerAt(options, index);
    fin = person.fin;
    documentNumber = person.passportNumber;
    documentType = 'FOREIGN_PASSPORT';
    fullName = `${person.lastName} ${person.firstName}`;
  }
  const count = rng.int(1, 3) * 2;
  const crossings: Crossing[] = [];
  let year = 2021;
  for (let n = 0; n < count; n++) {
    const direction = (n % 2 === 0) === isCitizen ? 'EXIT' : 'ENTRY';
    year = Math.min(2026, year + rng.int(0, 1));
    const byRoad = vehicle !== null && rng.chance(0.5);
    const checkpoint = byRoad ? rng.pick(words.CHECKPOINTS.slice(4)) : rng.pick(words.CHECKPOINTS.slice(0, 4));
    crossings.push({
      fin, documentNumber, documentType, fullName, direction,
      crossedAt: `${year}-${pad(1 + n)}-${pad(rng.int(1, 28))}T${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:00Z`,
      checkpoint,
      workstation: `WS-${String(rng.int(1, 40)).padStart(3, '0')}`,
      vehicle: byRoad && vehicle ? { registrationNumber: vehicle.registrationNumber, type: vehicle.type, make: vehicle.make, model: vehicle.model } : null,
      result: 'PERMITTED',
      decisionNote: 'control passed',
    });
  }
  return crossings;
}

// ── Restriction list (6.7) ─────────────────────────────────────────────────────────────

export interface RestrictionEntry {
  /** Entry number in the restriction subsystem. */
  entryNumber: string;
  category: words.RestrictionCategory;
  subject: 'person' | 'document' | 'vehicle';
  fin: string | null;
  documentNumber: string | null;
  vehicleRegistrationNumber: string | null;
  fullName: string | null;
  birthDate: string | null;
  initiatingAgency: string;
  basis: string;
  active: boolean;
  statusChangedAt: string;
  statusReason: string;
  validUntil: string | null;
  /** 4.2: who entered the entry and who approved it. */
  enteredBy: string;
  approvedBy: string;
  enteredAt: string;
}

const PERSON_CATEGORIES = (Object.keys(words.RESTRICTION_CATEGORIES) as words.RestrictionCategory[])
  .filter((c) => words.RESTRICTION_CATEGORIES[c].subject === 'person' && c !== '6.7.1.4-1' && c !== '6.7.1.11' && c !== '6.7.1.12-3');
const FOREIGNER_CATEGORIES: words.RestrictionCategory[] = ['6.7.1.4-1', '6.7.1.5', '6.7.1.11', '6.7.1.12-3'];

function restrictionEntry(rng: Rng, entryNumber: string, category: words.RestrictionCategory, agency: string, target: Partial<RestrictionEntry>): RestrictionEntry {
  const enteredAt = randomTime(rng, 2019, 2025);
  const lifted = rng.chance(0.2);
  const court = rng.pick(words.COURTS);
  return {
    entryNumber, category, subject: words.RESTRICTION_CATEGORIES[category].subject,
    fin: null, documentNumber: null, vehicleRegistrationNumber: null, fullName: null, birthDate: null,
    initiatingAgency: agency,
    basis: `${court} ${enteredAt.slice(0, 10)} tarixli qərarı № ${rng.int(1, 9)}(${rng.int(100, 999)})-${rng.int(1000, 9999)}/${enteredAt.slice(0, 4)}`,
    active: !lifted,
    statusChangedAt: lifted ? randomTime(rng, Number(enteredAt.slice(0, 4)), 2025) : enteredAt,
    statusReason: lifted ? 'grounds ended' : 'entered',
    validUntil: rng.chance(0.5) ? randomDay(rng, 2026, 2030) : null,
    enteredBy: `${agency}-officer-${rng.int(100, 999)}`,
    approvedBy: `${agency}-head-${rng.int(10, 99)}`,
    enteredAt,
    ...target,
  };
}

/** An entry whose grounds have not ended: active since it was entered. */
function stillActive(entry: RestrictionEntry): RestrictionEntry {
  return { ...entry, active: true, statusReason: 'entered', statusChangedAt: entry.enteredAt };
}

/** Restriction entries about a citizen: their person, documents and vehicle. */
export function citizenRestrictions(options: PopulationOptions, index: number): RestrictionEntry[] {
  const person = citizenAt(options, index);
  const features = featuresOf(options, index);
  const rng = new Rng(options.seed, 'restrictions', index);
  const entries: RestrictionEntry[] = [];
  const who = { fin: person.fin, fullName: `${person.lastName} ${person.firstName} ${person.patronymic}`, birthDate: person.birthDate };
  if (index === 1) entries.push(stillActive(restrictionEntry(rng, `R-C${index}-1`, '6.7.1.5', 'SBS', who)));
  else if (index === 2) entries.push(stillActive(restrictionEntry(rng, `R-C${index}-1`, '6.7.1.1', 'MIA', who)));
  else if (features.restricted) {
    const category = rng.pick(PERSON_CATEGORIES);
    entries.push(restrictionEntry(rng, `R-C${index}-1`, category, rng.pick(words.RESTRICTION_INITIATORS[category]), who));
  }
  if (features.debtor && index !== 0 && rng.chance(0.3)) {
    entries.push(restrictionEntry(rng, `R-C${index}-2`, '6.7.1.10', 'MOJ', who));
  }
  const lost = citizenDocuments(options, index).find((d) => !d.active && d.statusReason === 'declared lost');
  if (lost) entries.push(stillActive(restrictionEntry(rng, `R-C${index}-3`, '6.7.1.13', 'MIA', { documentNumber: lost.number })));
  const vehicle = vehicleOf(options, index);
  if (vehicle && index > 3 && rng.chance(0.03)) {
    entries.push(restrictionEntry(rng, `R-C${index}-4`, '6.7.1.14', rng.pick(['MIA', 'SCC']), { vehicleRegistrationNumber: vehicle.registrationNumber }));
  }
  return entries;
}

export function foreignerRestrictions(options: PopulationOptions, index: number): RestrictionEntry[] {
  const rng = new Rng(options.seed, 'foreigner-restrictions', index);
  if (index === 0 || !rng.chance(0.06)) return [];
  const person = foreignerAt(options, index);
  const category = rng.pick(FOREIGNER_CATEGORIES);
  return [restrictionEntry(rng, `R-F${index}-1`, category, rng.pick(words.RESTRICTION_INITIATORS[category]), {
    fin: person.fin, documentNumber: person.passportNumber, fullName: `${person.lastName} ${person.firstName}`, birthDate: person.birthDate,
  })];
}

// ── Document blanks (5.7, 6.8) ─────────────────────────────────────────────────────────

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
    series: document.blankSeries, number: document.blankNumber, documentType: document.type,
    state: 'PERSONALISED', unit: rng.pick(BLANK_UNITS), stateChangedAt: document.issuedAt,
    documentNumber: document.number, stateFeePaid: fee, stateFeePaidAt: fee ? document.issuedAt : null,
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
    documentType: type, state, unit: state === 'IN_WAREHOUSE' ? null : rng.pick(BLANK_UNITS),
    stateChangedAt: randomDay(rng, 2023, 2025), documentNumber: null, stateFeePaid: null, stateFeePaidAt: null,
  };
}

// ── Enforcement cases (Elektron icra, seed 002) ────────────────────────────────────────

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

const ENFORCEMENT_ACTIONS = ['notice sent to the debtor', 'bank accounts arrested', 'exit from the country restricted', 'property described', 'salary deduction ordered', 'payment received'];

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
    const actions = Array.from({ length: rng.int(1, 4) }, (_v, k) => ({ kind: ENFORCEMENT_ACTIONS[k] ?? 'notice sent to the debtor', at: addDays(issuedAt, 3 + k * 14) }));
    cases.push({
      caseNumber: `İC-${issuedAt.slice(0, 4)}-${String(index * 4 + n).padStart(7, '0')}`,
      documentKind: kind,
      documentNumber: `${rng.int(1, 9)}(${rng.int(100, 999)})-${rng.int(1000, 9999)}/${issuedAt.slice(0, 4)}`,
      source: kind === 'COURT_WRIT' ? rng.pick(words.COURTS) : kind === 'NOTARY_INSCRIPTION' ? rng.pick(words.NOTARIES) : 'Vergilər Nazirliyi',
      issuedAt,
      debtorFin: person.fin,
      debtorName: `${person.lastName} ${person.firstName} ${person.patronymic}`,
      creditorName: tax ? 'Vergilər Nazirliyi' : rng.chance(0.5) ? `${creditorPerson.lastName} ${creditorPerson.firstName}` : rng.pick(['Kapital Bank ASC', 'Azərişıq ASC', 'Azərsu ASC', 'Bakcell MMC']),
      creditorAgency: tax ? 'MOT' : null,
      amount: (rng.int(5000, 2_500_000) / 100).toFixed(2),
      currency: 'AZN',
      officer: `MOJ-icra-${rng.int(100, 499)}`,
      status: rng.pick(['OPEN', 'OPEN', 'SUSPENDED', 'COMPLETED', 'TERMINATED'] as const),
      openedAt: issuedAt,
      actions,
    });
  }
  if (index === 0) cases.forEach((c) => { c.status = 'OPEN'; });
  return cases;
}

// ── Child data bank (seed 003) ─────────────────────────────────────────────────────────

export interface ChildProfile {
  fin: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  fatherFin: string | null;
  motherFin: string | null;
  guardianFin: string | null;
  /** 4.1: education, supplied by the Ministry of Science and Education (MSE). */
  school: string | null;
  grade: number | null;
  /** 4.1: health, supplied by MOH and TABIB; sensitive. */
  disabilityGroup: string | null;
  chronicConditions: string[];
  vaccinationsComplete: boolean;
  /** 4.1: social benefits and services, supplied by MLSP. */
  socialBenefits: string[];
  /** 4.1: offences by and against the child, supplied by MIA. */
  offencesByChild: number;
  offencesAgainstChild: number;
  /** 1.8: the profile is archived when the child turns 18. */
  archived: boolean;
  archivedAt: string | null;
}

export function childProfileOf(options: PopulationOptions, index: number): ChildProfile | null {
  const person = citizenAt(options, index);
  const age = ageOn(person.birthDate, REFERENCE_DAY);
  if (age >= 21) return null;
  const rng = new Rng(options.seed, 'child', index);
  const parents = parentsOf(options, index);
  const archived = age >= 18;
  return {
    fin: person.fin,
    firstName: person.firstName,
    lastName: person.lastName,
    birthDate: person.birthDate,
    fatherFin: parents.fatherFin,
    motherFin: parents.motherFin,
    guardianFin: !parents.fatherFin && !parents.motherFin && !archived && rng.chance(0.5) ? citizenAt(options, rng.int(4, Math.max(4, options.citizens - 1))).fin : null,
    school: age >= 6 && age < 18 ? `Bakı şəhəri ${rng.int(1, 320)} nömrəli tam orta məktəb` : null,
    grade: age >= 6 && age < 18 ? Math.min(11, age - 5) : null,
    disabilityGroup: rng.chance(0.03) ? rng.pick(['I', 'II', 'III']) : null,
    chronicConditions: rng.chance(0.08) ? [rng.pick(['astma', 'diabet', 'epilepsiya'])] : [],
    vaccinationsComplete: rng.chance(0.9),
    socialBenefits: rng.chance(0.15) ? [rng.pick(['ünvanlı dövlət sosial yardımı', 'sağlamlıq imkanları məhdud uşağa müavinət', 'ailə başçısını itirməyə görə pensiya'])] : [],
    offencesByChild: age >= 14 && rng.chance(0.03) ? 1 : 0,
    offencesAgainstChild: rng.chance(0.02) ? 1 : 0,
    archived,
    archivedAt: archived ? addYears(person.birthDate, 18) : null,
  };
}

// ── Citizens' appeals (seed 004) ───────────────────────────────────────────────────────

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
  'yaşayış binasının təmiri ilə bağlı', 'küçə işıqlandırılması barədə', 'torpaq sahəsinin ayrılması haqqında',
  'içməli su təchizatı ilə bağlı', 'məktəbə yerləşdirmə məsələsi', 'ictimai nəqliyyat marşrutu barədə',
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
      // Appeals are answered within a month (seed 004).
      dueDate: addDays(receivedAt, 30),
      executionStatus: status,
      executor: `${authority.code}-icraçı-${rng.int(10, 99)}`,
      finalAnswer: answered ? 'müraciət baxılmış, müvafiq tədbir görülmüşdür' : null,
      answeredAt: answered ? addDays(receivedAt, rng.int(3, 30)) : null,
    };
  });
}
