import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import request from 'supertest';
import { loadSubjectKeys, subjectHash } from '@hub/gateway';
import { citizenAt } from '@hub/kit/synthetic';
import { sharedTestHub, type TestHub } from '../../src/hub';

const PERSON = 'query($fin: ID!) { person(fin: $fin) { citizen { lastName } } }';

/** R5: a consent-based purpose serves only persons who consented; citizens grant and withdraw at /me/consents. */
describe('consent to a consent-based purpose', () => {
  let hub: TestHub;
  let db: Client;
  let fin: string;
  let citizen: string;

  const consents = (method: 'get' | 'post' | 'delete', token: string, body?: object) => {
    const req = request(hub.gateway.server)[method]('/me/consents').set('authorization', `Bearer ${token}`);
    return body ? req.set('content-type', 'application/json').send(body) : req;
  };
  const journaled = async (reg: string) =>
    (
      await db.query<{ event: string; decision: string; error_codes: string[]; subjects: string[]; purpose: string | null; text: string }>(
        'SELECT event, decision, error_codes, subjects, purpose, j::text AS text FROM audit.journal j WHERE registration_number = $1',
        [reg],
      )
    ).rows[0]!;

  before(async () => {
    hub = await sharedTestHub('consent');
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    fin = citizenAt(hub.population, 6).fin;
    citizen = await hub.token({ agency: 'EGOV', roles: ['citizen'], fin });
  });
  after(async () => {
    await db.end();
  });

  it('without consent: the person is null with CONSENT_REQUIRED, journaled as refused for that person', async () => {
    const res = await hub.query(PERSON, { fin }, { purpose: 'service-delivery' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, { person: null });
    assert.deepEqual(
      res.body.errors.map((e: { path: string[]; extensions: { code: string } }) => [e.path, e.extensions.code]),
      [[['person'], 'CONSENT_REQUIRED']],
    );
    const row = await journaled(res.headers['x-registration-number'] as string);
    assert.deepEqual(
      [row.decision, row.error_codes, row.subjects],
      ['refused', ['CONSENT_REQUIRED'], [subjectHash(loadSubjectKeys(hub.keysDir).current, fin)]],
    );
  });

  it('a law purpose needs no consent', async () => {
    const res = await hub.query(PERSON, { fin }, { purpose: 'identity-check' });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.equal(res.body.data.person.citizen.lastName, citizenAt(hub.population, 6).lastName);
  });

  it('granted by the citizen: served; withdrawn: refused again; each event journaled and kept without the FİN', async () => {
    const granted = await consents('post', citizen, { agency: 'MIA', purpose: 'service-delivery' });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.deepEqual(granted.body.consents, [{ agency: 'MIA', purpose: 'service-delivery', until: null }]);
    assert.equal((await journaled(granted.body.registrationNumber)).event, 'consent-grant');

    const served = await hub.query(PERSON, { fin }, { purpose: 'service-delivery' });
    assert.equal(served.body.errors, undefined, JSON.stringify(served.body.errors));
    assert.equal(served.body.data.person.citizen.lastName, citizenAt(hub.population, 6).lastName);
    // Another body has no consent.
    const other = await hub.query(PERSON, { fin }, { purpose: 'service-delivery', token: await hub.token({ agency: 'MFA', roles: ['officer'] }) });
    assert.equal(other.body.errors?.[0]?.extensions?.code, 'CONSENT_REQUIRED');

    const withdrawn = await consents('delete', citizen, { agency: 'MIA', purpose: 'service-delivery' });
    assert.equal(withdrawn.status, 200);
    assert.deepEqual(withdrawn.body.consents, []);
    assert.deepEqual(
      withdrawn.body.history.map((h: { action: string }) => h.action),
      ['withdraw', 'grant'],
    );
    assert.equal((await journaled(withdrawn.body.registrationNumber)).event, 'consent-withdraw');
    const refused = await hub.query(PERSON, { fin }, { purpose: 'service-delivery' });
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'CONSENT_REQUIRED');

    const { rows } = await db.query<{ text: string }>('SELECT e::text AS text FROM hub_consent.events e');
    assert.equal(rows.length, 2);
    for (const { text } of rows) assert.doesNotMatch(text, new RegExp(fin));
    await assert.rejects(db.query('DELETE FROM hub_consent.events'), /append-only/);
  });

  it("refuses what is not a citizen's own consent to a consent purpose", async () => {
    const officer = await consents('post', await hub.token({ agency: 'MIA', roles: ['officer'] }), { agency: 'MIA', purpose: 'service-delivery' });
    assert.equal(officer.status, 403);
    const lawPurpose = await consents('post', citizen, { agency: 'MIA', purpose: 'identity-check' });
    assert.deepEqual([lawPurpose.status, lawPurpose.body.errors[0].extensions.code], [400, 'BAD_USER_INPUT']);
    const past = await consents('post', citizen, { agency: 'MIA', purpose: 'service-delivery', until: '2000-01-01T00:00:00Z' });
    assert.equal(past.status, 400);
    const anonymous = await request(hub.gateway.server).get('/me/consents');
    assert.equal(anonymous.status, 401);
  });
});
