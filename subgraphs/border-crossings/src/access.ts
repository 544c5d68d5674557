import { hubError, isSelfOnly, maySeePerson, type Caller } from '@hub/kit';

/**
 * Appendix 2 grants this resource only unlimited access or none: a `restricted` level has no
 * defined reading here, so it reads nothing. A citizen reads the crossings of their own FİN (R4).
 */
export function assertReadable(caller: Caller): void {
  if (!isSelfOnly(caller) && caller.level !== 'unlimited') {
    throw hubError('FORBIDDEN', 'The access matrix grants this resource only unlimited access or none.', { resource: 'borderCrossings' });
  }
}

/** A document or vehicle may carry other persons' crossings; a citizen sees only their own among them. */
export function visibleTo<T extends { fin: string | null }>(caller: Caller, crossings: readonly T[]): T[] {
  return crossings.filter((c) => maySeePerson(caller, c.fin));
}
