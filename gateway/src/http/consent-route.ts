import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsentEvent, ConsentStore } from '../subjects/consents';
import { HubRequest } from '../pipeline/context';
import type { Policies } from '../policy/policies';
import { Refusal } from '../pipeline/refusal';
import type { HubResult, Pipeline } from '../pipeline/stage';
import { subjectHash, subjectHashesOf, type SubjectKeys } from '../subjects/keys';

const BODY_LIMIT = 4_096;
const JSON_TYPE = 'application/json; charset=utf-8';

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

/** The JSON body of a POST or DELETE, at most BODY_LIMIT bytes. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > BODY_LIMIT) throw new Refusal('BAD_REQUEST', `The body must be a JSON object of at most ${BODY_LIMIT} bytes.`, 413);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Refusal('BAD_REQUEST', 'The body is not valid JSON.', 400);
  }
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

/**
 * `/me/consents` (R5): a citizen, with their own token, reads their consents and their
 * history (GET), grants one (POST {agency, purpose, until?}) or withdraws one (DELETE
 * {agency, purpose}). Not part of the federated graph, and never written into a connected
 * system. Each call passes the session pipeline (identity, registration number) and is
 * journaled: a grant as `consent-grant`, a withdrawal as `consent-withdraw`, a reading as a query.
 */
export function consentRoute(pipeline: Pipeline, store: ConsentStore, keys: SubjectKeys, policies: Policies, now: () => Date = () => new Date()) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const event = req.method === 'POST' ? 'consent-grant' : req.method === 'DELETE' ? 'consent-withdraw' : 'query';
    if (req.method !== 'GET' && event === 'query') {
      req.resume();
      const text = JSON.stringify({ errors: [{ message: 'Use GET, POST or DELETE.', extensions: { code: 'BAD_REQUEST' } }] });
      res.writeHead(405, { 'content-type': JSON_TYPE, allow: 'GET, POST, DELETE', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (event === 'query') req.resume();
    const hub = new HubRequest(req, event, now());
    const result = await pipeline.run(hub, {
      async execute(): Promise<HubResult> {
        const identity = hub.identity;
        if (!identity?.fin || !identity.roles.includes('citizen'))
          throw new Refusal('FORBIDDEN', 'Only a citizen signed in with their own FİN manages their consents.', 403);
        hub.subjects.add(subjectHash(keys.current, identity.fin));
        const at = now();
        if (event !== 'query') {
          const body = await readJson(req);
          const request = consentRequest(body, policies, event === 'consent-grant', at);
          hub.purpose = { purpose: request.purpose, caseNumber: null };
          await store.append(
            subjectHash(keys.current, identity.fin),
            { ...request, action: event === 'consent-grant' ? 'grant' : 'withdraw', at },
            hub.registrationNumber,
          );
        }
        const events = await store.history(subjectHashesOf(keys, identity.fin));
        return { status: 200, headers: {}, body: { data: view(events, at) }, refusal: null };
      },
    });
    const text = JSON.stringify(result.refusal ? result.body : { registrationNumber: hub.registrationNumber, ...result.body.data });
    res.writeHead(result.status, { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...result.headers, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
}
