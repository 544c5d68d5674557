import { citizenAt, citizenDocuments } from './citizens';
import { randomDay, randomTime } from './dates';
import { featuresOf } from './features';
import { foreignerAt } from './foreigners';
import type { PopulationOptions } from './population';
import { Rng } from './rng';
import { vehicleOf } from './vehicles';
import * as words from './vocabulary';

/** The border-crossing restriction list (İAMAS rules 6.7): entries about persons, documents and vehicles. */
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

const PERSON_CATEGORIES = (Object.keys(words.RESTRICTION_CATEGORIES) as words.RestrictionCategory[]).filter(
  (c) => words.RESTRICTION_CATEGORIES[c].subject === 'person' && c !== '6.7.1.4-1' && c !== '6.7.1.11' && c !== '6.7.1.12-3',
);
const FOREIGNER_CATEGORIES: words.RestrictionCategory[] = ['6.7.1.4-1', '6.7.1.5', '6.7.1.11', '6.7.1.12-3'];

function restrictionEntry(
  rng: Rng,
  entryNumber: string,
  category: words.RestrictionCategory,
  agency: string,
  target: Partial<RestrictionEntry>,
): RestrictionEntry {
  const enteredAt = randomTime(rng, 2019, 2025);
  const lifted = rng.chance(0.2);
  const court = rng.pick(words.COURTS);
  return {
    entryNumber,
    category,
    subject: words.RESTRICTION_CATEGORIES[category].subject,
    fin: null,
    documentNumber: null,
    vehicleRegistrationNumber: null,
    fullName: null,
    birthDate: null,
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
  return [
    restrictionEntry(rng, `R-F${index}-1`, category, rng.pick(words.RESTRICTION_INITIATORS[category]), {
      fin: person.fin,
      documentNumber: person.passportNumber,
      fullName: `${person.lastName} ${person.firstName}`,
      birthDate: person.birthDate,
    }),
  ];
}
