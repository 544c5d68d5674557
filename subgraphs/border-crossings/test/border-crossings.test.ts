import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { citizenAt, crossingsOf, foreignerAt, type Crossing, type Subject } from '@hub/kit/synthetic';
import { startTestSubgraph, TEST_POPULATION, type TestSubgraph } from '@hub/kit/testing';
import { borderCrossingsSubgraph } from '../src';

const newestFirst = (crossings: Crossing[]) => [...crossings].sort((a, b) => b.crossedAt.localeCompare(a.crossedAt));
const citizens = Array.from({ length: TEST_POPULATION.citizens }, (_v, citizen): Subject => ({ citizen }));
const foreigners = Array.from({ length: TEST_POPULATION.foreigners }, (_v, foreigner): Subject => ({ foreigner }));
const allCrossings = [...citizens, ...foreigners].flatMap((s) => crossingsOf(TEST_POPULATION, s));
const vehicles = [...new Map(allCrossings.filter((c) => c.vehicle).map((c) => [c.vehicle!.registrationNumber, c])).values()];

interface CrossingBody {
  fin: string | null;
  documentNumber: string;
  documentType: string;
  nameOnDocument: string;
  direction: string;
  crossedAt: string;
  checkpoint: string;
  workstation: string;
  vehicle: { registrationNumber: string; type: string; make: string; model: string } | null;
  result: string;
  decisionNote: string;
}
const CROSSING_FIELDS =
  'fin documentNumber documentType nameOnDocument direction crossedAt checkpoint workstation vehicle { registrationNumber type make model } result decisionNote';
const asServed = (c: Crossing): CrossingBody => ({
  fin: c.fin,
  documentNumber: c.documentNumber,
  documentType: c.documentType,
  nameOnDocument: c.fullName,
  direction: c.direction,
  crossedAt: new Date(c.crossedAt).toISOString(),
  checkpoint: c.checkpoint,
  workstation: c.workstation,
  vehicle: c.vehicle,
  result: c.result,
  decisionNote: c.decisionNote,
});

