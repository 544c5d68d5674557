import type { Identity, Purpose } from '../identity/verifier';
import { meets } from '../identity/assurance';
import { GENERIC_CASE_NUMBER, MAX_CASE_NUMBER_LENGTH, purposesFor, type Policies } from '../policy/policies';
import type { HubRequest } from '../pipeline/context';
import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

/**
 * Why the request is made (X-Purpose) and its case (X-Case-Number). A purpose binds to bodies
 * and roles (purposes.json): a known purpose the caller's body or role may not claim is an
 * attempt to exceed authority (6.9.1.5), refused FORBIDDEN with the claimed code journaled, so
 * no body can hide its look-ups from the person (R4) by claiming operative search (R6).
 */
export function checkPurpose(policies: Policies, hub: HubRequest, identity: Identity): Purpose {
  const allowed = purposesFor(policies, identity.agency, identity.roles);
  const purpose = hub.header('x-purpose')?.trim();
  if (!purpose || !policies.purposes.has(purpose)) {
    const problem = purpose ? 'is not a known purpose' : 'is missing';
    throw new Refusal('BAD_USER_INPUT', `The X-Purpose header ${problem}. Allowed: ${allowed.join(', ')}.`, 400, { header: 'X-Purpose', allowed });
  }
  if (!allowed.includes(purpose)) {
    // A code of the table, never the caller's text: the journal names what was claimed.
    hub.purpose = { purpose, caseNumber: null };
    throw new Refusal(
      'FORBIDDEN',
      `The purpose ${purpose} may not be claimed by ${identity.agency} as ${identity.roles.join(', ')}. Allowed: ${allowed.join(', ') || 'none'}.`,
      403,
      { header: 'X-Purpose', purpose, allowed },
    );
  }
  checkAssurance(policies, hub, identity, purpose);
  const caseNumber = hub.header('x-case-number')?.trim() || null;
  const expected = policies.purposes.get(purpose)?.caseNumber ?? GENERIC_CASE_NUMBER;
  // The case number is journaled: only a value of the purpose's own format, never free text.
  if (caseNumber !== null && (caseNumber.length > MAX_CASE_NUMBER_LENGTH || !expected.pattern.test(caseNumber))) {
    throw new Refusal('BAD_USER_INPUT', `The X-Case-Number header under the purpose ${purpose} must be ${expected.format}.`, 400, {
      header: 'X-Case-Number',
      expectedFormat: expected.format,
    });
  }
  return { purpose, caseNumber };
}

/**
 * R13: a person claims a purpose only as strongly signed in as it needs (purposes.json
 * `assurance`); weaker gets STEP_UP_REQUIRED naming the level, with RFC 9470's challenge for a
 * token so its client asks the provider again with acr_values. The purpose is journaled (a
 * code of the table). Not an attempt to exceed authority: the caller may claim the purpose, it
 * only signed in too weakly. A `system` token is a ministry system's own credential, no person
 * signed in: the level of a sign-in does not apply to it (docs/decisions/0023).
 */
function checkAssurance(policies: Policies, hub: HubRequest, identity: Identity, purpose: string): void {
  const required = policies.purposes.get(purpose)?.assurance ?? 'low';
  if (identity.roles.every((role) => role === 'system') || meets(identity.assurance, required)) return;
  hub.purpose = { purpose, caseNumber: null };
  const scheme = /^(Bearer|DPoP)\s/.exec(hub.header('authorization') ?? '')?.[1];
  const acrValues = policies.identity.acrValuesOf(identity.agency, required).join(' ');
  throw new Refusal(
    'STEP_UP_REQUIRED',
    `The purpose ${purpose} needs a sign-in at assurance level ${required}; this one is ${identity.assurance}. Sign in again at ${required}.`,
    401,
    { requiredAssurance: required, purpose },
    scheme ? { 'www-authenticate': `${scheme} error="insufficient_user_authentication", acr_values="${acrValues}"` } : {},
  );
}

export function usePurpose(policies: Policies): Stage {
  return {
    name: 'purpose',
    after: ['identity'],
    onRequest(hub) {
      if (!hub.identity) return;
      hub.purpose = checkPurpose(policies, hub, hub.identity);
    },
    onSubgraphFetch(hub, call) {
      if (!hub.purpose) return;
      call.claims.purpose = hub.purpose.purpose;
      call.claims.caseNumber = hub.purpose.caseNumber;
    },
  };
}
