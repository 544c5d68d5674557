import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { childProfileOf, citizenAt, demoPeople, DEMO_POPULATION, type ChildProfile as GeneratedProfile } from '@hub/kit/synthetic';
import { startTestSubgraph, testCaller, TEST_POPULATION, type TestSubgraph } from '@hub/kit/testing';
import { childDataSubgraph } from '../src';
import { SECTION_SUPPLIERS, visibleSections } from '../src/access';

const people = Object.fromEntries(demoPeople(TEST_POPULATION).map((p) => [p.case, p.fin]));
const profiles = Array.from({ length: TEST_POPULATION.citizens }, (_v, i) => childProfileOf(TEST_POPULATION, i)).filter((p) => p !== null);
const child = childProfileOf(TEST_POPULATION, 3)!;
const archived = profiles.find((p) => p.archived)!;
const ALL_SECTIONS = ['guardianship', 'education', 'health', 'socialBenefits', 'offences'];

/** Rules 4.1 read as the access matrix does: each participant sees the sections it supplies. */
const EXPECTED_SECTIONS: Record<string, string[]> = {
  MIA: ['offences'],
  MOJ: ['guardianship'],
  MSE: ['education'],
  MOH: ['health'],
  MLSP: ['socialBenefits'],
  MYS: [],
  SMS: [],
  TABIB: ['health'],
  CRC: ['guardianship', 'offences'],
};

const PROFILE_FIELDS = `fin person { fin } firstName lastName birthDate father { fin } mother { fin } guardianship { guardian { fin } }
  education { school grade } health { disabilityGroup chronicConditions vaccinationsComplete } socialBenefits { benefits }
  offences { byChild againstChild } archived archivedAt maskedSections`;

function expectedProfile(p: GeneratedProfile, sections: readonly string[] = ALL_SECTIONS): Record<string, unknown> {
  const shows = (s: string) => sections.includes(s);
  const personOf = (fin: string | null) => (fin ? { fin } : null);
  return {
    fin: p.fin,
    person: { fin: p.fin },
    firstName: p.firstName,
    lastName: p.lastName,
    birthDate: p.birthDate,
    father: personOf(p.fatherFin),
    mother: personOf(p.motherFin),
    guardianship: shows('guardianship') ? { guardian: personOf(p.guardianFin) } : null,
    education: shows('education') ? { school: p.school, grade: p.grade } : null,
    health: shows('health')
      ? { disabilityGroup: p.disabilityGroup, chronicConditions: p.chronicConditions, vaccinationsComplete: p.vaccinationsComplete }
      : null,
    socialBenefits: shows('socialBenefits') ? { benefits: p.socialBenefits } : null,
    offences: shows('offences') ? { byChild: p.offencesByChild, againstChild: p.offencesAgainstChild } : null,
    archived: p.archived,
    archivedAt: p.archivedAt,
    maskedSections: ALL_SECTIONS.filter((s) => !shows(s)),
  };
}

describe('child data access rule', () => {
  it('gives each participant identity and parents plus the sections it supplies (4.1), health only to MOH and TABIB', () => {
    for (const [agency, sections] of Object.entries(EXPECTED_SECTIONS)) {
      assert.deepEqual(visibleSections(testCaller({ agency, level: 'restricted' }), child), sections, agency);
    }
    assert.deepEqual([...SECTION_SUPPLIERS.health].sort(), ['MOH', 'TABIB']);
    assert.deepEqual(visibleSections(testCaller({ agency: 'SCFWCA', level: 'unlimited' }), child), ALL_SECTIONS);
  });

  it('shows an archived profile to the owner and the person themself, to no participant and no parent (1.8)', () => {
    assert.ok(archived, 'the population has a profile archived at 18');
    assert.equal(visibleSections(testCaller({ agency: 'MOH', level: 'restricted' }), archived), null);
    assert.deepEqual(visibleSections(testCaller({ agency: 'SCFWCA', level: 'unlimited' }), archived), ALL_SECTIONS);
    assert.deepEqual(visibleSections(testCaller({ roles: ['citizen'], fin: archived.fin }), archived), ALL_SECTIONS);
    const formerParent = citizenAt(TEST_POPULATION, 0).fin;
    assert.equal(visibleSections(testCaller({ roles: ['citizen'], fin: formerParent }), { ...archived, fatherFin: formerParent }), null);
  });

  it("shows a guardian their ward's profile in full", () => {
    const ward = Array.from({ length: DEMO_POPULATION.citizens }, (_v, i) => childProfileOf(DEMO_POPULATION, i)).find((p) => p?.guardianFin && !p.archived);
    assert.ok(ward?.guardianFin, 'the demo population has a child under guardianship');
    assert.deepEqual(visibleSections(testCaller({ roles: ['citizen'], fin: ward.guardianFin }), ward), ALL_SECTIONS);
    assert.equal(visibleSections(testCaller({ roles: ['citizen'], fin: citizenAt(DEMO_POPULATION, 1).fin }), ward), null);
  });
});

