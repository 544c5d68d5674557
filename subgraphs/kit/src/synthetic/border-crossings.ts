import { citizenAt, citizenDocuments } from './citizens';
import { pad } from './dates';
import { featuresOf } from './features';
import { foreignerAt } from './foreigners';
import type { PopulationOptions } from './population';
import { Rng } from './rng';
import { vehicleOf, type Vehicle } from './vehicles';
import * as words from './vocabulary';

/** Border crossings (İAMAS rules 6.6) of citizens and foreigners. */
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
      fin,
      documentNumber,
      documentType,
      fullName,
      direction,
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
