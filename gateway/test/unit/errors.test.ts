import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smallWorld, type World } from '../support/world';

describe('what an error may tell the caller', () => {
  let world: World;
  before(async () => {
    world = await smallWorld({ production: true });
  });

  const validation = () => ({
    errors: [
      {
        message: 'Cannot query field "nme" on type "Person". Did you mean "name"?',
        locations: [{ line: 1, column: 25 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ],
  });

  it('gives no schema hints to a caller who may not introspect', async () => {
    // A system sends no text at all (one-hub/trusted-operations.ts); a citizen may, and may not introspect here.
    const { result } = await world.run('{ person(fin: "A") { nme } }', {
      token: await world.token({ agency: 'AAA', roles: ['citizen'], fin: '0YYF118' }),
      purpose: 'self',
      respond: validation,
    });
    assert.equal(result.body.errors?.[0]?.message, 'Cannot query field "nme" on type "Person".');
  });

  it('keeps the hints for a caller who may introspect (an officer)', async () => {
    const { result } = await world.run('{ person(fin: "A") { nme } }', { respond: validation });
    assert.match(result.body.errors?.[0]?.message ?? '', /Did you mean "name"\?/);
  });

  it("keeps locations when the caller's own document was executed, drops them when the hub's print ran", async () => {
    const own = await world.run('{ person(fin: "A") { nme } }', { respond: validation });
    assert.deepEqual(own.result.body.errors?.[0]?.locations, [{ line: 1, column: 25 }]);
    const cut = await world.run('{ person(fin: "A") { nme crossings { at } } }', { token: await world.token({ agency: 'BBB' }), respond: validation });
    assert.equal(cut.result.body.errors?.[0]?.locations, undefined);
    const several = await world.run('', {
      body: { query: 'query Other { __typename } query Mine { person(fin: "A") { nme } }', operationName: 'Mine' },
      respond: validation,
    });
    assert.equal(several.result.body.errors?.[0]?.locations, undefined, 'one of several operations runs as the hub printed it');
  });

  it('refuses introspection in production to a role that may not introspect, not to officers', async () => {
    const system = await world.run('{ __schema { queryType { name } } }', {
      token: await world.token({ agency: 'AAA', roles: ['citizen'], fin: '0YYF118' }),
      purpose: 'self',
    });
    assert.deepEqual([system.result.status, system.result.body.errors?.[0]?.extensions?.['reason']], [403, 'INTROSPECTION']);
    const officer = await world.run('{ __schema { queryType { name } } }', { respond: () => ({ data: {} }) });
    assert.equal(officer.result.status, 200);
  });
});
