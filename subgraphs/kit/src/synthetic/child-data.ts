import { citizenAt, parentsOf } from './citizens';
import { addYears, ageOn, REFERENCE_DAY } from './dates';
import type { PopulationOptions } from './population';
import { Rng } from './rng';

/** The child data bank (Cabinet of Ministers decision No 113 of 2025): e-profiles of minors, archived at 18. */
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
    guardianFin:
      !parents.fatherFin && !parents.motherFin && !archived && rng.chance(0.5) ? citizenAt(options, rng.int(4, Math.max(4, options.citizens - 1))).fin : null,
    school: age >= 6 && age < 18 ? `Bakı şəhəri ${rng.int(1, 320)} nömrəli tam orta məktəb` : null,
    grade: age >= 6 && age < 18 ? Math.min(11, age - 5) : null,
    disabilityGroup: rng.chance(0.03) ? rng.pick(['I', 'II', 'III']) : null,
    chronicConditions: rng.chance(0.08) ? [rng.pick(['astma', 'diabet', 'epilepsiya'])] : [],
    vaccinationsComplete: rng.chance(0.9),
    socialBenefits: rng.chance(0.15)
      ? [rng.pick(['ünvanlı dövlət sosial yardımı', 'sağlamlıq imkanları məhdud uşağa müavinət', 'ailə başçısını itirməyə görə pensiya'])]
      : [],
    offencesByChild: age >= 14 && rng.chance(0.03) ? 1 : 0,
    offencesAgainstChild: rng.chance(0.02) ? 1 : 0,
    archived,
    archivedAt: archived ? addYears(person.birthDate, 18) : null,
  };
}
