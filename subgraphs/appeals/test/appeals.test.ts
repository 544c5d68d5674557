import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appealsOf, citizenAt, demoPeople, vocabulary, type Appeal } from '@hub/kit/synthetic';
import { startTestSubgraph, testCaller, TEST_POPULATION, type TestSubgraph } from '@hub/kit/testing';
import { appealsSubgraph } from '../src';
import { mayReadAppeal } from '../src/access';
import { APPEAL_NUMBER_PATTERN, parseAppealNumber } from '../src/resolvers';

const people = Object.fromEntries(demoPeople(TEST_POPULATION).map((p) => [p.case, p.fin]));
const byApplicant = Array.from({ length: TEST_POPULATION.citizens }, (_v, i) => appealsOf(TEST_POPULATION, i));
const allAppeals = byApplicant.flat();
const authorityName = (code: string) => vocabulary.LOCAL_EXECUTIVE_AUTHORITIES.find((a) => a.code === code)?.name;

const PA = { agency: 'PA', level: 'unlimited' as const };
const BAKU = { agency: 'LEA-BAKU', level: 'restricted' as const };
/** An appeal some other authority received, from an applicant other than citizen-full. */
const elsewhere = allAppeals.find((a) => a.receivedBy !== BAKU.agency && a.applicantFin !== people['citizen-full'])!;
const ownAppeal = appealsOf(TEST_POPULATION, 0)[0]!;

const APPEAL_FIELDS =
  'registrationNumber kind applicant { fin } applicantName receivingAuthority { code name } receivedAt shortContent dueDate executionStatus executor finalAnswer answeredAt';
const expectedView = (a: Appeal) => ({
  registrationNumber: a.registrationNumber,
  kind: a.kind,
  applicant: { fin: a.applicantFin },
  applicantName: a.applicantName,
  receivingAuthority: { code: a.receivedBy, name: authorityName(a.receivedBy) },
  receivedAt: a.receivedAt,
  shortContent: a.shortContent,
  dueDate: a.dueDate,
  executionStatus: a.executionStatus,
  executor: a.executor,
  finalAnswer: a.finalAnswer,
  answeredAt: a.answeredAt,
});
const numbersOf = (appeals: Array<{ registrationNumber: string }>) => appeals.map((a) => a.registrationNumber).sort();

