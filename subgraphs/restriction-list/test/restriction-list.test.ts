import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  citizenDocuments,
  citizenRestrictions,
  demoPeople,
  foreignerRestrictions,
  vocabulary,
  type RestrictionEntry as GeneratedEntry,
} from '@hub/kit/synthetic';
import { startTestSubgraph, testCaller, TEST_POPULATION, type TestSubgraph } from '@hub/kit/testing';
import { restrictionListSubgraph } from '../src';
import { entryAsSeenBy } from '../src/access';
import { RestrictionSubject, type RestrictionRecord } from '../src/entities';

const people = Object.fromEntries(demoPeople(TEST_POPULATION).map((p) => [p.case, p.fin]));

const generated: GeneratedEntry[] = [
  ...Array.from({ length: TEST_POPULATION.citizens }, (_v, i) => citizenRestrictions(TEST_POPULATION, i)).flat(),
  ...Array.from({ length: TEST_POPULATION.foreigners }, (_v, j) => foreignerRestrictions(TEST_POPULATION, j)).flat(),
];
const entriesOf = (fin: string) => generated.filter((e) => e.fin === fin);
const onlyEntryOf = (fin: string): GeneratedEntry => {
  const found = entriesOf(fin);
  assert.equal(found.length, 1, `the generator gives ${fin} exactly one entry`);
  return found[0]!;
};

const SBS = { agency: 'SBS', level: 'restricted' as const };
const MIA = { agency: 'MIA', level: 'restricted' as const };
const UNLIMITED = { agency: 'MIA', level: 'unlimited' as const };

const ENTRY_FIELDS =
  'entryNumber category { code label } subject fin documentNumber vehicleRegistrationNumber fullName birthDate initiatingAgency basis active statusChangedAt statusReason validUntil enteredBy approvedBy enteredAt masked';
const PERSON_ENTRIES = `query($fin: ID!) { _entities(representations: [{ __typename: "Person", fin: $fin }]) { ... on Person { restrictions { ${ENTRY_FIELDS} } } } }`;

type Entry = Record<string, unknown> & { masked: boolean; category: { code: string; label: string } | null };

async function restrictionsOf(subgraph: TestSubgraph, fin: string, caller: object, includeInactive = false): Promise<Entry[]> {
  const query = includeInactive ? PERSON_ENTRIES.replace('restrictions {', 'restrictions(includeInactive: true) {') : PERSON_ENTRIES;
  const { body } = await subgraph.request(query, { fin }, caller);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return (body.data?.['_entities'] as Array<{ restrictions: Entry[] }>)[0]!.restrictions;
}

function assertFull(entry: Entry, expected: GeneratedEntry): void {
  assert.equal(entry.masked, false);
  assert.equal(entry['entryNumber'], expected.entryNumber);
  assert.deepEqual(entry.category, { code: expected.category, label: vocabulary.RESTRICTION_CATEGORIES[expected.category].label });
  assert.equal(entry['fin'], expected.fin);
  assert.equal(entry['fullName'], expected.fullName);
  assert.equal(entry['birthDate'], expected.birthDate);
  assert.equal(entry['basis'], expected.basis);
  assert.equal(entry['enteredBy'], expected.enteredBy);
  assert.equal(entry['approvedBy'], expected.approvedBy);
  assert.equal(entry['initiatingAgency'], expected.initiatingAgency);
  assert.equal(new Date(entry['enteredAt'] as string).toISOString(), new Date(expected.enteredAt).toISOString());
}

function assertMasked(entry: Entry, expected: GeneratedEntry): void {
  const { masked, subject, active, initiatingAgency, ...hidden } = entry;
  assert.deepEqual(
    { masked, subject, active, initiatingAgency },
    { masked: true, subject: expected.subject.toUpperCase(), active: expected.active, initiatingAgency: expected.initiatingAgency },
  );
  for (const [field, value] of Object.entries(hidden)) assert.equal(value, null, `${field} is masked`);
}

