import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { citizenAt, citizenDocuments, demoPeople } from '@hub/kit/synthetic';
import { startTestSubgraph, TEST_POPULATION, type TestSubgraph } from '@hub/kit/testing';
import { citizensSubgraph } from '../src';

const people = Object.fromEntries(demoPeople(TEST_POPULATION).map((p) => [p.case, p.fin]));

describe('citizens subgraph', () => {
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(citizensSubgraph);
  });
  after(async () => {
    await subgraph.close();
  });

  it('answers a FİN with the citizen record and documents with their active status', async () => {
    const fin = people['citizen-full']!;
    const expected = citizenAt(TEST_POPULATION, 0);
    const { body } = await subgraph.request(
      `query($fin: ID!) { person(fin: $fin) { fin citizen { firstName lastName birthDate documents { number type active statusReason statusChangedAt } } } }`,
      { fin },
    );
    assert.equal(body.errors, undefined);
    const person = body.data?.['person'] as {
      fin: string;
      citizen: { firstName: string; lastName: string; birthDate: string; documents: Array<{ number: string; active: boolean }> };
    };
    assert.equal(person.fin, fin);
    assert.equal(person.citizen.firstName, expected.firstName);
    assert.equal(person.citizen.birthDate, expected.birthDate);
    assert.deepEqual(
      person.citizen.documents.map((d) => d.number).sort(),
      citizenDocuments(TEST_POPULATION, 0)
        .map((d) => d.number)
        .sort(),
    );
    assert.ok(person.citizen.documents.some((d) => d.active));
  });

  it('withholds the answer, 503 AUDIT_UNAVAILABLE without data or database text, when its own R6 journal cannot be written', async () => {
    const query = `query($fin: ID!) { person(fin: $fin) { fin citizen { firstName } } }`;
    const fin = people['citizen-full']!;
    await subgraph.db.query('ALTER TABLE citizens.query_journal RENAME TO query_journal_away');
    try {
      // Whichever answer type the caller accepts, the refusal is the same.
      for (const headers of [{}, { accept: 'application/graphql-response+json' }]) {
        const { status, body } = await subgraph.request(query, { fin }, {}, headers);
        assert.equal(status, 503, JSON.stringify(headers));
        assert.deepEqual(body, {
          errors: [{ message: "This system's own journal cannot be written, so no data is served.", extensions: { code: 'AUDIT_UNAVAILABLE' } }],
        });
      }
    } finally {
      await subgraph.db.query('ALTER TABLE citizens.query_journal_away RENAME TO query_journal');
    }
    const { status, body } = await subgraph.request(query, { fin });
    assert.equal(status, 200);
    assert.equal((body.data?.['person'] as { fin: string }).fin, fin, 'served again once the journal can be written');
  });

  it('answers a foreigner FİN from the FİN register, with no citizen record', async () => {
    const { body } = await subgraph.request(`query($fin: ID!) { person(fin: $fin) { fin citizen { fin } } }`, { fin: people['foreigner'] });
    assert.deepEqual(body.data?.['person'], { fin: people['foreigner'], citizen: null });
  });

  it('returns null for an unknown FİN and BAD_USER_INPUT naming the format for a malformed one', async () => {
    const unknown = await subgraph.request(`{ person(fin: "0000000") { fin } }`);
    assert.equal(unknown.body.errors, undefined);
    assert.equal(unknown.body.data?.['person'], null);
    const bad = await subgraph.request(`{ person(fin: "12-ab") { fin } }`);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(bad.body.errors?.[0]?.message ?? '', /7 characters/);
    assert.doesNotMatch(JSON.stringify(bad.body), /12-ab/, 'the bad value is not echoed back');
  });

  it('finds a document by number, with its holder, and rejects a malformed number', async () => {
    const doc = citizenDocuments(TEST_POPULATION, 0)[0]!;
    const { body } = await subgraph.request(`query($n: String!) { document(number: $n) { number type holder { fin } blankSeries blankNumber } }`, {
      n: doc.number.toLowerCase(),
    });
    assert.deepEqual(body.data?.['document'], {
      number: doc.number,
      type: doc.type,
      holder: { fin: doc.holderFin },
      blankSeries: doc.blankSeries,
      blankNumber: doc.blankNumber,
    });
    const bad = await subgraph.request(`{ document(number: "12345") { number } }`);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    const unknown = await subgraph.request(`{ document(number: "ZZ1234567") { number } }`);
    assert.equal(unknown.body.data?.['document'], null);
  });

  it('searches by full name and date of birth, case-insensitively', async () => {
    const c = citizenAt(TEST_POPULATION, 5);
    const { body } = await subgraph.request(
      `query($f: String!, $l: String!, $b: String!) { personsByName(firstName: $f, lastName: $l, birthDate: $b) { fin } }`,
      { f: c.firstName.toLocaleUpperCase('az'), l: ` ${c.lastName} `, b: c.birthDate },
    );
    assert.ok((body.data?.['personsByName'] as Array<{ fin: string }>).some((p) => p.fin === c.fin));
    const bad = await subgraph.request(`{ personsByName(firstName: "Elvin", lastName: "Əliyev", birthDate: "1990-13-45") { fin } }`);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });

  it('resolves many Person entities, their citizen records and documents with one SQL query', async () => {
    const fins = Array.from({ length: 25 }, (_v, i) => citizenAt(TEST_POPULATION, i).fin);
    subgraph.counter.reset();
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin citizen { lastName documents { number } } } } }`,
      { r: fins.map((fin) => ({ __typename: 'Person', fin })) },
    );
    assert.equal(body.errors, undefined);
    const entities = body.data?.['_entities'] as Array<{ citizen: { lastName: string; documents: Array<{ number: string }> } }>;
    assert.deepEqual(
      entities.map((e) => e.citizen.lastName),
      fins.map((_fin, i) => citizenAt(TEST_POPULATION, i).lastName),
    );
    assert.deepEqual(
      entities.map((e) => e.citizen.documents.length),
      fins.map((_fin, i) => citizenDocuments(TEST_POPULATION, i).length),
    );
    const selects = subgraph.counter.queries.filter((q) => /^\s*SELECT/i.test(q));
    assert.equal(selects.length, 1, selects.join('\n'));
    assert.equal(subgraph.counter.selectsFrom('citizen').length, 1);
  });

  it('answers person(fin) with the register entry, the citizen and the documents in one SQL query', async () => {
    subgraph.counter.reset();
    const { body } = await subgraph.request(`query($fin: ID!) { person(fin: $fin) { fin citizen { lastName documents { number } } } }`, {
      fin: people['citizen-full'],
    });
    assert.equal(body.errors, undefined);
    assert.deepEqual(subgraph.counter.queries.filter((q) => /^\s*SELECT/i.test(q)).length, 1, subgraph.counter.queries.join('\n'));
  });

  it('resolves Document entities by number in one batch', async () => {
    const numbers = Array.from({ length: 10 }, (_v, i) => citizenDocuments(TEST_POPULATION, i)[0]!.number);
    subgraph.counter.reset();
    const { body } = await subgraph.request(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Document { number active } } }`, {
      r: numbers.map((number) => ({ __typename: 'Document', number })),
    });
    assert.deepEqual(
      (body.data?.['_entities'] as Array<{ number: string }>).map((d) => d.number),
      numbers,
    );
    assert.equal(subgraph.counter.selectsFrom('document').length, 1);
  });

  it('lets a citizen read their own record only (R4)', async () => {
    const own = people['citizen-full']!;
    const self = { roles: ['citizen' as const], fin: own, purpose: 'self-access' };
    const mine = await subgraph.request(`query($fin: ID!) { person(fin: $fin) { citizen { fin } } }`, { fin: own }, self);
    assert.deepEqual(mine.body.data?.['person'], { citizen: { fin: own } });
    const other = await subgraph.request(`query($fin: ID!) { person(fin: $fin) { citizen { fin } } }`, { fin: people['child'] }, self);
    assert.equal(other.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(other.body.data?.['person'] ?? null, null);
  });

  it('pages nested lists and refuses a page larger than the cap', async () => {
    const fin = people['citizen-full']!;
    const one = await subgraph.request(`query($fin: ID!) { person(fin: $fin) { citizen { documents(first: 1) { number } } } }`, { fin });
    assert.equal((one.body.data?.['person'] as { citizen: { documents: unknown[] } }).citizen.documents.length, 1);
    const big = await subgraph.request(`query($fin: ID!) { person(fin: $fin) { citizen { documents(first: 1000) { number } } } }`, { fin });
    assert.equal(big.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });
});
