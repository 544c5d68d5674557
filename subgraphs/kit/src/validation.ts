import { hubError } from './errors';
import {
  DOCUMENT_FORMAT,
  DOCUMENT_PATTERN,
  FIN_FORMAT,
  FIN_PATTERN,
  FOREIGNER_NUMBER_FORMAT,
  FOREIGNER_NUMBER_PATTERN,
  VEHICLE_FORMAT,
  VEHICLE_PATTERN,
} from './formats';

/**
 * Key validation shared by every subgraph: a malformed key is the caller's mistake and gets
 * BAD_USER_INPUT naming the expected format; a well-formed unknown key is simply not found.
 * The offending value is never echoed back (it may be personal data).
 */
function check(value: string, pattern: RegExp, what: string, argument: string, format: string): string {
  const normalized = value.trim().toUpperCase();
  if (!pattern.test(normalized)) {
    throw hubError('BAD_USER_INPUT', `Invalid ${what} in "${argument}": expected ${format}.`, { argument, expectedFormat: format });
  }
  return normalized;
}

export const parseFin = (value: string, argument = 'fin') => check(value, FIN_PATTERN, 'FİN', argument, FIN_FORMAT);
export const parseDocumentNumber = (value: string, argument = 'number') => check(value, DOCUMENT_PATTERN, 'document number', argument, DOCUMENT_FORMAT);
export const parseVehicleNumber = (value: string, argument = 'registrationNumber') =>
  check(value, VEHICLE_PATTERN, 'vehicle registration number', argument, VEHICLE_FORMAT);
export const parseForeignerNumber = (value: string, argument = 'systemNumber') =>
  check(value, FOREIGNER_NUMBER_PATTERN, 'foreigner system number', argument, FOREIGNER_NUMBER_FORMAT);

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export function parseDate(value: string, argument: string): string {
  const trimmed = value.trim();
  if (!DATE_PATTERN.test(trimmed) || Number.isNaN(Date.parse(`${trimmed}T00:00:00Z`))) {
    throw hubError('BAD_USER_INPUT', `Invalid date in "${argument}": expected YYYY-MM-DD.`, { argument, expectedFormat: 'YYYY-MM-DD' });
  }
  return trimmed;
}

/** Names are compared as the register spells them, without case or surrounding spaces. */
export function parseName(value: string, argument: string): string {
  const trimmed = value.trim();
  if (trimmed.length < 2 || trimmed.length > 60) {
    throw hubError('BAD_USER_INPUT', `Invalid name in "${argument}": expected 2 to 60 characters.`, { argument });
  }
  return trimmed.toLocaleLowerCase('az');
}
