import { hubError, isSelfOnly, type Caller } from '@hub/kit';

/**
 * Blank accounting serves only control of blanks and state fees (6.8.1) and the matrix has
 * no restricted level for it: anything short of unlimited, or a citizen, gets nothing.
 */
export function refuseUnlessUnlimited(caller: Caller): void {
  if (isSelfOnly(caller) || caller.level !== 'unlimited') {
    throw hubError('FORBIDDEN', 'Blank accounting is available only with unlimited access.', { resource: 'blanks' });
  }
}
