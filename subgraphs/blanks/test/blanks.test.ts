import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { citizenDocuments, demoPeople, personalisedBlank, stockBlank } from '@hub/kit/synthetic';
import { startTestSubgraph, TEST_POPULATION, type TestSubgraph } from '@hub/kit/testing';
import { blanksSubgraph } from '../src';

const people = Object.fromEntries(demoPeople(TEST_POPULATION).map((p) => [p.case, p.fin]));
const BLANK_FIELDS = 'series number documentType state stateChangedAt unit documentNumber stateFeeAmount stateFeePaidAt';
const BY_KEY = `query($s: String!, $n: String!) { blank(series: $s, number: $n) { ${BLANK_FIELDS} } }`;

describe('blanks subgraph', () => {
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(blanksSubgraph);
  });
  after(async () => {
    await subgraph.close();
  });

  it('finds a personalised blank by series and number, with its document and state fee', async () => {
    const expected = personalisedBlank(citizenDocuments(TEST_POPULATION, 0)[0]!);
    const { body } = await subgraph.request(`query($s: String!, $n: String!) { blank(series: $s, number: $n) { ${BLANK_FIELDS} document { number } } }`, {
      s: expected.series.toLowerCase(),
      n: expected.number,
    });
    assert.equal(body.errors, undefined);
    assert.deepEqual(body.data?.['blank'], {
      series: expected.series,
      number: expected.number,
      documentType: expected.documentType,
      state: 'PERSONALISED',
      stateChangedAt: expected.stateChangedAt,
      unit: expected.unit,
      documentNumber: expected.documentNumber,
      stateFeeAmount: expected.stateFeePaid,
      stateFeePaidAt: expected.stateFeePaidAt,
      document: { number: expected.documentNumber },
    });
  });

  it('finds stock blanks in every state they are in, with no document', async () => {
    const stock = Array.from({ length: TEST_POPULATION.citizens / 4 }, (_v, k) => stockBlank(TEST_POPULATION, k));
    const states = new Set(stock.map((b) => b.state));
    assert.ok(states.size >= 4, 'the stock has blanks in several states');
    for (const state of states) {
      const expected = stock.find((b) => b.state === state)!;
      const { body } = await subgraph.request(BY_KEY, { s: expected.series, n: expected.number });
      assert.deepEqual(body.data?.['blank'], {
        series: expected.series,
        number: expected.number,
        documentType: expected.documentType,
        state: expected.state,
        stateChangedAt: expected.stateChangedAt,
        unit: expected.unit,
        documentNumber: null,
        stateFeeAmount: null,
        stateFeePaidAt: null,
      });
    }
  });

  it('returns null for an unknown blank and BAD_USER_INPUT naming the format for a malformed key', async () => {
    const unknown = await subgraph.request(BY_KEY, { s: 'ZZ', n: '9999999' });
    assert.equal(unknown.body.errors, undefined);
    assert.equal(unknown.body.data?.['blank'], null);
    const badSeries = await subgraph.request(BY_KEY, { s: 'A1', n: '1234567' });
    assert.equal(badSeries.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(badSeries.body.errors?.[0]?.message ?? '', /capital Latin letters/);
    assert.doesNotMatch(JSON.stringify(badSeries.body), /A1/);
    const badNumber = await subgraph.request(BY_KEY, { s: 'AA', n: '12x' });
    assert.equal(badNumber.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(badNumber.body.errors?.[0]?.message ?? '', /7 or 8 digits/);
  });

  it('gives each Document the blank it was personalised on, many documents in one SQL query', async () => {
    const documents = Array.from({ length: 20 }, (_v, i) => citizenDocuments(TEST_POPULATION, i)).flat();
    subgraph.counter.reset();
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Document { number blank { series number state } } } }`,
      { r: [...documents.map((d) => ({ __typename: 'Document', number: d.number })), { __typename: 'Document', number: 'ZZ9999999' }] },
    );
    assert.equal(body.errors, undefined);
    assert.deepEqual(body.data?.['_entities'], [
      ...documents.map((d) => ({ number: d.number, blank: { series: d.blankSeries, number: d.blankNumber, state: 'PERSONALISED' } })),
      { number: 'ZZ9999999', blank: null },
    ]);
    assert.equal(subgraph.counter.selectsFrom('blank').length, 1, subgraph.counter.queries.join('\n'));
  });

  it('loads many blanks by series and number in one SQL query', async () => {
    const blanks = Array.from({ length: 10 }, (_v, k) => stockBlank(TEST_POPULATION, k));
    const query = `{ ${blanks.map((b, k) => `b${k}: blank(series: "${b.series}", number: "${b.number}") { state }`).join(' ')} }`;
    subgraph.counter.reset();
    const { body } = await subgraph.request(query);
    assert.deepEqual(
      Object.values(body.data ?? {}),
      blanks.map((b) => ({ state: b.state })),
    );
    assert.equal(subgraph.counter.selectsFrom('blank').length, 1);
  });

  it('refuses a citizen, even about their own document', async () => {
    const own = citizenDocuments(TEST_POPULATION, 0)[0]!;
    assert.equal(own.holderFin, people['citizen-full']);
    const self = { roles: ['citizen' as const], fin: own.holderFin, purpose: 'self-access' };
    const root = await subgraph.request(BY_KEY, { s: own.blankSeries, n: own.blankNumber }, self);
    assert.equal(root.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(root.body.data?.['blank'] ?? null, null);
    const nested = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Document { blank { state } } } }`,
      { r: [{ __typename: 'Document', number: own.number }] },
      self,
    );
    assert.equal(nested.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.deepEqual(nested.body.data?.['_entities'], [{ blank: null }]);
  });

  it('refuses a restricted level, which the matrix does not define for blanks', async () => {
    const own = citizenDocuments(TEST_POPULATION, 0)[0]!;
    const { body } = await subgraph.request(BY_KEY, { s: own.blankSeries, n: own.blankNumber }, { agency: 'SBS', level: 'restricted' });
    assert.equal(body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });
});
