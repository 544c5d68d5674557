import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { print } from 'graphql';
import { canonicalOf } from '@hub/audit';
import { SUBJECT_ALIAS } from '../../src/stages/subjects';
import { loadSubjectKeys, subjectHash, type SubjectKeys } from '../../src/subjects/keys';
import { smallWorld, type World } from '../support/world';

/** R4: the journal names the persons a request concerned, as keyed hashes only. */
describe('subjects in the journal', () => {
  let world: World;
  let keys: SubjectKeys;
  const hash = (fin: string) => subjectHash(keys.current, fin);
  before(async () => {
    world = await smallWorld();
    keys = loadSubjectKeys(world.keysDir);
  });

  it('names the FİN a root field was keyed by, literal or variable, as kid:hex', async () => {
    const literal = await world.run('{ person(fin: "1AB2C3D") { name } }', { respond: () => ({ data: { person: null } }) });
    assert.deepEqual(literal.entry?.subjects, [hash('1AB2C3D')]);
    assert.match(literal.entry?.subjects?.[0] ?? '', new RegExp(`^${keys.current.kid}:[0-9a-f]{64}$`));
    const variable = await world.run('query ($f: ID!) { person(fin: $f) { name } }', {
      variables: { f: '7XY8Z9K' },
      respond: () => ({ data: { person: null } }),
    });
    assert.deepEqual(variable.entry?.subjects, [hash('7XY8Z9K')]);
  });

  it('names the persons in the answer even when the caller did not ask for their FİN, and hands the answer back without them', async () => {
    const { entry, executed, result } = await world.run('{ personsByName(name: "X") { name } }', {
      respond: () => ({
        data: {
          personsByName: [
            { name: 'A', [SUBJECT_ALIAS]: '2BB2C3D' },
            { name: 'B', [SUBJECT_ALIAS]: '3CC2C3D' },
          ],
        },
      }),
    });
    assert.match(print(executed!.executable!), new RegExp(`${SUBJECT_ALIAS}: fin`));
    assert.deepEqual(entry?.subjects, [hash('2BB2C3D'), hash('3CC2C3D')].sort());
    assert.deepEqual(result.body.data, { personsByName: [{ name: 'A' }, { name: 'B' }] });
    assert.equal(entry?.records, 2);
  });

  it('names the person nested in another answer (an entity reached through a key)', async () => {
    const { entry } = await world.run('{ crossing(id: "1") { at } person(fin: "4DD2C3D") { crossings { at } } }', {
      respond: () => ({ data: { crossing: { at: 'x' }, person: { crossings: [], [SUBJECT_ALIAS]: '4DD2C3D' } } }),
    });
    assert.deepEqual(entry?.subjects, [hash('4DD2C3D')]);
  });

  it('never journals a FİN in clear, and a request about nobody names nobody', async () => {
    const { entry } = await world.run('{ person(fin: "5EE2C3D") { name } }', {
      respond: () => ({ data: { person: { name: 'A', [SUBJECT_ALIAS]: '5EE2C3D' } } }),
    });
    assert.doesNotMatch(JSON.stringify(entry), /5EE2C3D/);
    const none = await world.run('{ crossing(id: "1") { at } }', { respond: () => ({ data: { crossing: { at: 'x' } } }) });
    assert.deepEqual(none.entry?.subjects, []);
  });

  it('the hash chain covers the subjects; records without any hash as before', () => {
    const entry = { ...world.journal.entries[0]!, subjects: ['k:1'] };
    assert.notEqual(canonicalOf(entry), canonicalOf({ ...entry, subjects: ['k:2'] }));
    assert.equal(canonicalOf({ ...entry, subjects: [] }), canonicalOf((({ subjects: _omit, ...rest }) => rest)(entry)));
  });
});
