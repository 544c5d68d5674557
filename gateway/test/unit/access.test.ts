import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { print } from 'graphql';
import { smallWorld, type World } from '../support/world';

/**
 * R8 on the small world: agency AAA reads people (unlimited) and crossings (restricted),
 * BBB only people; the subgraph "foreign" is bound to no resource, so nobody reads it.
 */
describe('access decisions', () => {
  let world: World;
  // The executable as the access cut leaves it: without the subjects stage's own reading of FİNs.
  before(async () => {
    world = await smallWorld({ subjects: false });
  });

  const cases: Array<{
    what: string;
    agency: string;
    role?: string;
    query: string;
    forbidden: string[];
    executed: string | null;
    level?: Record<string, string>;
  }> = [
    {
      what: 'everything allowed is executed unchanged',
      agency: 'AAA',
      query: '{ person(fin: "A") { name crossings { at } } }',
      forbidden: [],
      executed: 'unchanged',
    },
    {
      what: 'a field of a resource at none is cut, the rest kept',
      agency: 'BBB',
      query: '{ person(fin: "A") { name crossings { at } } }',
      forbidden: ['person.crossings'],
      executed: '{ person(fin: "A") { name } }',
    },
    {
      what: "cut on the caller's alias, inside a named fragment",
      agency: 'BBB',
      query: 'query { p: person(fin: "A") { ...F } } fragment F on Person { name trips: crossings { at } }',
      forbidden: ['p.trips'],
      executed: '{ p: person(fin: "A") { ... on Person { name } } }',
    },
    {
      what: 'a selection left empty keeps __typename',
      agency: 'BBB',
      query: '{ person(fin: "A") { crossings { at } } }',
      forbidden: ['person.crossings'],
      executed: '{ person(fin: "A") { __typename } }',
    },
    { what: 'nothing left: not executed at all', agency: 'BBB', query: '{ crossing(id: "1") { at } }', forbidden: ['crossing'], executed: null },
    {
      what: 'a subgraph no policy names is refused even to the widest caller',
      agency: 'AAA',
      query: '{ weather(city: "Baku") { temperature } person(fin: "A") { name } }',
      forbidden: ['weather'],
      executed: '{ person(fin: "A") { name } }',
    },
    {
      what: 'a variable used only in a cut field is dropped',
      agency: 'BBB',
      query: 'query($n: Int) { person(fin: "A") { name crossings(first: $n) { at } } }',
      forbidden: ['person.crossings'],
      executed: '{ person(fin: "A") { name } }',
    },
    {
      what: 'an auditor reads neither resource',
      agency: 'AAA',
      role: 'auditor',
      query: '{ person(fin: "A") { name } }',
      forbidden: ['person'],
      executed: null,
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const token = await world.token({ agency: c.agency, roles: [c.role ?? 'officer'] });
      const { result, executed, hub } = await world.run(c.query, { token, purpose: c.role === 'auditor' ? 'audit' : 'check' });
      assert.deepEqual(
        hub.forbidden.map((f) => f.path.join('.')),
        c.forbidden,
      );
      const forbiddenErrors = (result.body.errors ?? []).filter((e) => e.extensions?.['code'] === 'FORBIDDEN');
      assert.deepEqual(
        forbiddenErrors.map((e) => e.path?.join('.')),
        c.forbidden,
        "one FORBIDDEN per cut path, on the caller's path",
      );
      if (c.executed === null) {
        assert.equal(executed === null ? null : (executed as { executable: unknown }).executable, null);
        assert.equal(result.body.data, null);
      } else if (c.executed === 'unchanged') {
        assert.equal(executed!.changed, false);
      } else {
        assert.equal(executed!.changed, true);
        assert.equal(
          print(executed!.executable!)
            .replace(/\s+/g, ' ')
            .replace(/^query /, ''),
          c.executed,
        );
      }
    });
  }

  it('gives each subgraph call the level of its resource, and refuses a call to one at none', async () => {
    const token = await world.token({ agency: 'AAA' });
    const { hub } = await world.run('{ person(fin: "A") { name } }', { token });
    const call = { subgraph: 'crossings', resource: 'crossings', query: '{ __typename }', claims: {} as Record<string, unknown> };
    world.pipeline.subgraphFetch(hub, call);
    assert.equal(call.claims['level'], 'restricted');
    assert.equal(call.claims['agency'], 'AAA');
    assert.equal(call.claims['registrationNumber'], hub.registrationNumber);
    assert.equal(call.claims['purpose'], 'check');
    assert.throws(
      () => world.pipeline.subgraphFetch(hub, { subgraph: 'foreign', resource: null, query: '{ __typename }', claims: {} }),
      /No access to the subgraph "foreign"/,
    );
  });
});
