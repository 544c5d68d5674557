import { isSelfOnly, type Caller } from '@hub/kit';
import type { ChildProfile, ChildProfileRecord } from './entities';

type ChildProfileSection = 'guardianship' | 'education' | 'health' | 'socialBenefits' | 'offences';

/**
 * Which participants (rules 1.5) see each section of the e-profile beyond identity and
 * parents, which every participant sees: the bodies that supply that section to the data
 * bank under rules 4.1 (and 4.2). Health is sensitive: the health bodies only.
 */
export const SECTION_SUPPLIERS: Readonly<Record<ChildProfileSection, readonly string[]>> = {
  guardianship: ['MOJ', 'CRC'], // 4.1.9: guardianship and custody
  education: ['MSE'], // 4.1.10, 4.1.11 (and 4.2.1)
  health: ['MOH', 'TABIB'], // 4.1.12, 4.1.13
  socialBenefits: ['MLSP'], // 4.1.14 – 4.1.17
  offences: ['MIA', 'CRC'], // 4.1.21 – 4.1.23
};

const SECTIONS = Object.keys(SECTION_SUPPLIERS) as ChildProfileSection[];

type Parties = Pick<ChildProfileRecord, 'fin' | 'fatherFin' | 'motherFin' | 'guardianFin' | 'archived'>;

/** R4 and rules 8.1.2: the child themself always; a parent or guardian until the profile is archived at 18. */
function isOwnOrChildOf(caller: Caller, record: Parties): boolean {
  if (caller.fin === null) return false;
  if (caller.fin === record.fin) return true;
  return !record.archived && [record.fatherFin, record.motherFin, record.guardianFin].includes(caller.fin);
}

/**
 * The sections this caller may see, or null when the profile is not theirs to see at all.
 * SCFWCA (owner, `unlimited`) sees everything, archived profiles included (1.8); a
 * `restricted` participant sees no archived profile, and of the others what it supplies.
 */
export function visibleSections(caller: Caller, record: Parties): ChildProfileSection[] | null {
  if (isSelfOnly(caller)) return isOwnOrChildOf(caller, record) ? SECTIONS : null;
  if (caller.level === 'unlimited') return SECTIONS;
  if (record.archived) return null;
  return SECTIONS.filter((section) => SECTION_SUPPLIERS[section].includes(caller.agency));
}

const personOf = (fin: string | null) => (fin ? { fin } : null);

export function profileView(record: ChildProfileRecord, sections: readonly ChildProfileSection[]): ChildProfile {
  const shows = (section: ChildProfileSection) => sections.includes(section);
  return {
    fin: record.fin,
    person: { fin: record.fin },
    firstName: record.firstName,
    lastName: record.lastName,
    birthDate: record.birthDate,
    father: personOf(record.fatherFin),
    mother: personOf(record.motherFin),
    guardianship: shows('guardianship') ? { guardian: personOf(record.guardianFin) } : null,
    education: shows('education') ? { school: record.school, grade: record.grade } : null,
    health: shows('health')
      ? { disabilityGroup: record.disabilityGroup, chronicConditions: record.chronicConditions, vaccinationsComplete: record.vaccinationsComplete }
      : null,
    socialBenefits: shows('socialBenefits') ? { benefits: record.socialBenefits } : null,
    offences: shows('offences') ? { byChild: record.offencesByChild, againstChild: record.offencesAgainstChild } : null,
    archived: record.archived,
    archivedAt: record.archivedAt,
    maskedSections: SECTIONS.filter((section) => !shows(section)),
  };
}
