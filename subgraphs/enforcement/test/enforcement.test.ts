import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { demoPeople, enforcementCasesOf, type EnforcementCase as GeneratedCase } from '@hub/kit/synthetic';
import { startTestSubgraph, testCaller, TEST_POPULATION, type TestSubgraph } from '@hub/kit/testing';
import { enforcementSubgraph } from '../src';
import { caseView, caseVisibility } from '../src/access';
import { CASE_NUMBER_PATTERN } from '../src/resolvers';
import type { EnforcementCaseRecord } from '../src/entities';

const people = Object.fromEntries(demoPeople(TEST_POPULATION).map((p) => [p.case, p.fin]));
const allCases = Array.from({ length: TEST_POPULATION.citizens }, (_v, i) => enforcementCasesOf(TEST_POPULATION, i)).flat();
const casesOf = (fin: string) => allCases.filter((c) => c.debtorFin === fin);
const ownCases = casesOf(people['citizen-full']!);
const taxCase = ownCases.find((c) => c.creditorAgency === 'MOT')!;
/** A case that is not a tax claim: a restricted MOT caller must get it masked. */
const privateCase = allCases.find((c) => c.creditorAgency === null)!;
const otherDebtorCase = allCases.find((c) => c.debtorFin !== people['citizen-full'])!;

const FULL_FIELDS =
  'caseNumber status source officer masked documentKind documentNumber issuedAt debtor { fin } debtorName creditorName creditorAgency amount currency openedAt actions { kind date }';
type CaseJson = Record<string, unknown> & { caseNumber: string; masked: boolean; actions: Array<{ kind: string; date: string }> | null };

function expectedFull(c: GeneratedCase): CaseJson {
  return {
    caseNumber: c.caseNumber,
    status: c.status,
    source: c.source,
    officer: c.officer,
    masked: false,
    documentKind: c.documentKind,
    documentNumber: c.documentNumber,
    issuedAt: c.issuedAt,
    debtor: { fin: c.debtorFin },
    debtorName: c.debtorName,
    creditorName: c.creditorName,
    creditorAgency: c.creditorAgency,
    amount: c.amount,
    currency: c.currency,
    openedAt: c.openedAt,
    actions: c.actions.map((a) => ({ kind: a.kind, date: a.at })),
  };
}

function expectedMasked(c: GeneratedCase): CaseJson {
  return {
    caseNumber: c.caseNumber,
    status: c.status,
    source: c.source,
    officer: c.officer,
    masked: true,
    documentKind: null,
    documentNumber: null,
    issuedAt: null,
    debtor: null,
    debtorName: null,
    creditorName: null,
    creditorAgency: null,
    amount: null,
    currency: null,
    openedAt: null,
    actions: null,
  };
}

const recordOf = (c: GeneratedCase): EnforcementCaseRecord => ({
  ...c,
  documentKind: c.documentKind as EnforcementCaseRecord['documentKind'],
  status: c.status as EnforcementCaseRecord['status'],
});

describe('enforcement access rule', () => {
  it('gives a restricted body its own claims in full and masks every other case', () => {
    const mot = testCaller({ agency: 'MOT', level: 'restricted' });
    assert.equal(caseVisibility(mot, taxCase), 'full');
    assert.equal(caseVisibility(mot, privateCase), 'masked');
    assert.equal(caseVisibility(testCaller({ agency: 'PGO', level: 'restricted' }), taxCase), 'masked');
    assert.equal(caseVisibility(testCaller({ agency: 'MOJ', level: 'unlimited' }), privateCase), 'full');
  });

  it('gives a citizen their own cases as debtor and nothing else, whatever the level', () => {
    const self = testCaller({ roles: ['citizen'], fin: taxCase.debtorFin, level: 'unlimited' });
    assert.equal(caseVisibility(self, taxCase), 'full');
    assert.equal(caseVisibility(self, otherDebtorCase), 'none');
  });

  it('keeps only the case number, status, source and officer of a masked case', () => {
    const { actions: _actions, ...masked } = expectedMasked(privateCase);
    assert.deepEqual({ ...caseView(recordOf(privateCase), 'masked') }, masked);
  });
});

