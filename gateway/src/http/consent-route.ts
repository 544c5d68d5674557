import type { ConsentEvent, ConsentStore } from '../subjects/consents';
import type { Policies } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { HubResult, Steps } from '../pipeline/stage';
import { subjectHash, subjectHashesOf, type SubjectKeys } from '../subjects/keys';
import { readJsonBody, type BodyLimits } from './body';

interface ConsentRequest {
  agency: string;
  purpose: string;
  until: Date | null;
}

const bad = (message: string, argument: string) => new Refusal('BAD_USER_INPUT', message, 400, { argument });

function consentRequest(body: unknown, policies: Policies, withUntil: boolean, now: Date): ConsentRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new Refusal('BAD_REQUEST', 'Send a JSON object: {"agency": "...", "purpose": "..."}.', 400);
  const { agency, purpose, until } = body as Record<string, unknown>;
  if (typeof agency !== 'string' || !policies.agencies.has(agency)) throw bad('"agency" must be the code of a body connected to the hub.', 'agency');
  if (typeof purpose !== 'string' || policies.purposes.get(purpose)?.legalBasis !== 'consent')
    throw bad('"purpose" must be a purpose whose legal basis is consent.', 'purpose');
  if (!withUntil || until === undefined || until === null) return { agency, purpose, until: null };
  const end = typeof until === 'string' ? new Date(until) : new Date(Number.NaN);
  if (Number.isNaN(end.getTime()) || end <= now) throw bad('"until" must be an ISO 8601 date-time in the future.', 'until');
  return { agency, purpose, until: end };
}

/** The consents in force (latest event per body and purpose is a grant not yet ended), and the history. */
function view(events: ConsentEvent[], now: Date) {
  const latest = new Map<string, ConsentEvent>();
  for (const e of events) if (!latest.has(`${e.agency}\n${e.purpose}`)) latest.set(`${e.agency}\n${e.purpose}`, e);
  const format = (e: ConsentEvent) => ({
    agency: e.agency,
    purpose: e.purpose,
    action: e.action,
    until: e.until?.toISOString() ?? null,
    at: e.at.toISOString(),
  });
  return {
    consents: [...latest.values()]
      .filter((e) => e.action === 'grant' && (e.until === null || e.until > now))
      .map(({ agency, purpose, until }) => ({ agency, purpose, until: until?.toISOString() ?? null })),
    history: events.map(format),
  };
}

/** The journal's event for a request to `/me/consents`: a reading, a grant or a withdrawal. */
export function consentEvent(method: string | undefined): 'query' | 'consent-grant' | 'consent-withdraw' {
  return method === 'POST' ? 'consent-grant' : method === 'DELETE' ? 'consent-withdraw' : 'query';
}

/**
 * `/me/consents` (R5): a citizen, with their own token, reads their consents and their
 * history (GET), grants one (POST {agency, purpose, until?}) or withdraws one (DELETE
 * {agency, purpose}). Not part of the federated graph, and never written into a connected
 * system. The execution step of its pipeline (request-path.ts): each call is verified, numbered
 * and journaled, a grant as `consent-grant`, a withdrawal as `consent-withdraw`, a reading as a query.
 */
export function consentSteps(store: ConsentStore, keys: SubjectKeys, policies: Policies, body: BodyLimits, now: () => Date = () => new Date()): Steps {
  return {
    async execute(hub): Promise<HubResult> {
      const identity = hub.identity;
      if (!identity?.fin || !identity.roles.includes('citizen'))
        throw new Refusal('FORBIDDEN', 'Only a citizen signed in with their own FİN manages their consents.', 403);
      hub.subjects.add(subjectHash(keys.current, identity.fin));
      const at = now();
      if (hub.event !== 'query') {
        const request = consentRequest(await readJsonBody(hub.http, body), policies, hub.event === 'consent-grant', at);
        hub.purpose = { purpose: request.purpose, caseNumber: null };
        await store.append(
          subjectHash(keys.current, identity.fin),
          { ...request, action: hub.event === 'consent-grant' ? 'grant' : 'withdraw', at },
          hub.registrationNumber,
        );
      }
      const events = await store.history(subjectHashesOf(keys, identity.fin));
      return { status: 200, headers: {}, body: { data: view(events, at) }, refusal: null };
    },
  };
}
