import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { citizenAt, demoPeople, foreignerAt, foreignerPermits, type PopulationOptions } from '@hub/kit/synthetic';
import { startTestSubgraph, TEST_POPULATION, type TestSubgraph } from '@hub/kit/testing';
import { foreignersSubgraph } from '../src';

const people = Object.fromEntries(demoPeople(TEST_POPULATION).map((p) => [p.case, p.fin]));
const indexes = Array.from({ length: TEST_POPULATION.foreigners }, (_v, j) => j);
const firstWhere = (test: (j: number) => boolean, population: PopulationOptions = TEST_POPULATION): number => {
  const found = Array.from({ length: population.foreigners }, (_v, j) => j).find(test);
  assert.notEqual(found, undefined, 'the generator produces such a foreigner');
  return found!;
};
const RESIDENCE = ['TEMPORARY_RESIDENCE', 'PERMANENT_RESIDENCE'];

interface ForeignerBody {
  systemNumber: string;
  fin: string | null;
  firstName: string;
  lastName: string;
  nationality: string | null;
  stateless: boolean;
  passport: { number: string; issuingCountry: string; expiresAt: string };
  permits: Array<{ number: string; kind: string; active: boolean; statusReason: string; statusChangedAt: string }>;
}

describe('foreigners subgraph', () => {
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(foreignersSubgraph);
  });
  after(async () => {
    await subgraph.close();
  });

  it('answers a system number with identity, passport main page and permits with their active status', async () => {
    const expected = foreignerAt(TEST_POPULATION, 0);
    const { body } = await subgraph.request(
      `query($n: String!) { foreigner(systemNumber: $n) {
      systemNumber fin firstName lastName nationality stateless passport { number issuingCountry expiresAt }
      permits { number kind active statusReason statusChangedAt } } }`,
      { n: expected.systemNumber.toLowerCase() },
    );
    assert.equal(body.errors, undefined);
    const f = body.data?.['foreigner'] as ForeignerBody;
    assert.equal(f.systemNumber, expected.systemNumber);
    assert.equal(f.fin, people['foreigner']);
    assert.equal(f.lastName, expected.lastName);
    assert.equal(f.nationality, expected.nationality);
    assert.equal(f.stateless, false);
    assert.deepEqual(f.passport, { number: expected.passportNumber, issuingCountry: expected.passportIssuingCountry, expiresAt: expected.passportExpiresAt });
    assert.deepEqual(
      f.permits.map((p) => p.number).sort(),
      foreignerPermits(TEST_POPULATION, 0)
        .map((p) => p.number)
        .sort(),
    );
    assert.ok(f.permits.every((p) => p.statusReason && p.statusChangedAt));
  });

  it('finds a foreigner by passport or residence-card number, but not by a visa number', async () => {
    const j = firstWhere((i) => i > 0 && foreignerPermits(TEST_POPULATION, i).some((p) => RESIDENCE.includes(p.kind)));
    const f = foreignerAt(TEST_POPULATION, j);
    const card = foreignerPermits(TEST_POPULATION, j).find((p) => RESIDENCE.includes(p.kind))!;
    const query = `query($n: String!) { foreignerByDocument(number: $n) { systemNumber } }`;
    const byPassport = await subgraph.request(query, { n: f.passportNumber });
    assert.deepEqual(byPassport.body.data?.['foreignerByDocument'], { systemNumber: f.systemNumber });
    const byCard = await subgraph.request(query, { n: ` ${card.number.toLowerCase()} ` });
    assert.deepEqual(byCard.body.data?.['foreignerByDocument'], { systemNumber: f.systemNumber });
    const v = firstWhere((i) => foreignerPermits(TEST_POPULATION, i).some((p) => p.kind === 'VISA'));
    const visa = foreignerPermits(TEST_POPULATION, v).find((p) => p.kind === 'VISA')!;
    const byVisa = await subgraph.request(query, { n: visa.number });
    assert.equal(byVisa.body.errors, undefined);
    assert.equal(byVisa.body.data?.['foreignerByDocument'], null);
  });

  it('returns null for unknown keys and BAD_USER_INPUT naming the format for malformed ones', async () => {
    const unknown = await subgraph.request(
      `{ foreigner(systemNumber: "XS99999999") { systemNumber } foreignerByDocument(number: "ZZ1234567") { systemNumber } }`,
    );
    assert.equal(unknown.body.errors, undefined);
    assert.deepEqual(unknown.body.data, { foreigner: null, foreignerByDocument: null });
    const bad = await subgraph.request(`{ foreigner(systemNumber: "AB-123") { systemNumber } }`);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(bad.body.errors?.[0]?.message ?? '', /XS followed by 8 digits/);
    assert.doesNotMatch(JSON.stringify(bad.body), /AB-123/, 'the bad value is not echoed back');
    const badDocument = await subgraph.request(`{ foreignerByDocument(number: "12345") { systemNumber } }`);
    assert.equal(badDocument.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });

  it('adds the foreigner record to Person entities by FİN with one SQL query', async () => {
    const withFin = indexes.map((j) => foreignerAt(TEST_POPULATION, j)).filter((f) => f.fin);
    const citizenFin = citizenAt(TEST_POPULATION, 0).fin;
    subgraph.counter.reset();
    const { body } = await subgraph.request(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin foreigner { systemNumber } } } }`, {
      r: [...withFin.map((f) => ({ __typename: 'Person', fin: f.fin })), { __typename: 'Person', fin: citizenFin }],
    });
    assert.equal(body.errors, undefined);
    const entities = body.data?.['_entities'] as Array<{ fin: string; foreigner: { systemNumber: string } | null }>;
    assert.deepEqual(
      entities.slice(0, -1).map((e) => e.foreigner?.systemNumber),
      withFin.map((f) => f.systemNumber),
    );
    assert.deepEqual(entities.at(-1), { fin: citizenFin, foreigner: null });
    assert.equal(subgraph.counter.selectsFrom('foreigner').length, 1, subgraph.counter.queries.join('\n'));
  });

  it('resolves Foreigner entities in one batch and their permits in one more', async () => {
    const numbers = indexes.slice(0, 20).map((j) => foreignerAt(TEST_POPULATION, j).systemNumber);
    subgraph.counter.reset();
    const { body } = await subgraph.request(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Foreigner { systemNumber permits { number } } } }`, {
      r: numbers.map((systemNumber) => ({ __typename: 'Foreigner', systemNumber })),
    });
    assert.equal(body.errors, undefined);
    const entities = body.data?.['_entities'] as Array<{ systemNumber: string; permits: Array<{ number: string }> }>;
    assert.deepEqual(
      entities.map((e) => e.systemNumber),
      numbers,
    );
    assert.deepEqual(
      entities.map((e) => e.permits.length),
      indexes.slice(0, 20).map((j) => foreignerPermits(TEST_POPULATION, j).length),
    );
    assert.equal(subgraph.counter.selectsFrom('foreigner').length, 1, subgraph.counter.queries.join('\n'));
    assert.equal(subgraph.counter.selectsFrom('permit').length, 1, subgraph.counter.queries.join('\n'));
  });

  it('links a foreigner to the federated Person and the passport to the federated Document', async () => {
    const f = foreignerAt(TEST_POPULATION, 0);
    const { body } = await subgraph.request(`query($n: String!) { foreigner(systemNumber: $n) { person { fin } passport { document { number } } } }`, {
      n: f.systemNumber,
    });
    assert.deepEqual(body.data?.['foreigner'], { person: { fin: f.fin }, passport: { document: { number: f.passportNumber } } });
    const noFin = foreignerAt(
      TEST_POPULATION,
      firstWhere((j) => foreignerAt(TEST_POPULATION, j).fin === null),
    );
    const other = await subgraph.request(`query($n: String!) { foreigner(systemNumber: $n) { fin person { fin } } }`, { n: noFin.systemNumber });
    assert.deepEqual(other.body.data?.['foreigner'], { fin: null, person: null });
  });

  it('lets a citizen-role caller read only the foreigner record of their own FİN (R4)', async () => {
    const own = foreignerAt(TEST_POPULATION, 0);
    const other = foreignerAt(
      TEST_POPULATION,
      firstWhere((j) => j > 0 && foreignerAt(TEST_POPULATION, j).fin !== null),
    );
    const self = { roles: ['citizen' as const], fin: own.fin, purpose: 'self-access', level: 'restricted' as const };
    const mine = await subgraph.request(`query($n: String!) { foreigner(systemNumber: $n) { fin } }`, { n: own.systemNumber }, self);
    assert.deepEqual(mine.body.data?.['foreigner'], { fin: own.fin });
    const theirs = await subgraph.request(`query($n: String!) { foreigner(systemNumber: $n) { fin } }`, { n: other.systemNumber }, self);
    assert.equal(theirs.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(theirs.body.data?.['foreigner'] ?? null, null);
    const byDocument = await subgraph.request(`query($n: String!) { foreignerByDocument(number: $n) { fin } }`, { n: other.passportNumber }, self);
    assert.equal(byDocument.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    const nested = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin foreigner { fin } } ... on Foreigner { systemNumber } } }`,
      {
        r: [
          { __typename: 'Person', fin: own.fin },
          { __typename: 'Person', fin: other.fin },
          { __typename: 'Foreigner', systemNumber: other.systemNumber },
        ],
      },
      self,
    );
    assert.equal(nested.body.errors, undefined);
    assert.deepEqual(nested.body.data?.['_entities'], [{ fin: own.fin, foreigner: { fin: own.fin } }, { fin: other.fin, foreigner: null }, null]);
  });

  it('refuses a restricted level: the access matrix gives this resource only unlimited access or none', async () => {
    const f = foreignerAt(TEST_POPULATION, 0);
    const restricted = { agency: 'MIA', level: 'restricted' as const };
    const root = await subgraph.request(`query($n: String!) { foreigner(systemNumber: $n) { fin } }`, { n: f.systemNumber }, restricted);
    assert.equal(root.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    const nested = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { foreigner { fin } } } }`,
      { r: [{ __typename: 'Person', fin: f.fin }] },
      restricted,
    );
    assert.equal(nested.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(nested.body.data ?? null), new RegExp(f.fin!));
  });

  it('pages permits and refuses a page larger than the cap', async () => {
    const j = firstWhere((i) => foreignerPermits(TEST_POPULATION, i).length >= 2);
    const n = foreignerAt(TEST_POPULATION, j).systemNumber;
    const one = await subgraph.request(`query($n: String!) { foreigner(systemNumber: $n) { permits(first: 1) { number } } }`, { n });
    assert.equal((one.body.data?.['foreigner'] as { permits: unknown[] }).permits.length, 1);
    const big = await subgraph.request(`query($n: String!) { foreigner(systemNumber: $n) { permits(first: 1000) { number } } }`, { n });
    assert.equal(big.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });

  it('journals only the registration number and whether a record was found (R6)', async () => {
    const found = `TEST-FOUND-${process.pid}`;
    const missing = `TEST-MISSING-${process.pid}`;
    await subgraph.request(
      `query($n: String!) { foreigner(systemNumber: $n) { fin } }`,
      { n: foreignerAt(TEST_POPULATION, 0).systemNumber },
      { registrationNumber: found },
    );
    await subgraph.request(`{ foreigner(systemNumber: "XS99999999") { fin } }`, {}, { registrationNumber: missing });
    const rows = (await subgraph.db.query(
      `SELECT registration_number, positive FROM foreigners.query_journal WHERE registration_number = ANY($1) ORDER BY id`,
      [[found, missing]],
    )) as unknown[];
    assert.deepEqual(rows, [
      { registration_number: found, positive: true },
      { registration_number: missing, positive: false },
    ]);
  });
});

describe('stateless persons', () => {
  const search: PopulationOptions = { ...TEST_POPULATION, foreigners: 500 };
  const j = firstWhere((i) => foreignerAt(search, i).nationality === null, search);
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(foreignersSubgraph, { ...TEST_POPULATION, citizens: 10, foreigners: j + 1 });
  });
  after(async () => {
    await subgraph.close();
  });

  it('serves a null nationality as stateless', async () => {
    const { body } = await subgraph.request(`query($n: String!) { foreigner(systemNumber: $n) { nationality stateless } }`, {
      n: foreignerAt(search, j).systemNumber,
    });
    assert.deepEqual(body.data?.['foreigner'], { nationality: null, stateless: true });
  });
});