describe('enforcement subgraph', () => {
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(enforcementSubgraph);
  });
  after(async () => {
    await subgraph.close();
  });

  it('answers a case number with the whole case and its actions for the owner (MOJ)', async () => {
    const { body } = await subgraph.request(
      `query($n: String!) { enforcementCase(caseNumber: $n) { ${FULL_FIELDS} } }`,
      { n: taxCase.caseNumber },
      { agency: 'MOJ' },
    );
    assert.equal(body.errors, undefined);
    assert.deepEqual(body.data?.['enforcementCase'], expectedFull(taxCase));
  });

  it('accepts the Latin "IC" spelling, returns null for an unknown number and BAD_USER_INPUT for a malformed one', async () => {
    assert.ok(
      allCases.every((c) => CASE_NUMBER_PATTERN.test(c.caseNumber)),
      'the pattern is the one the generator produces',
    );
    const latin = await subgraph.request(`query($n: String!) { enforcementCase(caseNumber: $n) { caseNumber } }`, {
      n: ` ${taxCase.caseNumber.replace('İ', 'i').toLowerCase()} `,
    });
    assert.deepEqual(latin.body.data?.['enforcementCase'], { caseNumber: taxCase.caseNumber });
    const unknown = await subgraph.request(`{ enforcementCase(caseNumber: "İC-1999-9999999") { caseNumber } }`);
    assert.equal(unknown.body.errors, undefined);
    assert.equal(unknown.body.data?.['enforcementCase'], null);
    const bad = await subgraph.request(`{ enforcementCase(caseNumber: "12-zz-secret") { caseNumber } }`);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(bad.body.errors?.[0]?.message ?? '', /İC-YYYY-NNNNNNN/);
    assert.doesNotMatch(JSON.stringify(bad.body), /secret/, 'the bad value is not echoed back');
  });

  it('lists the cases of a debtor on Person, with an optional status filter', async () => {
    const fin = people['citizen-full']!;
    const query = `query($r: [_Any!]!, $s: EnforcementCaseStatus) { _entities(representations: $r) { ... on Person { enforcementCases(status: $s) { caseNumber status } } } }`;
    const all = await subgraph.request(query, { r: [{ __typename: 'Person', fin }] }, { agency: 'MOJ' });
    assert.equal(all.body.errors, undefined);
    const listed = (all.body.data?.['_entities'] as Array<{ enforcementCases: Array<{ caseNumber: string; status: string }> }>)[0]!.enforcementCases;
    assert.deepEqual(listed.map((c) => c.caseNumber).sort(), ownCases.map((c) => c.caseNumber).sort());
    assert.equal(ownCases.filter((c) => c.status === 'OPEN').length, 2, 'the demo debtor has two open cases');
    for (const status of ['OPEN', 'COMPLETED'] as const) {
      const filtered = await subgraph.request(query, { r: [{ __typename: 'Person', fin }], s: status }, { agency: 'MOJ' });
      const cases = (filtered.body.data?.['_entities'] as Array<{ enforcementCases: Array<{ caseNumber: string }> }>)[0]!.enforcementCases;
      assert.deepEqual(
        cases.map((c) => c.caseNumber).sort(),
        ownCases
          .filter((c) => c.status === status)
          .map((c) => c.caseNumber)
          .sort(),
      );
    }
  });

  it('gives MOT its own tax cases in full and other cases masked (11.3.10)', async () => {
    const mot = { agency: 'MOT', level: 'restricted' as const };
    const own = await subgraph.request(`query($n: String!) { enforcementCase(caseNumber: $n) { ${FULL_FIELDS} } }`, { n: taxCase.caseNumber }, mot);
    assert.deepEqual(own.body.data?.['enforcementCase'], expectedFull(taxCase));
    const other = await subgraph.request(`query($n: String!) { enforcementCase(caseNumber: $n) { ${FULL_FIELDS} } }`, { n: privateCase.caseNumber }, mot);
    assert.equal(other.body.errors, undefined);
    assert.deepEqual(other.body.data?.['enforcementCase'], expectedMasked(privateCase));
  });

  it("masks every case for PGO, including in a debtor's list", async () => {
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { enforcementCases { ${FULL_FIELDS} } } } }`,
      { r: [{ __typename: 'Person', fin: people['citizen-full'] }] },
      { agency: 'PGO', level: 'restricted' },
    );
    assert.equal(body.errors, undefined);
    const cases = (body.data?.['_entities'] as Array<{ enforcementCases: CaseJson[] }>)[0]!.enforcementCases;
    assert.deepEqual(
      [...cases].sort((a, b) => a.caseNumber.localeCompare(b.caseNumber)),
      [...ownCases].sort((a, b) => a.caseNumber.localeCompare(b.caseNumber)).map(expectedMasked),
    );
  });

  it("lets a citizen read their own cases in full and nobody else's (8.1.3, 13.3)", async () => {
    const self = { roles: ['citizen' as const], fin: people['citizen-full']!, purpose: 'self-access', level: 'restricted' as const };
    const mine = await subgraph.request(`query($n: String!) { enforcementCase(caseNumber: $n) { ${FULL_FIELDS} } }`, { n: taxCase.caseNumber }, self);
    assert.deepEqual(mine.body.data?.['enforcementCase'], expectedFull(taxCase));
    const other = await subgraph.request(
      `query($n: String!) { enforcementCase(caseNumber: $n) { caseNumber officer } }`,
      { n: otherDebtorCase.caseNumber },
      self,
    );
    assert.equal(other.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(other.body.data?.['enforcementCase'] ?? null, null);
    const nested = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin enforcementCases { caseNumber } } } }`,
      { r: [{ __typename: 'Person', fin: otherDebtorCase.debtorFin }] },
      self,
    );
    assert.deepEqual(nested.body.data?.['_entities'], [{ fin: otherDebtorCase.debtorFin, enforcementCases: [] }]);
  });

  it('resolves many Person entities, their cases and actions with one SQL query each', async () => {
    const fins = [...new Set(allCases.map((c) => c.debtorFin))];
    assert.ok(fins.length > 3);
    subgraph.counter.reset();
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin enforcementCases { caseNumber actions { kind } } } } }`,
      { r: fins.map((fin) => ({ __typename: 'Person', fin })) },
      { agency: 'MOJ' },
    );
    assert.equal(body.errors, undefined);
    const entities = body.data?.['_entities'] as Array<{ enforcementCases: unknown[] }>;
    assert.equal(entities.flatMap((e) => e.enforcementCases).length, allCases.length);
    assert.equal(subgraph.counter.selectsFrom('enforcement_case').length, 1, subgraph.counter.queries.join('\n'));
    assert.equal(subgraph.counter.selectsFrom('enforcement_action').length, 1, subgraph.counter.queries.join('\n'));
  });

  it('pages nested lists and refuses a page larger than the cap', async () => {
    const r = [{ __typename: 'Person', fin: people['citizen-full'] }];
    const one = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { enforcementCases(first: 1) { caseNumber actions(first: 1) { kind } } } } }`,
      { r },
      { agency: 'MOJ' },
    );
    const cases = (one.body.data?.['_entities'] as Array<{ enforcementCases: Array<{ actions: unknown[] }> }>)[0]!.enforcementCases;
    assert.equal(cases.length, 1);
    assert.equal(cases[0]!.actions.length, 1);
    const big = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { enforcementCases(first: 1000) { caseNumber } } } }`,
      { r },
      { agency: 'MOJ' },
    );
    assert.equal(big.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });
});
