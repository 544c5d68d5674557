import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { citizenAt, demoPeople, foreignerAt } from '@hub/kit/synthetic';
import type { TestHub } from './hub';

/**
 * Words a caller chose, to be searched for wherever the hub keeps or sends anything: the
 * central and subgraph journals, the logs (audit-canary.test.ts), the traces (traces.test.ts).
 */
export const CANARY = `kanarya${randomBytes(6).toString('hex')}`;
export const canary = (where: string) => `${CANARY}${where}`;
/** Valid FİN format, held by no generated person (checkCanaryFin). */
export const CANARY_FIN = 'KN4RY7Z';

/** A FİN of the population that the canary requests search for; it must not be kept either. */
export function canaryPeople(hub: TestHub): { realFin: string } {
  const generated = new Set<string | null>([
    ...Array.from({ length: hub.population.citizens }, (_, i) => citizenAt(hub.population, i).fin),
    ...Array.from({ length: hub.population.foreigners }, (_, i) => foreignerAt(hub.population, i).fin),
  ]);
  assert.ok(!generated.has(CANARY_FIN));
  return { realFin: demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin };
}

interface CanaryCallers {
  officer: string;
  mod: string;
  realFin: string;
  /** Every answer passes here (to collect its registration number). */
  seen: (res: request.Response) => request.Response;
}

/** POSTs to /graphql as an MIA officer would, with the headers given. */
function poster(hub: TestHub, seen: CanaryCallers['seen']) {
  return (body: unknown, token: string, headers: Record<string, string> = {}) =>
    request(hub.gateway.server)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${token}`)
      .set('x-purpose', 'identity-check')
      .set(headers)
      .send(body as object)
      .then(seen);
}

/** A query served whole whose comments, aliases, fragment names, arguments and variables carry canaries. */
export async function servedCanaryQuery(hub: TestHub, callers: CanaryCallers, headers: Record<string, string> = {}): Promise<request.Response> {
  const { officer, realFin } = callers;
  const query = `# ${canary('comment')}
      query ${canary('operation')}($fin: ID!, $last: String!, $other: ID!) {
        ${canary('alias')}: person(fin: $fin) { fin citizen { ...${canary('fragment')} } }
        unknown: person(fin: "${CANARY_FIN}") { citizen { firstName } }
        byName: personsByName(firstName: "${canary('first')}", lastName: $last, birthDate: "1990-01-01") { fin }
        check: restrictionCheck(fin: $other) { hit }
        direct: restrictionCheck(fin: "${CANARY_FIN}") { hit }
      }
      fragment ${canary('fragment')} on Citizen { firstName lastName }`;
  const res = await poster(hub, callers.seen)(
    { query, operationName: canary('operation'), variables: { fin: realFin, last: canary('variable'), other: CANARY_FIN, extra: canary('unused') } },
    officer,
    headers,
  );
  assert.equal(res.status, 200);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(res.body.data[canary('alias')].fin, realFin);
  assert.equal(res.body.data.unknown, null);
  return res;
}

/** The same words in requests that fail or are refused at each stage; their statuses, in order. */
export async function refusedCanaryRequests(hub: TestHub, callers: CanaryCallers): Promise<number[]> {
  const { officer, mod, realFin, seen } = callers;
  const post = poster(hub, seen);
  const answers = [
    await post({ query: `mutation { ${canary('mutation')}: person(fin: "${CANARY_FIN}") { fin } }` }, officer),
    await post({ query: `{ person(fin: "${realFin}") { ${canary('field')} } }` }, officer),
    await post({ query: `{ person(fin: "${canary('badfin')}") { fin } }` }, officer),
    await post({ query: `{ ${canary('syntax')} ( }` }, officer),
    await post(
      { query: `{ ${canary('forbidden')}: vehicle(registrationNumber: "10-AB-123") { make } person(fin: "${realFin}") { citizen { firstName } } }` },
      mod,
    ),
    await post({ query: `query($fin: ID!) { person(fin: $fin) { fin } }`, variables: { fin: realFin } }, officer, { 'x-purpose': canary('purpose') }),
    await post({ query: `{ person(fin: "${CANARY_FIN}") { fin } }` }, `${officer.slice(0, -4)}AAAA`),
    seen(
      await request(hub.gateway.server)
        .get('/graphql')
        .query({ query: `{ person(fin: "${CANARY_FIN}") { fin } } # ${canary('get')}` })
        .set('authorization', `Bearer ${officer}`)
        .set('x-purpose', 'identity-check'),
    ),
    seen(
      await request(hub.gateway.server)
        .post('/session/sign-in')
        .set('authorization', `Bearer ${officer}`)
        .send({ note: canary('signin') }),
    ),
  ];
  return answers.map((r) => r.status);
}

/** The statuses refusedCanaryRequests gets, in order. */
export const REFUSED_CANARY_STATUSES = [403, 400, 200, 400, 200, 400, 401, 405, 200];
