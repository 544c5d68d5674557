import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smallWorld, type World } from '../support/world';

/**
 * The journal records the decision the caller actually saw, whichever layer made it: a
 * stage, the executor's validation, a subgraph, or the journal itself failing.
 */
describe('the journal entry for each decision', () => {
  let world: World;
  before(async () => {
    world = await smallWorld();
  });

  it('allowed: resources, coordinates and records counted in the answer', async () => {
    const { entry } = await world.run('{ person(fin: "A") { name crossings { at } } }', {
      respond: () => ({ data: { person: { name: 'X', crossings: [{ at: '1' }, { at: '2' }] } } }),
    });
    assert.equal(entry?.decision, 'allowed');
    assert.equal(entry?.reason, null);
    assert.equal(entry?.operationName, null);
    assert.deepEqual(entry?.resources, [
      { resource: 'crossings', level: 'restricted', fields: ['Crossing.at', 'Person.crossings'], positive: true, records: 2 },
      { resource: 'people', level: 'unlimited', fields: ['Person.name', 'Query.person'], positive: true, records: 1 },
    ]);
    assert.equal(entry?.records, 3);
  });

  it('partly refused when the gateway cut a field and served the rest', async () => {
    const { entry } = await world.run('{ person(fin: "A") { name crossings { at } } }', {
      token: await world.token({ agency: 'BBB' }),
      respond: () => ({ data: { person: { name: 'X' } } }),
    });
    assert.deepEqual([entry?.decision, entry?.reason, entry?.attemptToExceedAuthority], ['partly-refused', 'FORBIDDEN', true]);
    assert.deepEqual(
      entry?.resources.map((r) => [r.resource, r.level, r.fields]),
      [
        ['crossings', 'none', ['Person.crossings']],
        ['people', 'unlimited', ['Person.name', 'Query.person']],
      ],
    );
  });

  it('refused when everything asked for was cut', async () => {
    const { entry } = await world.run('{ crossing(id: "1") { at } }', { token: await world.token({ agency: 'BBB' }) });
    assert.deepEqual([entry?.decision, entry?.reason, entry?.records], ['refused', 'FORBIDDEN', 0]);
  });

  it("refused with the executor's code when it rejects the operation (no data at all)", async () => {
    const { entry, result } = await world.run('{ person(fin: "A") { name } }', {
      respond: () => ({ errors: [{ message: 'Cannot query field "x".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }),
    });
    assert.equal(result.body.data, undefined);
    assert.deepEqual([entry?.decision, entry?.reason, entry?.attemptToExceedAuthority], ['refused', 'GRAPHQL_VALIDATION_FAILED', false]);
  });

  it('refused as an attempt to exceed authority when a subgraph answers FORBIDDEN and nothing else', async () => {
    const { entry } = await world.run('{ person(fin: "A") { name } }', {
      respond: () => ({ data: { person: null }, errors: [{ message: 'Not yours.', path: ['person'], extensions: { code: 'FORBIDDEN' } }] }),
    });
    assert.deepEqual([entry?.decision, entry?.reason, entry?.attemptToExceedAuthority, entry?.positive], ['refused', 'FORBIDDEN', true, false]);
  });

  it('partly refused when a subgraph refuses one part and another part is served', async () => {
    const { entry } = await world.run('{ person(fin: "A") { name crossings { at } } }', {
      respond: () => ({
        data: { person: { name: 'X', crossings: null } },
        errors: [{ message: 'Not yours.', path: ['person', 'crossings'], extensions: { code: 'FORBIDDEN' } }],
      }),
    });
    assert.deepEqual([entry?.decision, entry?.reason, entry?.records], ['partly-refused', 'FORBIDDEN', 1]);
  });

  it("refused by a stage: the stage's code, its reason, nothing executed", async () => {
    const { entry, executed } = await world.run('mutation { person(fin: "A") { name } }');
    assert.equal(executed, null);
    assert.deepEqual([entry?.decision, entry?.reason, entry?.operationType, entry?.errorCodes], ['refused', 'READ_ONLY', 'mutation', ['READ_ONLY']]);
  });

  it('refused without an identity: no agency, an attempt to exceed authority', async () => {
    const { entry, result } = await world.run('{ person(fin: "A") { name } }', { token: null });
    assert.equal(result.status, 401);
    assert.deepEqual([entry?.agency, entry?.decision, entry?.reason, entry?.attemptToExceedAuthority], [null, 'refused', 'UNAUTHENTICATED', true]);
  });

  it('journals no operation name or id, whatever the caller named the operation', async () => {
    const { entry } = await world.run('query SecretOperationName { person(fin: "A") { name } }', { respond: () => ({ data: { person: null } }) });
    assert.deepEqual([entry?.operationName, entry?.operationId], [null, null]);
    assert.ok(!JSON.stringify(entry).includes('SecretOperationName'));
  });

  it('answers AUDIT_UNAVAILABLE, and nothing else, when the record cannot be written', async () => {
    world.journal.failing = true;
    try {
      const { result, hub } = await world.run('{ person(fin: "A") { name } }', { respond: () => ({ data: { person: { name: 'X' } } }) });
      assert.equal(result.status, 503);
      assert.equal(result.body.data, undefined);
      assert.deepEqual(
        result.body.errors?.map((e) => e.extensions?.['code']),
        ['AUDIT_UNAVAILABLE'],
      );
      assert.equal(result.headers['x-registration-number'], hub.registrationNumber, 'the refusal still carries its number');
    } finally {
      world.journal.failing = false;
    }
  });
});