describe('entryAsSeenBy (the access rule)', () => {
  const record: RestrictionRecord = {
    entryNumber: 'R-1',
    category: '6.7.1.5',
    subject: RestrictionSubject.PERSON,
    fin: '1234567',
    documentNumber: null,
    vehicleRegistrationNumber: null,
    fullName: 'Test Person',
    birthDate: '1990-01-01',
    initiatingAgency: 'SBS',
    basis: 'decision',
    active: true,
    statusChangedAt: new Date('2024-01-01T00:00:00Z'),
    statusReason: 'entered',
    validUntil: null,
    enteredBy: 'SBS-officer-1',
    approvedBy: 'SBS-head-1',
    enteredAt: new Date('2024-01-01T00:00:00Z'),
  };

  it('gives the whole entry to a restricted caller of the initiating body', () => {
    const seen = entryAsSeenBy(testCaller(SBS), record);
    assert.equal(seen.masked, false);
    assert.equal(seen.fin, record.fin);
    assert.equal(seen.basis, record.basis);
    assert.deepEqual(seen.category, { code: '6.7.1.5', label: vocabulary.RESTRICTION_CATEGORIES['6.7.1.5'].label });
  });

  it('masks the entry of another body for a restricted caller, keeping whom to contact', () => {
    const seen = entryAsSeenBy(testCaller(MIA), record);
    const { masked, subject, active, initiatingAgency, ...hidden } = seen;
    assert.deepEqual(
      { masked, subject, active, initiatingAgency },
      { masked: true, subject: RestrictionSubject.PERSON, active: true, initiatingAgency: 'SBS' },
    );
    for (const [field, value] of Object.entries(hidden)) assert.equal(value, null, `${field} is masked`);
  });

  it('gives every entry whole to an unlimited caller', () => {
    const seen = entryAsSeenBy(testCaller(UNLIMITED), record);
    assert.equal(seen.masked, false);
    assert.equal(seen.entryNumber, record.entryNumber);
  });
});

