import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appealsOf,
  childProfileOf,
  citizenRestrictions,
  demoPeople,
  enforcementCasesOf,
  vocabulary,
  type Appeal,
  type PopulationOptions,
  type RestrictionEntry,
} from '@hub/kit/synthetic';
import { sharedTestHub, type TestHub } from '../../src/hub';

/**
 * `restricted` as access-matrix.md defines it, per resource, through the gateway; a citizen's
 * own records (R4); and the auditor's reach. Expected values come from the generator.
 */
interface GraphQLBody<Data> {
  data?: Data | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  extensions: { registrationNumber: string };
}

const forbidden = (body: GraphQLBody<unknown>) =>
  (body.errors ?? []).filter((e) => e.extensions?.['code'] === 'FORBIDDEN').map((e) => ({ path: e.path?.join('.'), resource: e.extensions?.['resource'] }));

const ENTRY_FIELDS = 'entryNumber fin basis initiatingAgency enteredBy approvedBy active masked';
const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** The active entries about a person as a restricted body sees them: its own whole, the others' masked. */
function entriesAsSeenBy(agency: string, entries: RestrictionEntry[], fin: string) {
  return entries
    .filter((e) => e.fin === fin && e.active)
    .map((e) =>
      e.initiatingAgency === agency
        ? {
            entryNumber: e.entryNumber,
            fin: e.fin,
            basis: e.basis,
            initiatingAgency: e.initiatingAgency,
            enteredBy: e.enteredBy,
            approvedBy: e.approvedBy,
            active: true,
            masked: false,
          }
        : { entryNumber: null, fin: null, basis: null, initiatingAgency: e.initiatingAgency, enteredBy: null, approvedBy: null, active: true, masked: true },
    )
    .sort(byJson);
}

function allAppeals(population: PopulationOptions): Appeal[] {
  return Array.from({ length: population.citizens }, (_v, i) => appealsOf(population, i)).flat();
}

