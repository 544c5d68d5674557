import { before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SUBJECT_ALIAS } from '../../src/stages/subjects';
import { loadSubjectKeys, subjectHash, type SubjectKeys } from '../../src/subjects/keys';
import { smallWorld, type World } from '../support/world';

const FIN = '1AB2C3D';
const OTHER = '2BB2C3D';

/** R5: under a consent purpose only the persons who consented to the body and purpose are served. */
describe('consent', () => {
  let world: World;
  let keys: SubjectKeys;
  const person = (fin: string) => ({ name: `N-${fin}`, [SUBJECT_ALIAS]: fin });
  const ask = (purpose: string, fin = FIN) => world.run(`{ person(fin: "${fin}") { name } }`, { purpose, respond: () => ({ data: { person: person(fin) } }) });
  const event = (action: 'grant' | 'withdraw', until: Date | null = null, agency = 'AAA') =>
    world.consents.append(subjectHash(keys.current, FIN), { agency, purpose: 'serve', action, until, at: new Date() });

  before(async () => {
    world = await smallWorld();
    keys = loadSubjectKeys(world.keysDir);
  });
  beforeEach(() => {
    world.consents.events.length = 0;
  });

  it("without consent: the person's part is null with CONSENT_REQUIRED, journaled as refused and naming the person", async () => {
    const { result, entry } = await ask('serve');
    assert.deepEqual(result.body.data, { person: null });
    assert.deepEqual(
      result.body.errors?.map((e) => [e.path, e.extensions?.['code']]),
      [[['person'], 'CONSENT_REQUIRED']],
    );
    assert.doesNotMatch(JSON.stringify(result.body), /N-1AB2C3D/);
    assert.equal(entry?.decision, 'refused');
    assert.deepEqual(entry?.errorCodes, ['CONSENT_REQUIRED']);
    assert.deepEqual(entry?.subjects, [subjectHash(keys.current, FIN)]);
    assert.equal(entry?.records, 0);
  });

  it('with consent: served; after withdrawal, or once it ended, or to another body: refused again', async () => {
    await event('grant');
    const served = await ask('serve');
    assert.deepEqual([served.result.body.data, served.result.body.errors], [{ person: { name: 'N-1AB2C3D' } }, undefined]);
    assert.equal(served.entry?.decision, 'allowed');
    await event('withdraw');
    assert.equal((await ask('serve')).result.body.errors?.[0]?.extensions?.['code'], 'CONSENT_REQUIRED');
    await event('grant', new Date(Date.now() - 1000));
    assert.equal((await ask('serve')).result.body.errors?.[0]?.extensions?.['code'], 'CONSENT_REQUIRED');
    await event('grant', null, 'BBB');
    assert.equal((await ask('serve')).result.body.errors?.[0]?.extensions?.['code'], 'CONSENT_REQUIRED');
  });

  it('a law purpose needs no consent', async () => {
    const { result } = await ask('check');
    assert.deepEqual([result.body.data, result.body.errors], [{ person: { name: 'N-1AB2C3D' } }, undefined]);
  });

  it('cuts only the persons without consent; a non-null list item makes its list null, as GraphQL does', async () => {
    await event('grant');
    const { result, entry } = await world.run('{ a: person(fin: "1AB2C3D") { name } b: person(fin: "2BB2C3D") { name } }', {
      purpose: 'serve',
      respond: () => ({ data: { a: person(FIN), b: person(OTHER) } }),
    });
    assert.deepEqual(result.body.data, { a: { name: 'N-1AB2C3D' }, b: null });
    assert.deepEqual(
      result.body.errors?.map((e) => e.path),
      [['b']],
    );
    assert.equal(entry?.decision, 'partly-refused');
    const search = await world.run('{ personsByName(name: "X") { name } }', {
      purpose: 'serve',
      respond: () => ({ data: { personsByName: [person(FIN), person(OTHER)] } }),
    });
    assert.equal(search.result.body.data, null);
    assert.deepEqual(
      search.result.body.errors?.map((e) => e.path),
      [['personsByName', 1]],
    );
  });

  it('fails closed when the consents cannot be read: CONSENT_UNAVAILABLE, no data, the persons journaled', async () => {
    world.consents.failing = true;
    try {
      const { result, entry } = await ask('serve');
      assert.deepEqual(
        [result.status, result.body.data, result.body.errors?.[0]?.extensions?.['code'], result.headers['retry-after']],
        [503, undefined, 'CONSENT_UNAVAILABLE', '5'],
      );
      assert.deepEqual([entry?.decision, entry?.subjects], ['refused', [subjectHash(keys.current, FIN)]]);
    } finally {
      world.consents.failing = false;
    }
  });
});