describe('border-crossings subgraph', () => {
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(borderCrossingsSubgraph);
  });
  after(async () => {
    await subgraph.close();
  });

  const entities = async <T>(fragment: string, representations: object[], caller?: Parameters<TestSubgraph['request']>[2]) => {
    const { body } = await subgraph.request(`query($r: [_Any!]!) { _entities(representations: $r) { ${fragment} } }`, { r: representations }, caller);
    return { data: body.data?.['_entities'] as T[], errors: body.errors };
  };

  it("serves a person's crossings newest first, with document data, vehicle and result (6.6.1)", async () => {
    const fin = citizenAt(TEST_POPULATION, 0).fin;
    const { data, errors } = await entities<{ borderCrossings: CrossingBody[] }>(`... on Person { borderCrossings { ${CROSSING_FIELDS} } }`, [
      { __typename: 'Person', fin },
    ]);
    assert.equal(errors, undefined);
    const expected = newestFirst(crossingsOf(TEST_POPULATION, { citizen: 0 }));
    assert.ok(expected.length >= 2);
    assert.deepEqual(data[0]!.borderCrossings, expected.map(asServed));
  });

  it("resolves Person entities with their crossings in one SQL query, foreigners' FİNs included", async () => {
    const fins = [...citizens.slice(0, 25).map((_s, i) => citizenAt(TEST_POPULATION, i).fin), foreignerAt(TEST_POPULATION, 0).fin!];
    subgraph.counter.reset();
    const { data, errors } = await entities<{ fin: string; borderCrossings: unknown[] }>(
      `... on Person { fin borderCrossings { crossedAt } }`,
      fins.map((fin) => ({ __typename: 'Person', fin })),
    );
    assert.equal(errors, undefined);
    assert.deepEqual(
      data.map((p) => p.borderCrossings.length),
      [...citizens.slice(0, 25), { foreigner: 0 }].map((s) => crossingsOf(TEST_POPULATION, s).length),
    );
    assert.ok(data.at(-1)!.borderCrossings.length > 0);
    assert.equal(subgraph.counter.selectsFrom('crossing').length, 1, subgraph.counter.queries.join('\n'));
  });

  it('answers Document entities by number in one batch, foreign passports of persons without FİN included', async () => {
    const citizenPassport = crossingsOf(TEST_POPULATION, { citizen: 0 })[0]!.documentNumber;
    const noFin = foreigners.map((s) => crossingsOf(TEST_POPULATION, s)).find((list) => list.length > 0 && list[0]!.fin === null)!;
    assert.ok(noFin, 'the generator produces crossings of a foreigner without FİN');
    subgraph.counter.reset();
    const { data, errors } = await entities<{ number: string; crossings: Array<{ fin: string | null; documentNumber: string }> }>(
      `... on Document { number crossings { fin documentNumber } }`,
      [citizenPassport, noFin[0]!.documentNumber, 'ZZ1234567'].map((number) => ({ __typename: 'Document', number })),
    );
    assert.equal(errors, undefined);
    assert.equal(data[0]!.crossings.length, crossingsOf(TEST_POPULATION, { citizen: 0 }).length);
    assert.deepEqual(
      data[1]!.crossings,
      noFin.map((c) => ({ fin: null, documentNumber: c.documentNumber })),
    );
    assert.deepEqual(data[2], { number: 'ZZ1234567', crossings: [] });
    assert.equal(subgraph.counter.selectsFrom('crossing').length, 1, subgraph.counter.queries.join('\n'));
  });

  it('finds a vehicle that crossed the border, with type, make, model and its crossings', async () => {
    const sample = vehicles[0]!;
    const expected = allCrossings.filter((c) => c.vehicle?.registrationNumber === sample.vehicle!.registrationNumber);
    const { body } = await subgraph.request(
      `query($n: String!) { vehicle(registrationNumber: $n) { registrationNumber type make model crossings { crossedAt vehicle { registrationNumber } } } }`,
      { n: sample.vehicle!.registrationNumber.toLowerCase() },
    );
    assert.equal(body.errors, undefined);
    const { crossings, ...identity } = body.data?.['vehicle'] as {
      registrationNumber: string;
      type: string;
      make: string;
      model: string;
      crossings: Array<{ crossedAt: string }>;
    };
    assert.deepEqual(identity, sample.vehicle);
    assert.deepEqual(
      crossings.map((c) => c.crossedAt),
      newestFirst(expected).map((c) => new Date(c.crossedAt).toISOString()),
    );
  });

  it('returns null for a vehicle that never crossed and BAD_USER_INPUT naming the format for a malformed number', async () => {
    const unknown = await subgraph.request(`{ vehicle(registrationNumber: "99-ZZ-999") { registrationNumber } }`);
    assert.equal(unknown.body.errors, undefined);
    assert.equal(unknown.body.data?.['vehicle'], null);
    const bad = await subgraph.request(`{ vehicle(registrationNumber: "ABC 12") { registrationNumber } }`);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(bad.body.errors?.[0]?.message ?? '', /NN-LL-NNN/);
    assert.doesNotMatch(JSON.stringify(bad.body), /ABC 12/, 'the bad value is not echoed back');
  });

  it('resolves Vehicle entities in one batch; a vehicle that never crossed keeps its key and has no crossings', async () => {
    const numbers = vehicles.map((c) => c.vehicle!.registrationNumber);
    subgraph.counter.reset();
    const { data, errors } = await entities<{ registrationNumber: string; make: string | null; crossings: unknown[] }>(
      `... on Vehicle { registrationNumber make crossings { crossedAt } }`,
      [...numbers, '99-ZZ-999'].map((registrationNumber) => ({ __typename: 'Vehicle', registrationNumber })),
    );
    assert.equal(errors, undefined);
    assert.deepEqual(
      data.slice(0, -1).map((v) => v.make),
      vehicles.map((c) => c.vehicle!.make),
    );
    assert.deepEqual(data.at(-1), { registrationNumber: '99-ZZ-999', make: null, crossings: [] });
    assert.equal(subgraph.counter.selectsFrom('crossing').length, 1, subgraph.counter.queries.join('\n'));
  });

  it('lets a citizen-role caller see only crossings of their own FİN (R4)', async () => {
    const own = vehicles.find((c) => c.fin !== null)!;
    const other = vehicles.find((c) => c.fin !== null && c.fin !== own.fin)!;
    const self = { roles: ['citizen' as const], fin: own.fin, purpose: 'self-access', level: 'restricted' as const };
    const ownCount = allCrossings.filter((c) => c.fin === own.fin).length;
    const people = await entities<{ borderCrossings: unknown[] }>(
      `... on Person { borderCrossings { crossedAt } }`,
      [own.fin, other.fin].map((fin) => ({ __typename: 'Person', fin })),
      self,
    );
    assert.deepEqual(
      people.data.map((p) => p.borderCrossings.length),
      [ownCount, 0],
    );
    const documents = await entities<{ crossings: unknown[] }>(
      `... on Document { crossings { crossedAt } }`,
      [own.documentNumber, other.documentNumber].map((number) => ({ __typename: 'Document', number })),
      self,
    );
    assert.deepEqual(
      documents.data.map((d) => d.crossings.length),
      [ownCount, 0],
    );
    const mine = await subgraph.request(`query($n: String!) { vehicle(registrationNumber: $n) { make } }`, { n: own.vehicle!.registrationNumber }, self);
    assert.deepEqual(mine.body.data?.['vehicle'], { make: own.vehicle!.make });
    const theirs = await subgraph.request(`query($n: String!) { vehicle(registrationNumber: $n) { make } }`, { n: other.vehicle!.registrationNumber }, self);
    assert.equal(theirs.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(theirs.body.data?.['vehicle'] ?? null, null);
    const nested = await entities<unknown>(
      `... on Vehicle { make crossings { crossedAt } }`,
      [{ __typename: 'Vehicle', registrationNumber: other.vehicle!.registrationNumber }],
      self,
    );
    assert.deepEqual(nested.data, [{ make: null, crossings: [] }]);
  });

  it('refuses a restricted level: the access matrix gives this resource only unlimited access or none', async () => {
    const restricted = { agency: 'SBS', level: 'restricted' as const };
    const person = await entities<unknown>(
      `... on Person { borderCrossings { crossedAt } }`,
      [{ __typename: 'Person', fin: citizenAt(TEST_POPULATION, 0).fin }],
      restricted,
    );
    assert.equal(person.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    const vehicle = await subgraph.request(
      `query($n: String!) { vehicle(registrationNumber: $n) { make } }`,
      { n: vehicles[0]!.vehicle!.registrationNumber },
      restricted,
    );
    assert.equal(vehicle.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(vehicle.body.data?.['vehicle'] ?? null, null);
  });

  it('pages crossings newest first and refuses a page larger than the cap', async () => {
    const fin = citizenAt(TEST_POPULATION, 0).fin;
    const expected = newestFirst(crossingsOf(TEST_POPULATION, { citizen: 0 }));
    const second = await entities<{ borderCrossings: Array<{ crossedAt: string }> }>(`... on Person { borderCrossings(first: 1, offset: 1) { crossedAt } }`, [
      { __typename: 'Person', fin },
    ]);
    assert.deepEqual(second.data[0]!.borderCrossings, [{ crossedAt: new Date(expected[1]!.crossedAt).toISOString() }]);
    const big = await entities<unknown>(`... on Person { borderCrossings(first: 51) { crossedAt } }`, [{ __typename: 'Person', fin }]);
    assert.equal(big.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });
});
