import { hubError, isSelfOnly, type Caller } from '@hub/kit';
import { vocabulary } from '@hub/kit/synthetic';
import type { RestrictionCategory, RestrictionCheck, RestrictionEntry, RestrictionRecord } from './entities';

/** The list is for authorised bodies only (6.7.1); a person reading about themselves is not one. */
export function refuseCitizens(caller: Caller): void {
  if (isSelfOnly(caller)) {
    throw hubError('FORBIDDEN', 'The restriction list is not available to citizens.', { resource: 'restrictionList' });
  }
}

function categoryOf(code: string): RestrictionCategory {
  const known = vocabulary.RESTRICTION_CATEGORIES[code as vocabulary.RestrictionCategory];
  return { code, label: known?.label ?? code };
}

/**
 * The access rule of this resource. `unlimited` sees every entry whole; `restricted` sees
 * whole only the entries its own body initiated, and of the others only that they exist,
 * whether they are active and which body to contact (6.7.1, 4.3.3.2).
 */
export function entryAsSeenBy(caller: Caller, record: RestrictionRecord): RestrictionEntry {
  if (caller.level === 'unlimited' || record.initiatingAgency === caller.agency) {
    return {
      entryNumber: record.entryNumber,
      category: categoryOf(record.category),
      subject: record.subject,
      fin: record.fin,
      documentNumber: record.documentNumber,
      vehicleRegistrationNumber: record.vehicleRegistrationNumber,
      fullName: record.fullName,
      birthDate: record.birthDate,
      initiatingAgency: record.initiatingAgency,
      basis: record.basis,
      active: record.active,
      statusChangedAt: record.statusChangedAt,
      statusReason: record.statusReason,
      validUntil: record.validUntil,
      enteredBy: record.enteredBy,
      approvedBy: record.approvedBy,
      enteredAt: record.enteredAt,
      masked: false,
    };
  }
  return {
    entryNumber: null,
    category: null,
    subject: record.subject,
    fin: null,
    documentNumber: null,
    vehicleRegistrationNumber: null,
    fullName: null,
    birthDate: null,
    initiatingAgency: record.initiatingAgency,
    basis: null,
    active: record.active,
    statusChangedAt: null,
    statusReason: null,
    validUntil: null,
    enteredBy: null,
    approvedBy: null,
    enteredAt: null,
    masked: true,
  };
}

/** Hit / no-hit: every caller with access gets it whole, so a border officer knows whom to call. */
export function checkOf(records: readonly RestrictionRecord[]): RestrictionCheck {
  const active = records.filter((r) => r.active);
  return {
    hit: active.length > 0,
    contactAgencies: [...new Set(active.map((r) => r.initiatingAgency))].sort(),
    checkedAt: new Date(),
  };
}