describe('child-data subgraph', () => {
  let subgraph: TestSubgraph;
  before(async () => {
    subgraph = await startTestSubgraph(childDataSubgraph);
  });
  after(async () => {
    await subgraph.close();
  });
  const owner = { agency: 'SCFWCA', level: 'unlimited' as const };
  const lookup = `query($fin: ID!) { childProfile(fin: $fin) { ${PROFILE_FIELDS} } }`;

  it("answers a child's FİN with the whole e-profile for the owner (SCFWCA)", async () => {
    const { body } = await subgraph.request(lookup, { fin: people['child'] }, owner);
    assert.equal(body.errors, undefined);
    assert.deepEqual(body.data?.['childProfile'], expectedProfile(child));
    assert.deepEqual((body.data?.['childProfile'] as { father: unknown }).father, { fin: people['citizen-full'] });
  });

  it('returns null for an adult or unknown FİN and BAD_USER_INPUT for a malformed one', async () => {
    for (const fin of [people['citizen-full'], '0000000']) {
      const { body } = await subgraph.request(`query($fin: ID!) { childProfile(fin: $fin) { fin } }`, { fin }, owner);
      assert.equal(body.errors, undefined);
      assert.equal(body.data?.['childProfile'], null);
    }
    const bad = await subgraph.request(`{ childProfile(fin: "12-ab") { fin } }`, {}, owner);
    assert.equal(bad.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.doesNotMatch(JSON.stringify(bad.body), /12-ab/);
  });

  it('shows each restricted participant identity, parents and its own sections, naming the withheld ones', async () => {
    for (const [agency, sections] of Object.entries(EXPECTED_SECTIONS)) {
      const { body } = await subgraph.request(lookup, { fin: people['child'] }, { agency, level: 'restricted' });
      assert.equal(body.errors, undefined, agency);
      assert.deepEqual(body.data?.['childProfile'], expectedProfile(child, sections), agency);
    }
  });

  it('serves an archived profile to SCFWCA only, not to a restricted participant (1.8)', async () => {
    const full = await subgraph.request(lookup, { fin: archived.fin }, owner);
    assert.deepEqual(full.body.data?.['childProfile'], expectedProfile(archived));
    const nested = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin childProfile { fin } } } }`;
    const restricted = { agency: 'MOH', level: 'restricted' as const };
    const root = await subgraph.request(lookup, { fin: archived.fin }, restricted);
    assert.equal(root.body.errors, undefined);
    assert.equal(root.body.data?.['childProfile'], null);
    const viaPerson = await subgraph.request(nested, { r: [{ __typename: 'Person', fin: archived.fin }] }, restricted);
    assert.deepEqual(viaPerson.body.data?.['_entities'], [{ fin: archived.fin, childProfile: null }]);
  });

  it("lets a parent read their child's profile and a person their own, and nobody else (R4, 8.1.2)", async () => {
    const father = { roles: ['citizen' as const], fin: people['citizen-full']!, purpose: 'self-access', level: 'restricted' as const };
    const asFather = await subgraph.request(lookup, { fin: people['child'] }, father);
    assert.deepEqual(asFather.body.data?.['childProfile'], expectedProfile(child));
    const self = await subgraph.request(lookup, { fin: archived.fin }, { ...father, fin: archived.fin });
    assert.deepEqual(self.body.data?.['childProfile'], expectedProfile(archived), 'the person sees their own archived profile');
    const ownNone = await subgraph.request(lookup, { fin: people['citizen-full'] }, father);
    assert.equal(ownNone.body.errors, undefined);
    assert.equal(ownNone.body.data?.['childProfile'], null);
    const stranger = { ...father, fin: people['restricted-by-SBS']! };
    for (const fin of [people['child'], '0000000']) {
      const other = await subgraph.request(lookup, { fin }, stranger);
      assert.equal(other.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN', 'a profile or its absence is not told to a stranger');
      assert.equal(other.body.data?.['childProfile'] ?? null, null);
    }
    const nested = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { childProfile { fin } } } }`,
      { r: [{ __typename: 'Person', fin: people['child'] }] },
      stranger,
    );
    assert.deepEqual(nested.body.data?.['_entities'], [{ childProfile: null }]);
  });

  it('resolves many Person entities with one SQL query', async () => {
    const fins = profiles.map((p) => p.fin);
    subgraph.counter.reset();
    const { body } = await subgraph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fin childProfile { fin education { grade } } } } }`,
      { r: fins.map((fin) => ({ __typename: 'Person', fin })) },
      owner,
    );
    assert.equal(body.errors, undefined);
    const entities = body.data?.['_entities'] as Array<{ childProfile: { fin: string } | null }>;
    assert.deepEqual(
      entities.map((e) => e.childProfile?.fin),
      fins,
    );
    assert.equal(subgraph.counter.selectsFrom('child_profile').length, 1, subgraph.counter.queries.join('\n'));
  });
});
