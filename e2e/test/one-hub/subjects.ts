import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import type request from 'supertest';
import { loadSubjectKeys, subjectHash, type SubjectKeys } from '@hub/gateway';
import { citizenAt, citizenDocuments } from '@hub/kit/synthetic';
import { sharedTestHub, type TestHub } from '../../src/hub';

/** R4: every journal record names the persons the request concerned, as keyed hashes only. */
describe('subjects in the central journal', () => {
  let hub: TestHub;
  let db: Client;
  let keys: SubjectKeys;
  const hash = (fin: string) => subjectHash(keys.current, fin);

  before(async () => {
    hub = await sharedTestHub('subjects');
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    keys = loadSubjectKeys(hub.keysDir);
  });
  after(async () => {
    await db.end();
  });

  async function journaled(res: request.Response): Promise<{ subjects: string[]; text: string }> {
    const reg = res.headers['x-registration-number'];
    const { rows } = await db.query<{ subjects: string[]; text: string }>(
      'SELECT subjects, j::text AS text FROM audit.journal j WHERE registration_number = $1',
      [reg],
    );
    assert.equal(rows.length, 1);
    return rows[0]!;
  }

  it('a FİN query: the FİN asked about, hashed, never in clear', async () => {
    const fin = citizenAt(hub.population, 0).fin;
    const res = await hub.query('query($fin: ID!) { person(fin: $fin) { citizen { firstName } } }', { fin });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(Object.keys(res.body.data.person), ['citizen']);
    const row = await journaled(res);
    assert.deepEqual(row.subjects, [hash(fin)]);
    assert.doesNotMatch(row.text, new RegExp(fin));
  });

  it('a document lookup names its holder, though the caller did not ask for them', async () => {
    const passport = citizenDocuments(hub.population, 1).find((d) => d.type === 'GENERAL_PASSPORT')!;
    const res = await hub.query('query($n: String!) { document(number: $n) { number type } }', { n: passport.number });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(Object.keys(res.body.data.document).sort(), ['number', 'type']);
    const row = await journaled(res);
    assert.deepEqual(row.subjects, [hash(passport.holderFin)]);
    assert.doesNotMatch(row.text, new RegExp(passport.holderFin));
  });

  it('a name search names every person found', async () => {
    const citizen = citizenAt(hub.population, 2);
    const res = await hub.query(
      `{ personsByName(firstName: "${citizen.firstName}", lastName: "${citizen.lastName}", birthDate: "${citizen.birthDate}") { citizen { lastName } } }`,
    );
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.ok(res.body.data.personsByName.length >= 1);
    const row = await journaled(res);
    assert.ok(row.subjects.includes(hash(citizen.fin)));
    assert.equal(row.subjects.length, res.body.data.personsByName.length);
  });
});