describe('appeals subgraph', () => {
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(appealsSubgraph);
  });
  after(async () => {
    await subgraph.close();
  });

  const lookup = (number: string, caller: Parameters<TestSubgraph['request']>[2] = PA) =>
    subgraph.request(`query($n: String!) { appeal(registrationNumber: $n) { ${APPEAL_FIELDS} } }`, { n: number }, caller);
  const appealsOfPerson = async (fin: string, caller: Parameters<TestSubgraph['request']>[2] = PA) => {
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { appeals { registrationNumber } } } }`,
      { r: [{ __typename: 'Person', fin }] },
      caller,
    );
    assert.equal(body.errors, undefined);
    return (body.data?.['_entities'] as Array<{ appeals: Array<{ registrationNumber: string }> }>)[0]!.appeals;
  };

  it('answers a registration-control card number with the whole card, for the Presidential Administration', async () => {
    assert.ok(elsewhere, 'the test population has an appeal received outside Baku');
    for (const appeal of [ownAppeal, elsewhere]) {
      const { body } = await lookup(appeal.registrationNumber.toLowerCase());
      assert.equal(body.errors, undefined);
      assert.deepEqual(body.data?.['appeal'], expectedView(appeal));
    }
  });

  it('returns null for an unknown number and BAD_USER_INPUT naming the format for a malformed one', async () => {
    const unknown = await lookup('ZZZ-2024-999999');
    assert.equal(unknown.body.errors, undefined);
    assert.equal(unknown.body.data?.['appeal'], null);
    const bad = await lookup('BAK/2024/12');
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(bad.body.errors?.[0]?.message ?? '', /4-digit year/);
    assert.doesNotMatch(JSON.stringify(bad.body), /BAK\/2024\/12/, 'the bad value is not echoed back');
  });

  it("extends Person with the person's appeals", async () => {
    assert.deepEqual(numbersOf(await appealsOfPerson(people['citizen-full']!)), numbersOf(appealsOf(TEST_POPULATION, 0)));
    assert.deepEqual(await appealsOfPerson(people['child']!), []);
  });

  it('resolves the appeals of many Person entities with one SQL query', async () => {
    const fins = Array.from({ length: 40 }, (_v, i) => citizenAt(TEST_POPULATION, i).fin);
    subgraph.counter.reset();
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin appeals { registrationNumber } } } }`,
      { r: fins.map((fin) => ({ __typename: 'Person', fin })) },
      PA,
    );
    assert.equal(body.errors, undefined);
    const persons = body.data?.['_entities'] as Array<{ fin: string; appeals: Array<{ registrationNumber: string }> }>;
    assert.deepEqual(
      persons.map((p) => numbersOf(p.appeals)),
      fins.map((_f, i) => numbersOf(byApplicant[i]!)),
    );
    assert.ok(persons.filter((p) => p.appeals.length > 0).length > 1, 'several of them have appeals');
    assert.equal(subgraph.counter.selectsFrom('appeal').length, 1, subgraph.counter.queries.join('\n'));
  });

  it('shows a local executive authority only the appeals it received, unmasked', async () => {
    const mine = await lookup(ownAppeal.registrationNumber, BAKU);
    assert.equal(ownAppeal.receivedBy, BAKU.agency);
    assert.deepEqual(mine.body.data?.['appeal'], expectedView(ownAppeal));
    const other = await lookup(elsewhere.registrationNumber, BAKU);
    assert.equal(other.body.errors, undefined);
    assert.equal(other.body.data?.['appeal'], null);
    const receiver = await lookup(elsewhere.registrationNumber, { agency: elsewhere.receivedBy, level: 'restricted' });
    assert.deepEqual(receiver.body.data?.['appeal'], expectedView(elsewhere));
    const applicantAppeals = allAppeals.filter((a) => a.applicantFin === elsewhere.applicantFin);
    assert.deepEqual(numbersOf(await appealsOfPerson(elsewhere.applicantFin, BAKU)), numbersOf(applicantAppeals.filter((a) => a.receivedBy === BAKU.agency)));
    assert.deepEqual(numbersOf(await appealsOfPerson(elsewhere.applicantFin, PA)), numbersOf(applicantAppeals));
  });

  it('lets a citizen read their own appeals only (R4)', async () => {
    // As policies/roles.json grants it: the e-government sign-on, restricted level, own FİN.
    const self = { roles: ['citizen' as const], fin: people['citizen-full']!, purpose: 'self-access', agency: 'EGOV', level: 'restricted' as const };
    const mine = await lookup(ownAppeal.registrationNumber, self);
    assert.deepEqual(mine.body.data?.['appeal'], expectedView(ownAppeal));
    const others = await lookup(elsewhere.registrationNumber, self);
    assert.equal(others.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(others.body.data?.['appeal'] ?? null, null);
    assert.deepEqual(await appealsOfPerson(elsewhere.applicantFin, self), []);
    assert.deepEqual(numbersOf(await appealsOfPerson(people['citizen-full']!, self)), numbersOf(appealsOf(TEST_POPULATION, 0)));
  });

  it('pages nested lists and refuses a page larger than the cap', async () => {
    const two = byApplicant.find((appeals) => appeals.length === 2)!;
    const fin = two[0]!.applicantFin;
    const one = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { appeals(first: 1, offset: 1) { registrationNumber } } } }`,
      { r: [{ __typename: 'Person', fin }] },
      PA,
    );
    const page = (one.body.data?.['_entities'] as Array<{ appeals: Array<{ registrationNumber: string }> }>)[0]!.appeals;
    assert.equal(page.length, 1);
    assert.ok(two.some((a) => a.registrationNumber === page[0]!.registrationNumber));
    const big = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { appeals(first: 1000) { registrationNumber } } } }`,
      { r: [{ __typename: 'Person', fin }] },
      PA,
    );
    assert.equal(big.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });
});

describe('appeals row rule', () => {
  const baku = { applicantFin: people['citizen-full']!, receivedBy: 'LEA-BAKU' };
  const ganja = { applicantFin: people['citizen-full']!, receivedBy: 'LEA-GANJA' };

  it('gives the Presidential Administration every appeal', () => {
    assert.ok(mayReadAppeal(testCaller(PA), baku));
    assert.ok(mayReadAppeal(testCaller(PA), ganja));
  });

  it('gives a local executive authority only the appeals it received', () => {
    assert.ok(mayReadAppeal(testCaller(BAKU), baku));
    assert.ok(!mayReadAppeal(testCaller(BAKU), ganja));
    assert.ok(mayReadAppeal(testCaller({ agency: 'LEA-GANJA', level: 'restricted' }), ganja));
  });

  it('gives a citizen their own appeals, whichever authority received them, and nothing else', () => {
    for (const level of ['unlimited', 'restricted'] as const) {
      const self = testCaller({ roles: ['citizen'], fin: people['citizen-full']!, level, agency: 'LEA-BAKU' });
      assert.ok(mayReadAppeal(self, baku));
      assert.ok(mayReadAppeal(self, ganja));
      assert.ok(!mayReadAppeal(self, { ...baku, applicantFin: people['restricted-by-SBS']! }));
    }
  });
});

describe('appeal registration numbers', () => {
  it('accepts every number the generator produces, up to a million citizens', () => {
    const large = { ...TEST_POPULATION, citizens: 1_000_000 };
    let last = large.citizens - 1;
    while (appealsOf(large, last).length === 0) last -= 1;
    const numbers = [...allAppeals, ...appealsOf(large, last)].map((a) => a.registrationNumber);
    for (const n of numbers) assert.equal(parseAppealNumber(n), n);
    assert.ok(numbers.every((n) => APPEAL_NUMBER_PATTERN.test(n)));
    assert.equal(new Set(numbers).size, numbers.length);
  });
});
