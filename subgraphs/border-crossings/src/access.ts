import { maySeePerson, type Caller } from '@hub/kit';

/** A document or vehicle may carry other persons' crossings; a citizen sees only their own among them. */
export function visibleTo<T extends { fin: string | null }>(caller: Caller, crossings: readonly T[]): T[] {
  return crossings.filter((c) => maySeePerson(caller, c.fin));
}