describe('restriction-list subgraph', () => {
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(restrictionListSubgraph);
  });
  after(async () => {
    await subgraph.close();
  });

  const bySbs = () => onlyEntryOf(people['restricted-by-SBS']!);
  const byMia = () => onlyEntryOf(people['restricted-by-MIA']!);

  it('shows SBS its own entry whole and the MIA entry masked', async () => {
    assert.equal(bySbs().initiatingAgency, 'SBS');
    assertFull((await restrictionsOf(subgraph, people['restricted-by-SBS']!, SBS))[0]!, bySbs());
    assertMasked((await restrictionsOf(subgraph, people['restricted-by-MIA']!, SBS))[0]!, byMia());
  });

  it('shows MIA the reverse', async () => {
    assert.equal(byMia().initiatingAgency, 'MIA');
    assertFull((await restrictionsOf(subgraph, people['restricted-by-MIA']!, MIA))[0]!, byMia());
    assertMasked((await restrictionsOf(subgraph, people['restricted-by-SBS']!, MIA))[0]!, bySbs());
  });

  it('shows an unlimited caller every entry whole', async () => {
    assertFull((await restrictionsOf(subgraph, people['restricted-by-SBS']!, UNLIMITED))[0]!, bySbs());
    assertFull((await restrictionsOf(subgraph, people['restricted-by-MIA']!, UNLIMITED))[0]!, byMia());
  });

  it('leaves entries whose grounds ended out unless includeInactive is set', async () => {
    const lifted = generated.find((e) => !e.active && e.fin !== null && entriesOf(e.fin).length === 1);
    assert.ok(lifted, 'the test population has a lifted entry');
    assert.deepEqual(await restrictionsOf(subgraph, lifted.fin!, UNLIMITED), []);
    const all = await restrictionsOf(subgraph, lifted.fin!, UNLIMITED, true);
    assert.deepEqual(
      all.map((e) => [e['entryNumber'], e['active']]),
      [[lifted.entryNumber, false]],
    );
    const check = await subgraph.request(`query($fin: ID!) { restrictionCheck(fin: $fin) { hit } }`, { fin: lifted.fin }, UNLIMITED);
    assert.deepEqual(check.body.data?.['restrictionCheck'], { hit: false }, 'a lifted entry is not a hit');
  });

  it('tells any restricted caller hit and whom to contact, and no-hit for a clean person', async () => {
    assert.deepEqual(entriesOf(people['citizen-full']!), [], 'the generator keeps citizen-full clean');
    const query = `query($fin: ID!) { restrictionCheck(fin: $fin) { hit contactAgencies checkedAt } }`;
    const hit = await subgraph.request(query, { fin: people['restricted-by-SBS'] }, MIA);
    const result = hit.body.data?.['restrictionCheck'] as { hit: boolean; contactAgencies: string[]; checkedAt: string };
    assert.equal(result.hit, true);
    assert.deepEqual(result.contactAgencies, [bySbs().initiatingAgency]);
    assert.ok(Math.abs(Date.parse(result.checkedAt) - Date.now()) < 60_000, 'checked now');
    const clean = await subgraph.request(query, { fin: people['citizen-full'] }, MIA);
    assert.deepEqual((clean.body.data?.['restrictionCheck'] as { hit: boolean; contactAgencies: string[] }).contactAgencies, []);
    assert.equal((clean.body.data?.['restrictionCheck'] as { hit: boolean }).hit, false);
  });

  it('checks a lost passport (6.7.1.13) by document number, at the root and on the Document entity', async () => {
    const lost = generated.find((e) => e.category === '6.7.1.13' && e.active);
    assert.ok(lost?.documentNumber, 'the test population has a lost passport');
    const root = await subgraph.request(
      `query($n: String!) { restrictionCheck(documentNumber: $n) { hit contactAgencies } }`,
      { n: lost.documentNumber.toLowerCase() },
      SBS,
    );
    assert.deepEqual(root.body.data?.['restrictionCheck'], { hit: true, contactAgencies: [lost.initiatingAgency] });
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Document { restrictionCheck { hit } restrictions { documentNumber subject category { code } masked } } } }`,
      { r: [{ __typename: 'Document', number: lost.documentNumber }] },
      { agency: lost.initiatingAgency, level: 'restricted' },
    );
    assert.deepEqual(body.data?.['_entities'], [
      {
        restrictionCheck: { hit: true },
        restrictions: [{ documentNumber: lost.documentNumber, subject: 'DOCUMENT', category: { code: '6.7.1.13' }, masked: false }],
      },
    ]);
  });

  it('checks a wanted vehicle (6.7.1.14) by registration number, at the root and on the Vehicle entity', async () => {
    const wanted = generated.find((e) => e.category === '6.7.1.14' && e.active);
    assert.ok(wanted?.vehicleRegistrationNumber, 'the test population has a wanted vehicle');
    const root = await subgraph.request(
      `query($n: String!) { restrictionCheck(registrationNumber: $n) { hit contactAgencies } }`,
      { n: wanted.vehicleRegistrationNumber },
      SBS,
    );
    assert.deepEqual(root.body.data?.['restrictionCheck'], { hit: true, contactAgencies: [wanted.initiatingAgency] });
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { restrictions { vehicleRegistrationNumber subject initiatingAgency masked } } } }`,
      { r: [{ __typename: 'Vehicle', registrationNumber: wanted.vehicleRegistrationNumber }] },
      SBS,
    );
    assert.deepEqual(body.data?.['_entities'], [
      {
        restrictions: [{ vehicleRegistrationNumber: null, subject: 'VEHICLE', initiatingAgency: wanted.initiatingAgency, masked: true }],
      },
    ]);
  });

  it('answers no-hit for a well-formed unknown key', async () => {
    const { body } = await subgraph.request(`{ restrictionCheck(registrationNumber: "00-ZZ-000") { hit contactAgencies } }`, {}, UNLIMITED);
    assert.deepEqual(body.data?.['restrictionCheck'], { hit: false, contactAgencies: [] });
  });

  it('requires exactly one well-formed key, without echoing it back', async () => {
    const none = await subgraph.request(`{ restrictionCheck { hit } }`);
    assert.equal(none.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    const two = await subgraph.request(`query($fin: ID!) { restrictionCheck(fin: $fin, registrationNumber: "10-AB-123") { hit } }`, {
      fin: people['citizen-full'],
    });
    assert.equal(two.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    const bad = await subgraph.request(`{ restrictionCheck(fin: "12-ab") { hit } }`);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(bad.body.errors?.[0]?.message ?? '', /7 characters/);
    assert.doesNotMatch(JSON.stringify(bad.body), /12-ab/);
    const badPlate = await subgraph.request(`{ restrictionCheck(registrationNumber: "ABC") { hit } }`);
    assert.match(badPlate.body.errors?.[0]?.message ?? '', /NN-LL-NNN/);
  });

  it('resolves many entities of each kind with one SQL query each', async () => {
    const fins = generated.map((e) => e.fin).filter((f): f is string => f !== null);
    subgraph.counter.reset();
    const persons = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { restrictionCheck { hit } restrictions { initiatingAgency } } } }`,
      { r: fins.map((fin) => ({ __typename: 'Person', fin })) },
      SBS,
    );
    assert.equal(persons.body.errors, undefined);
    assert.equal((persons.body.data?.['_entities'] as unknown[]).length, fins.length);
    assert.ok(fins.length > 5);
    assert.equal(subgraph.counter.selectsFrom('restriction_entry').length, 1, subgraph.counter.queries.join('\n'));

    const numbers = Array.from({ length: 10 }, (_v, i) => citizenDocuments(TEST_POPULATION, i)[0]!.number);
    subgraph.counter.reset();
    const documents = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Document { restrictionCheck { hit } } } }`,
      { r: numbers.map((number) => ({ __typename: 'Document', number })) },
      SBS,
    );
    assert.equal((documents.body.data?.['_entities'] as unknown[]).length, numbers.length);
    assert.equal(subgraph.counter.selectsFrom('restriction_entry').length, 1);
  });

  it('refuses a citizen, even about their own FİN', async () => {
    const own = people['restricted-by-SBS']!;
    const self = { roles: ['citizen' as const], fin: own, purpose: 'self-access' };
    const root = await subgraph.request(`query($fin: ID!) { restrictionCheck(fin: $fin) { hit } }`, { fin: own }, self);
    assert.equal(root.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.equal(root.body.data ?? null, null);
    const nested = await subgraph.request(PERSON_ENTRIES, { fin: own }, self);
    assert.equal(nested.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(nested.body), /basis|SBS-officer/);
  });

  it('pages entries and refuses a page larger than the cap', async () => {
    const fin = people['restricted-by-SBS']!;
    const paged = (args: string) =>
      `query($fin: ID!) { _entities(representations: [{ __typename: "Person", fin: $fin }]) { ... on Person { restrictions(${args}) { initiatingAgency } } } }`;
    const first = await subgraph.request(paged('first: 1'), { fin }, UNLIMITED);
    assert.equal((first.body.data?.['_entities'] as Array<{ restrictions: unknown[] }>)[0]!.restrictions.length, 1);
    const skipped = await subgraph.request(paged('first: 1, offset: 1'), { fin }, UNLIMITED);
    assert.deepEqual((skipped.body.data?.['_entities'] as Array<{ restrictions: unknown[] }>)[0]!.restrictions, []);
    const big = await subgraph.request(paged('first: 1000'), { fin }, UNLIMITED);
    assert.equal(big.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });
});
