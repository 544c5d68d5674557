/**
 * Levels of assurance of a person's sign-in (R13: enhanced e-signatures), weakest first: `low`
 * (a password or a code), `substantial` (two factors, e.g. ASAN Login with a mobile code),
 * `high` (a qualified e-signature such as ASAN İmza). Purposes name the least they need.
 */
export const ASSURANCE_LEVELS = ['low', 'substantial', 'high'] as const;
export type AssuranceLevel = (typeof ASSURANCE_LEVELS)[number];

export function isAssuranceLevel(value: unknown): value is AssuranceLevel {
  return typeof value === 'string' && (ASSURANCE_LEVELS as readonly string[]).includes(value);
}

/** True when `level` is at least `least`. */
export function meets(level: AssuranceLevel, least: AssuranceLevel): boolean {
  return ASSURANCE_LEVELS.indexOf(level) >= ASSURANCE_LEVELS.indexOf(least);
}