describe('restricted access, self access and audit scope through the gateway', () => {
  let hub: TestHub;
  let people: Record<string, string>;
  /** `Data` is the shape the test's query asks for. */
  const as = async <Data = Record<string, unknown>>(
    agency: string,
    role: string,
    purpose: string,
    query: string,
    variables?: Record<string, unknown>,
    fin?: string,
  ) => {
    const token = await hub.token({ agency, roles: [role], ...(fin ? { fin } : {}) });
    return (await hub.query(query, variables, { token, purpose })).body as GraphQLBody<Data>;
  };

  before(async () => {
    hub = await sharedTestHub('restricted');
    people = Object.fromEntries(demoPeople(hub.population).map((p) => [p.case, p.fin]));
  });

  describe('restriction list', () => {
    const QUERY = `query($sbs: ID!, $mia: ID!) {
      sbs: person(fin: $sbs) { restrictions { ${ENTRY_FIELDS} } restrictionCheck { hit contactAgencies } }
      mia: person(fin: $mia) { restrictions { ${ENTRY_FIELDS} } restrictionCheck { hit contactAgencies } }
      sbsCheck: restrictionCheck(fin: $sbs) { hit contactAgencies }
      miaCheck: restrictionCheck(fin: $mia) { hit contactAgencies }
    }`;
    type Check = { hit: boolean; contactAgencies: string[] };
    type Seen = { restrictions: Array<{ masked: boolean }>; restrictionCheck: Check };
    type RestrictionData = { sbs: Seen; mia: Seen; sbsCheck: Check; miaCheck: Check };

    for (const agency of ['SBS', 'MIA']) {
      it(`gives ${agency} its own entries whole, the other body's masked, and the hit check for both`, async () => {
        const sbs = people['restricted-by-SBS']!;
        const mia = people['restricted-by-MIA']!;
        const body = await as<RestrictionData>(agency, 'officer', 'identity-check', QUERY, { sbs, mia });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        const data = body.data!;
        assert.deepEqual([...data.sbs.restrictions].sort(byJson), entriesAsSeenBy(agency, citizenRestrictions(hub.population, 1), sbs));
        assert.deepEqual([...data.mia.restrictions].sort(byJson), entriesAsSeenBy(agency, citizenRestrictions(hub.population, 2), mia));
        // The generator makes exactly one active entry each: SBS's on one person, MIA's on the other.
        assert.equal(data.sbs.restrictions.filter((e) => !e.masked).length, agency === 'SBS' ? 1 : 0);
        assert.equal(data.mia.restrictions.filter((e) => !e.masked).length, agency === 'MIA' ? 1 : 0);
        for (const [key, initiator] of [
          ['sbs', 'SBS'],
          ['mia', 'MIA'],
        ] as const) {
          assert.deepEqual(data[key].restrictionCheck, { hit: true, contactAgencies: [initiator] }, key);
          assert.deepEqual(data[`${key}Check`], { hit: true, contactAgencies: [initiator] }, key);
        }
      });
    }
  });

  describe('enforcement', () => {
    const QUERY = `query($fin: ID!, $court: String!, $tax: String!) {
      person(fin: $fin) { enforcementCases { caseNumber masked documentKind amount creditorAgency debtor { fin } } }
      court: enforcementCase(caseNumber: $court) { caseNumber masked amount }
      tax: enforcementCase(caseNumber: $tax) { caseNumber masked amount }
    }`;
    const view = (c: ReturnType<typeof enforcementCasesOf>[number], masked: boolean) =>
      masked
        ? { caseNumber: c.caseNumber, masked: true, documentKind: null, amount: null, creditorAgency: null, debtor: null }
        : {
            caseNumber: c.caseNumber,
            masked: false,
            documentKind: c.documentKind,
            amount: c.amount,
            creditorAgency: c.creditorAgency,
            debtor: { fin: c.debtorFin },
          };

    // MOT (restricted): whole only the cases of its own tax claims (11.3.10); MOJ (owner): all; PGO (restricted, no claims): none whole.
    for (const [agency, purpose, sees] of [
      ['MOT', 'tax-administration', (c: { creditorAgency: string | null }) => c.creditorAgency === 'MOT'],
      ['MOJ', 'enforcement-proceedings', () => true],
      ['PGO', 'criminal-investigation', () => false],
    ] as const) {
      it(`shows ${agency} the cases of citizen-full ${agency === 'MOT' ? 'whole for its tax claim, masked for the court writ' : agency === 'MOJ' ? 'whole' : 'masked'}`, async () => {
        const cases = enforcementCasesOf(hub.population, 0);
        const court = cases.find((c) => c.documentKind === 'COURT_WRIT')!;
        const tax = cases.find((c) => c.documentKind === 'TAX_AUTHORITY_DECISION')!;
        const body = await as<{ person: { enforcementCases: unknown[] }; court: unknown; tax: unknown }>(agency, 'officer', purpose, QUERY, {
          fin: people['citizen-full'],
          court: court.caseNumber,
          tax: tax.caseNumber,
        });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        const expected = cases.map((c) => view(c, !sees(c))).sort(byJson);
        assert.deepEqual([...body.data!.person.enforcementCases].sort(byJson), expected);
        assert.deepEqual(body.data!.court, { caseNumber: court.caseNumber, masked: !sees(court), amount: sees(court) ? court.amount : null });
        assert.deepEqual(body.data!.tax, { caseNumber: tax.caseNumber, masked: !sees(tax), amount: sees(tax) ? tax.amount : null });
      });
    }
  });

  describe('child data', () => {
    const QUERY = `query($fin: ID!) { childProfile(fin: $fin) {
      fin archived maskedSections education { school grade } health { disabilityGroup chronicConditions vaccinationsComplete }
    } }`;
    type ProfileData = { childProfile: { fin: string; archived: boolean; maskedSections: string[]; education: unknown; health: unknown } | null };

    it('shows the Ministry of Science and Education the education section and masks health', async () => {
      const child = childProfileOf(hub.population, 3)!;
      const profile = (await as<ProfileData>('MSE', 'officer', 'child-protection', QUERY, { fin: child.fin })).data?.childProfile;
      assert.ok(profile);
      assert.deepEqual(profile.education, { school: child.school, grade: child.grade });
      assert.equal(profile.health, null);
      assert.ok(profile.maskedSections.includes('health'));
      assert.ok(!profile.maskedSections.includes('education'));
    });

    it('shows the Ministry of Health the health section and masks education', async () => {
      const child = childProfileOf(hub.population, 3)!;
      const profile = (await as<ProfileData>('MOH', 'officer', 'child-protection', QUERY, { fin: child.fin })).data?.childProfile;
      assert.ok(profile);
      assert.deepEqual(profile.health, {
        disabilityGroup: child.disabilityGroup,
        chronicConditions: child.chronicConditions,
        vaccinationsComplete: child.vaccinationsComplete,
      });
      assert.equal(profile.education, null);
      assert.ok(profile.maskedSections.includes('education'));
      assert.ok(!profile.maskedSections.includes('health'));
    });

    it('shows an archived profile (child over 18) to the owner SCFWCA only', async () => {
      const index = Array.from({ length: hub.population.citizens }, (_v, i) => i).find((i) => childProfileOf(hub.population, i)?.archived)!;
      const child = childProfileOf(hub.population, index)!;
      for (const agency of ['MSE', 'MOH', 'MIA']) {
        const body = await as<ProfileData>(agency, 'officer', 'child-protection', QUERY, { fin: child.fin });
        assert.equal(body.errors, undefined, agency);
        assert.equal(body.data!.childProfile, null, agency);
      }
      const owner = (await as<ProfileData>('SCFWCA', 'officer', 'child-protection', QUERY, { fin: child.fin })).data?.childProfile;
      assert.ok(owner);
      assert.equal(owner.fin, child.fin);
      assert.equal(owner.archived, true);
      assert.deepEqual(owner.maskedSections, []);
    });
  });

  describe('appeals', () => {
    /** What `agency` reads of every appeal in the population, five root fields per request. */
    async function readEach(agency: string, appeals: Appeal[]): Promise<unknown[]> {
      const read: unknown[] = [];
      for (let from = 0; from < appeals.length; from += 5) {
        const chunk = appeals.slice(from, from + 5);
        const query = `{ ${chunk.map((a, i) => `a${i}: appeal(registrationNumber: "${a.registrationNumber}") { registrationNumber receivingAuthority { code } }`).join(' ')} }`;
        const body = await as(agency, 'officer', 'appeal-handling', query);
        assert.equal(body.errors, undefined, `${agency}: ${JSON.stringify(body.errors)}`);
        read.push(...chunk.map((_a, i) => body.data![`a${i}`]));
      }
      return read;
    }

    it("shows each local executive authority the appeals it received and none of the others'", async () => {
      const appeals = allAppeals(hub.population);
      for (const { code } of vocabulary.LOCAL_EXECUTIVE_AUTHORITIES) {
        assert.ok(
          appeals.some((a) => a.receivedBy === code),
          `the population has appeals received by ${code}`,
        );
        const expected = appeals.map((a) => (a.receivedBy === code ? { registrationNumber: a.registrationNumber, receivingAuthority: { code } } : null));
        assert.deepEqual(await readEach(code, appeals), expected, code);
      }
    });

    it('shows the Presidential Administration every appeal', async () => {
      const appeals = allAppeals(hub.population);
      const expected = appeals.map((a) => ({ registrationNumber: a.registrationNumber, receivingAuthority: { code: a.receivedBy } }));
      assert.deepEqual(await readEach('PA', appeals), expected);
    });
  });

  describe('a citizen', () => {
    const citizen = <Data = Record<string, unknown>>(query: string, variables: Record<string, unknown>) =>
      as<Data>('EGOV', 'citizen', 'self-access', query, variables, people['citizen-full']);

    it("reads their own records whole, and their child's profile as a parent", async () => {
      const fin = people['citizen-full']!;
      const body = await citizen<{
        person: { citizen: unknown; enforcementCases: unknown[]; appeals: Array<{ registrationNumber: string }> };
        childProfile: unknown;
      }>(
        `query($fin: ID!, $child: ID!) {
        person(fin: $fin) { citizen { fin } enforcementCases { caseNumber masked amount } appeals { registrationNumber } }
        childProfile(fin: $child) { fin father { fin } education { grade } }
      }`,
        { fin, child: people['child'] },
      );
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const person = body.data!.person;
      assert.deepEqual(person.citizen, { fin });
      assert.deepEqual(
        [...person.enforcementCases].sort(byJson),
        enforcementCasesOf(hub.population, 0)
          .map((c) => ({ caseNumber: c.caseNumber, masked: false, amount: c.amount }))
          .sort(byJson),
      );
      assert.deepEqual(
        person.appeals.map((a) => a.registrationNumber).sort(),
        appealsOf(hub.population, 0)
          .map((a) => a.registrationNumber)
          .sort(),
      );
      const child = childProfileOf(hub.population, 3)!;
      assert.deepEqual(body.data!.childProfile, { fin: child.fin, father: { fin }, education: { grade: child.grade } });
    });

    it('is refused everything about another FİN', async () => {
      const other = people['restricted-by-SBS']!;
      const person = await citizen('query($fin: ID!) { person(fin: $fin) { citizen { fin } } }', { fin: other });
      assert.equal(person.data?.['person'] ?? null, null);
      assert.deepEqual(forbidden(person), [{ path: 'person', resource: 'citizens' }]);

      const debtor = Array.from({ length: hub.population.citizens }, (_v, i) => i).find((i) => i > 0 && enforcementCasesOf(hub.population, i).length > 0)!;
      const stranger = allAppeals(hub.population).find((a) => a.applicantFin !== people['citizen-full'])!;
      const records = await citizen(
        'query($case: String!, $appeal: String!) { enforcementCase(caseNumber: $case) { caseNumber } appeal(registrationNumber: $appeal) { registrationNumber } }',
        {
          case: enforcementCasesOf(hub.population, debtor)[0]!.caseNumber,
          appeal: stranger.registrationNumber,
        },
      );
      assert.equal(records.data?.['enforcementCase'] ?? null, null);
      assert.equal(records.data?.['appeal'] ?? null, null);
      assert.deepEqual(forbidden(records).sort(byJson), [
        { path: 'appeal', resource: 'appeals' },
        { path: 'enforcementCase', resource: 'enforcement' },
      ]);
    });

    it('is refused the restriction list, even about themselves', async () => {
      const body = await citizen('query($fin: ID!) { restrictionCheck(fin: $fin) { hit } }', { fin: people['citizen-full'] });
      assert.equal(body.data ?? null, null);
      assert.deepEqual(forbidden(body), [{ path: 'restrictionCheck', resource: 'restrictionList' }]);
    });
  });

  describe('auditors', () => {
    const QUERY = 'query($reg: ID!) { auditRecord(registrationNumber: $reg) { registrationNumber agency } auditRecords(first: 5) { total } }';

    it("in MIA and MNS read the audit journal, every body's records included", async () => {
      const probe = await as('SBS', 'officer', 'border-control', '{ __typename }');
      const reg = probe.extensions.registrationNumber;
      for (const agency of ['MIA', 'MNS']) {
        const body = await as<{ auditRecord: unknown; auditRecords: { total: number } }>(agency, 'auditor', 'audit', QUERY, { reg });
        assert.equal(body.errors, undefined, `${agency}: ${JSON.stringify(body.errors)}`);
        assert.deepEqual(body.data!.auditRecord, { registrationNumber: reg, agency: 'SBS' });
        assert.ok(body.data!.auditRecords.total >= 1);
      }
    });

    it('are refused the audit resource in a body without audit access, and officers of MIA too', async () => {
      // A system sends no text, and an operation registered for it that read the journal would stop the gateway.
      const officer = await as('MIA', 'officer', 'identity-check', QUERY, { reg: 'X' });
      assert.equal(officer.data ?? null, null);
      assert.deepEqual(forbidden(officer).sort(byJson), [
        { path: 'auditRecord', resource: 'audit' },
        { path: 'auditRecords', resource: 'audit' },
      ]);
      // purposes.json gives audit to the auditors of MIA and MNS only: elsewhere the claim itself is refused.
      const auditor = await as('MOJ', 'auditor', 'audit', QUERY, { reg: 'X' });
      assert.equal(auditor.data ?? null, null);
      assert.deepEqual(
        auditor.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['purpose']]),
        [['FORBIDDEN', 'audit']],
      );
    });

    it('reach nothing but the audit resource', async () => {
      const body = await as('MIA', 'auditor', 'audit', 'query($fin: ID!) { person(fin: $fin) { citizen { fin } } }', { fin: people['citizen-full'] });
      assert.equal(body.data ?? null, null);
      assert.deepEqual(forbidden(body), [{ path: 'person', resource: 'citizens' }]);
    });
  });
});
