import { isSelfOnly, type Caller } from '@hub/kit';
import type { Appeal } from './entities';

/**
 * The row rule of the appeals resource. Unlimited callers (the Presidential Administration,
 * founder-administrator, rules 1.5 and 5.1.4) read every appeal; a restricted caller (a local
 * executive authority, 5.3) only the appeals it received; a citizen only their own (R4),
 * whichever authority received them.
 */
export function mayReadAppeal(caller: Caller, appeal: Pick<Appeal, 'applicantFin' | 'receivedBy'>): boolean {
  if (isSelfOnly(caller)) return caller.fin === appeal.applicantFin;
  return caller.level === 'unlimited' || appeal.receivedBy === caller.agency;
}
