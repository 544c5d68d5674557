import { hubError, isSelfOnly, maySeePerson, type Caller } from '@hub/kit';

/**
 * Appendix 2 grants this resource only unlimited access or none: a `restricted` level has no
 * defined reading here, so it reads nothing. A citizen reads the records about their own FİN (R4).
 */
export function assertReadable(caller: Caller): void {
  if (!isSelfOnly(caller) && caller.level !== 'unlimited') {
    throw hubError('FORBIDDEN', 'The access matrix grants this resource only unlimited access or none.', { resource: 'foreigners' });
  }
}

export function forbidOthers(caller: Caller, fin: string | null): void {
  if (!maySeePerson(caller, fin)) {
    throw hubError('FORBIDDEN', 'A citizen may read records about their own FİN only.', { resource: 'foreigners' });
  }
}
