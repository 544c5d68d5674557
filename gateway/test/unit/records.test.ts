import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { readRequestBody, selectOperation } from '../../src/http/graphql-request';
import { HubRequest } from '../../src/pipeline/context';
import { Caches } from '../../src/pipeline/document-cache';
import { ResourceMap } from '../../src/policy/resource-map';
import { readSupergraph } from '../../src/policy/supergraph';
import { useRecords } from '../../src/stages/records';
import { fakeHttp, smallWorld, type World } from '../support/world';

/** Records are counted by the gateway in the answer the caller receives, per resource. */
describe('records counted in the answer', () => {
  let world: World;
  before(async () => {
    world = await smallWorld();
  });

  const cases: Array<[string, string, unknown, Record<string, number>]> = [
    ['an entity is one record', '{ person(fin: "A") { name } }', { person: { name: 'X' } }, { people: 1 }],
    ['nothing found is no record', '{ person(fin: "A") { name } }', { person: null }, {}],
    [
      'list items at a resource boundary, nulls excluded',
      '{ person(fin: "A") { crossings { at } } }',
      { person: { crossings: [{ at: '1' }, { at: '2' }] } },
      { people: 1, crossings: 2 },
    ],
    [
      'what a resource nests in its own record is part of it',
      '{ person(fin: "A") { documents { number } } }',
      { person: { documents: [{ number: '1' }, { number: '2' }] } },
      { people: 1 },
    ],
    ['a search: one record per person', '{ personsByName(name: "X") { fin } }', { personsByName: [{ fin: 'A' }, { fin: 'B' }, { fin: 'C' }] }, { people: 3 }],
    ['aliases are followed', '{ a: person(fin: "A") { fin } b: person(fin: "B") { fin } }', { a: { fin: 'A' }, b: null }, { people: 1 }],
    ['a non-entity object at a root field is one record', '{ crossing(id: "1") { at } }', { crossing: { at: '1' } }, { crossings: 1 }],
  ];
  for (const [what, query, data, expected] of cases) {
    it(what, async () => {
      const { hub } = await world.run(query, { respond: () => ({ data: data as Record<string, unknown> }) });
      assert.deepEqual(Object.fromEntries(hub.records), expected);
    });
  }

  it('counts nothing in an answer a failure emptied: the caller received nothing', async () => {
    const { entry } = await world.run('{ person(fin: "A") { name crossings { at } } }', {
      respond: () => ({ data: { person: null }, errors: [{ message: 'down', path: ['person', 'crossings'], extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }] }),
    });
    assert.deepEqual([entry?.positive, entry?.records], [false, 0]);
  });
});

describe('a failed subgraph call', () => {
  it('puts its error, which the gateway reports without a path, on each path of the resource it left null', async () => {
    const world = await smallWorld();
    const failure = {
      message: 'The resource "crossings" did not answer.',
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', resource: 'crossings', subgraph: 'crossings' },
    };
    const { result, entry } = await world.run('{ a: person(fin: "A") { name crossings { at } } b: person(fin: "B") { name trips: crossings { at } } }', {
      respond: () => ({ data: { a: { name: 'X', crossings: null }, b: { name: 'Y', trips: null } }, errors: [failure] }),
    });
    assert.deepEqual(
      result.body.errors?.map((e) => [e.extensions?.['code'], e.path]),
      [
        ['SUBGRAPH_UNAVAILABLE', ['a', 'crossings']],
        ['SUBGRAPH_UNAVAILABLE', ['b', 'trips']],
      ],
    );
    assert.deepEqual(Object.fromEntries(entry?.resources.map((r) => [r.resource, r.records]) ?? []), { crossings: 0, people: 2 });
  });
});

describe('a field several subgraphs serve (@shareable)', () => {
  // Two registries that both answer which inspection stations exist; neither encloses it in a record of its own.
  const shared = composeServices(
    [
      ['inspections', 'type Query { stations: [Station!]! @shareable inspection(id: ID!): Inspection }  type Inspection { passed: Boolean! }'],
      ['registry', 'type Query { stations: [Station!]! @shareable }'],
    ].map(([name, sdl]) => ({
      name: name!,
      url: `http://${name!}.test/graphql`,
      typeDefs: parse(
        `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@shareable"])\n${sdl!}\ntype Station @shareable { name: String! }`,
      ),
    })),
  );
  const supergraph = readSupergraph(shared.supergraphSdl!);
  const map = new ResourceMap(supergraph.apiSchema, supergraph, (subgraph) => subgraph);
  const levels = new Map([
    ['inspections', 'unlimited'],
    ['registry', 'unlimited'],
  ] as const);

  /** The records stage alone over one request whose plan asked `subgraph` for `query`. */
  const counted = async (query: string, data: Record<string, unknown>, calls: Array<[string, string]>) => {
    const stage = useRecords(map, new Caches());
    const hub = new HubRequest(fakeHttp(), 'query', new Date());
    hub.levels = levels;
    const operation = selectOperation(readRequestBody({ query }));
    await stage.onOperation?.(hub, operation);
    hub.operation = operation;
    for (const [subgraph, sent] of calls) stage.onSubgraphFetch?.(hub, { subgraph, resource: subgraph, query: sent, claims: {} });
    await stage.onResult?.(hub, { status: 200, headers: {}, body: { data }, refusal: null });
    return hub;
  };

  it('is credited to the subgraph the plan asked for it, with its records and its field', async () => {
    const data = { stations: [{ name: 'Baku-1' }, { name: 'Ganja-2' }] };
    for (const subgraph of ['inspections', 'registry']) {
      const hub = await counted('{ stations { name } }', data, [[subgraph, '{stations{name}}']]);
      assert.deepEqual(Object.fromEntries(hub.records), { [subgraph]: 2 });
      assert.deepEqual(
        [...hub.requested].map(([resource, fields]) => [resource, [...fields]]),
        [[subgraph, ['Query.stations']]],
      );
    }
  });

  it('follows named fragments and leaves a field the plan asked nobody for uncredited', async () => {
    const data = { stations: [{ name: 'Baku-1' }], inspection: { passed: true } };
    const hub = await counted('{ stations { name } inspection(id: "1") { passed } }', data, [
      ['inspections', 'query { ...F inspection(id: "1") { passed } } fragment F on Query { stations { name } }'],
    ]);
    assert.deepEqual(Object.fromEntries(hub.records), { inspections: 2 });
    const none = await counted('{ stations { name } }', { stations: [{ name: 'Baku-1' }] }, []);
    assert.deepEqual(Object.fromEntries(none.records), {});
  });
});
