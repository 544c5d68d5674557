import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { levelsFor, loadPolicies, purposesFor, type Policies, type RunningGateway } from '@hub/gateway';
import { SUBGRAPHS } from '@hub/kit';
import { appealsOf, childProfileOf, citizenDocuments, demoPeople, enforcementCasesOf, foreignerAt, vehicleOf, vocabulary } from '@hub/kit/synthetic';
import { authorizationOf, POLICIES_DIR, sharedTestHub, type TestHub, startGatewayOver } from '../../src/hub';

/**
 * Every body × every resource × the roles, against a table written by hand from
 * access-matrix.md (never read from policies/), so a wrong policy file fails here.
 */
const RESOURCES = ['citizens', 'foreigners', 'borderCrossings', 'restrictionList', 'blanks', 'audit', 'enforcement', 'childData', 'appeals'] as const;
type Resource = (typeof RESOURCES)[number];
type Level = 'unlimited' | 'restricted' | 'none';

// Columns in RESOURCES order: U = unlimited, R = restricted, - = no access.
//                 cit for bor res bla aud enf chi app
const MATRIX: Record<string, string> = {
  // Cabinet of Ministers decision No 5 of 2012, Appendix 2, as published.
  MIA: 'U   U   U   R   U   U   -   R   -',
  MFA: 'U   U   U   R   U   -   -   -   -',
  MNS: 'U   U   U   R   -   U   -   -   -',
  MOJ: 'U   U   U   R   -   -   U   R   -',
  MOD: 'U   -   -   R   -   -   -   -   -',
  MOT: 'U   U   U   R   -   -   R   -   -',
  MES: 'U   U   -   R   -   -   -   -   -',
  MLSP: 'U   U   -   -   -   -   -   R   -',
  MCHT: 'U   U   -   -   -   -   -   -   -',
  SBS: 'U   U   U   R   -   -   -   -   -',
  SCC: 'U   U   U   R   -   -   -   -   -',
  SMA: 'U   U   -   -   -   -   -   -   -',
  SSPS: 'U   U   U   -   -   -   -   -   -',
  PGO: 'U   U   U   R   -   -   R   -   -',
  CCP: 'U   U   U   -   -   -   -   -   -',
  // Project default for the State Migration Service (6.4.5.2, 6.5.5.2, 6.6.4.1, 6.7.4.1).
  SMS: 'U   U   U   R   -   -   -   R   -',
  // Child data bank: owner and participants (Cabinet of Ministers decision No 113 of 2025, 1.4, 1.5).
  SCFWCA: '-   -   -   -   -   -   -   U   -',
  MSE: '-   -   -   -   -   -   -   R   -',
  MOH: '-   -   -   -   -   -   -   R   -',
  MYS: '-   -   -   -   -   -   -   R   -',
  TABIB: '-   -   -   -   -   -   -   R   -',
  CRC: '-   -   -   -   -   -   -   R   -',
  // Citizens' appeals: founder-administrator and each local executive authority (Presidential decree of 29 April 2015).
  PA: '-   -   -   -   -   -   -   -   U',
  'LEA-BAKU': '-   -   -   -   -   -   -   -   R',
  'LEA-SUMGAYIT': '-   -   -   -   -   -   -   -   R',
  'LEA-GANJA': '-   -   -   -   -   -   -   -   R',
  'LEA-SHEKI': '-   -   -   -   -   -   -   -   R',
  'LEA-LANKARAN': '-   -   -   -   -   -   -   -   R',
  'LEA-GUBA': '-   -   -   -   -   -   -   -   R',
  // Single sign-on of natural persons: nothing as a body; its citizens read about themselves.
  EGOV: '-   -   -   -   -   -   -   -   -',
};

const LETTER: Record<string, Level> = { U: 'unlimited', R: 'restricted', '-': 'none' };

function bodyLevel(body: string, resource: Resource): Level {
  const row = MATRIX[body]?.trim().split(/\s+/);
  assert.equal(row?.length, RESOURCES.length, `matrix row of ${body}`);
  return LETTER[row![RESOURCES.indexOf(resource)]!]!;
}

/** R8: system and officer get the body's level except the audit journal; an auditor only the audit journal. */
function expectedLevel(body: string, role: 'system' | 'officer' | 'auditor', resource: Resource): Level {
  if (role === 'auditor') return resource === 'audit' ? bodyLevel(body, 'audit') : 'none';
  return resource === 'audit' ? 'none' : bodyLevel(body, resource);
}

/** R4: a citizen reads about their own FİN in these, and nothing of the rest. */
const CITIZEN_LEVELS: Record<Resource, Level> = {
  citizens: 'restricted',
  foreigners: 'restricted',
  borderCrossings: 'restricted',
  restrictionList: 'none',
  blanks: 'none',
  // audit: only the citizen's own data uses (myDataUses, R4); the auditors' fields refuse a citizen.
  audit: 'restricted',
  enforcement: 'restricted',
  childData: 'restricted',
  appeals: 'restricted',
};

const SCHEMA_OF = Object.fromEntries(SUBGRAPHS.map((s) => [s.resource, s.schema])) as Record<Resource, string>;

interface Probe {
  /** The root field of the query, where a refusal is reported. */
  field: string;
  query: string;
  variables: Record<string, unknown>;
}

/** Each query reaches one resource only, through a root field that resource's subgraph serves. */
function rootProbes(k: Keys): Record<Resource, Probe> {
  return {
    citizens: { field: 'person', query: 'query($fin: ID!) { person(fin: $fin) { citizen { fin } } }', variables: { fin: k.fin } },
    foreigners: { field: 'foreigner', query: 'query($n: String!) { foreigner(systemNumber: $n) { systemNumber } }', variables: { n: k.systemNumber } },
    borderCrossings: {
      field: 'vehicle',
      query: 'query($n: String!) { vehicle(registrationNumber: $n) { crossings(first: 1) { direction } } }',
      variables: { n: k.vehicle },
    },
    restrictionList: { field: 'restrictionCheck', query: 'query($fin: ID!) { restrictionCheck(fin: $fin) { hit } }', variables: { fin: k.fin } },
    blanks: {
      field: 'blank',
      query: 'query($s: String!, $n: String!) { blank(series: $s, number: $n) { state } }',
      variables: { s: k.blankSeries, n: k.blankNumber },
    },
    audit: { field: 'auditRecords', query: '{ auditRecords(first: 1) { total } }', variables: {} },
    enforcement: {
      field: 'enforcementCase',
      query: 'query($n: String!) { enforcementCase(caseNumber: $n) { caseNumber status } }',
      variables: { n: k.caseNumber },
    },
    childData: { field: 'childProfile', query: 'query($fin: ID!) { childProfile(fin: $fin) { fin } }', variables: { fin: k.child } },
    appeals: { field: 'appeal', query: 'query($n: String!) { appeal(registrationNumber: $n) { registrationNumber } }', variables: { n: k.appeal } },
  };
}

/** A citizen reaches their own records through the Person of their FİN (served by citizens, then the resource). */
function selfProbes(k: Keys): Record<Resource, Probe> {
  const own = (selection: string): Probe => ({ field: 'person', query: `query($fin: ID!) { person(fin: $fin) { ${selection} } }`, variables: { fin: k.fin } });
  const root = rootProbes(k);
  return {
    citizens: own('citizen { fin }'),
    foreigners: own('foreigner { systemNumber }'),
    borderCrossings: own('borderCrossings(first: 1) { direction }'),
    enforcement: own('enforcementCases { caseNumber }'),
    childData: own('childProfile { fin }'),
    appeals: own('appeals { registrationNumber }'),
    restrictionList: root.restrictionList,
    blanks: root.blanks,
    audit: { field: 'myDataUses', query: '{ myDataUses(first: 1) { nextCursor } }', variables: {} },
  };
}

interface Keys {
  fin: string;
  systemNumber: string;
  vehicle: string;
  blankSeries: string;
  blankNumber: string;
  caseNumber: string;
  child: string;
  appeal: string;
}

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
  extensions: { registrationNumber: string };
}

/** Which subgraphs journaled each registration number: a subgraph journals every call it answers (R6). */
async function subgraphsCalled(db: Client, registrationNumbers: string[]): Promise<Map<string, Set<string>>> {
  const sql = Object.values(SCHEMA_OF)
    .map((schema) => `SELECT '${schema}' AS schema, registration_number FROM "${schema}".query_journal WHERE registration_number = ANY($1)`)
    .join(' UNION ALL ');
  const { rows } = await db.query<{ schema: string; registration_number: string }>(sql, [registrationNumbers]);
  const called = new Map(registrationNumbers.map((r) => [r, new Set<string>()]));
  for (const row of rows) called.get(row.registration_number)?.add(row.schema);
  return called;
}

const forbiddenOf = (body: GraphQLBody) => (body.errors ?? []).filter((e) => e.extensions?.['code'] === 'FORBIDDEN');

describe('the access matrix, body by body and resource by resource', () => {
  let hub: TestHub;
  let db: Client;
  let keys: Keys;
  let citizenToken: string;
  const tokens = new Map<string, string>();

  before(async () => {
    hub = await sharedTestHub('access-matrix');
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    const people = Object.fromEntries(demoPeople(hub.population).map((p) => [p.case, p.fin]));
    const passport = citizenDocuments(hub.population, 0)[0]!;
    keys = {
      fin: people['citizen-full']!,
      systemNumber: foreignerAt(hub.population, 0).systemNumber,
      vehicle: vehicleOf(hub.population, 0)!.registrationNumber,
      blankSeries: passport.blankSeries,
      blankNumber: passport.blankNumber,
      caseNumber: enforcementCasesOf(hub.population, 0)[0]!.caseNumber,
      child: childProfileOf(hub.population, 3)!.fin,
      appeal: appealsOf(hub.population, 0)[0]!.registrationNumber,
    };
    citizenToken = await hub.token({ agency: 'EGOV', roles: ['citizen'], fin: keys.fin });
  });
  after(async () => {
    await db.end();
  });

  const tokenOf = async (agency: string, role: string) => {
    const key = `${agency}/${role}`;
    if (!tokens.has(key)) tokens.set(key, await hub.token({ agency, roles: [role] }));
    return tokens.get(key)!;
  };

  /** Sends every probe, then checks each answer and which subgraphs were called for it. */
  async function checkAll(token: string, purpose: string, probes: Record<Resource, Probe>, expected: (r: Resource) => Level, who: string) {
    const answers = await Promise.all(
      RESOURCES.map(async (resource) => {
        const probe = probes[resource];
        const res = await hub.query(probe.query, probe.variables, { token, purpose });
        return { resource, probe, status: res.status, body: res.body as GraphQLBody };
      }),
    );
    const called = await subgraphsCalled(
      db,
      answers.map((a) => a.body.extensions.registrationNumber),
    );
    for (const { resource, probe, status, body } of answers) {
      const what = `${who} → ${resource}`;
      const subgraphs = called.get(body.extensions.registrationNumber)!;
      assert.equal(status, 200, what);
      if (expected(resource) === 'none') {
        assert.deepEqual(
          forbiddenOf(body).map((e) => ({ path: e.path, resource: e.extensions?.['resource'] })),
          [{ path: [probe.field], resource }],
          what,
        );
        assert.equal(body.data?.[probe.field] ?? null, null, `${what}: no data`);
        assert.deepEqual([...subgraphs], [], `${what}: no subgraph is called`);
      } else {
        assert.deepEqual(forbiddenOf(body), [], what);
        assert.ok(body.data && probe.field in body.data, `${what}: answered`);
        // Only that resource's subgraph, and citizens where the query starts from the Person of a FİN.
        const expectedCalls = new Set([SCHEMA_OF[resource], ...(probe.field === 'person' ? ['citizens'] : [])]);
        assert.deepEqual([...subgraphs].sort(), [...expectedCalls].sort(), `${what}: the ${resource} subgraph answered`);
      }
    }
  }

  it('the policy files name exactly the bodies of the published matrix', () => {
    assert.deepEqual([...hub.policies.agencies.keys()].sort(), Object.keys(MATRIX).sort());
    assert.deepEqual([...hub.policies.resources.keys()].sort(), [...RESOURCES].sort());
  });

  it('gives every body and role exactly the published level of every resource, unlimited and restricted told apart', () => {
    for (const body of Object.keys(MATRIX)) {
      for (const role of ['system', 'officer', 'auditor'] as const) {
        const levels = levelsFor(hub.policies, body, [role]);
        for (const resource of RESOURCES) {
          assert.equal(levels.get(resource) ?? 'none', expectedLevel(body, role, resource), `${body} ${role} ${resource}`);
        }
      }
      const citizen = levelsFor(hub.policies, body, ['citizen']);
      for (const resource of RESOURCES) assert.equal(citizen.get(resource) ?? 'none', CITIZEN_LEVELS[resource], `${body} citizen ${resource}`);
    }
  });

  it('lists the six local executive authorities of the generator as bodies with restricted appeals', () => {
    for (const { code } of vocabulary.LOCAL_EXECUTIVE_AUTHORITIES) assert.equal(bodyLevel(code, 'appeals'), 'restricted', code);
  });

  // A system sends no query text (PERSISTED_QUERY_REQUIRED): its levels are checked above, and what
  // its registered operations read is checked at start-up (one-hub/trusted-operations.ts).
  // Each body asks under a purpose purposes.json lets it claim (the purposes themselves: identity.test.ts, policies.test.ts).
  for (const body of Object.keys(MATRIX)) {
    for (const role of ['officer', 'auditor'] as const) {
      it(`${body} ${role}: refuses the resources at none without calling them, serves the others`, async () => {
        const [purpose] = purposesFor(hub.policies, body, [role]);
        if (purpose) {
          await checkAll(await tokenOf(body, role), purpose, rootProbes(keys), (r) => expectedLevel(body, role, r), `${body} ${role}`);
          return;
        }
        // No purpose to claim (an auditor of a body without the audit journal, EGOV as a body): it reads nothing anyway, and is refused at the door.
        for (const resource of RESOURCES) assert.equal(expectedLevel(body, role, resource), 'none', `${body} ${role} ${resource}`);
        const probe = rootProbes(keys).citizens;
        const res = await hub.query(probe.query, probe.variables, {
          token: await tokenOf(body, role),
          purpose: role === 'auditor' ? 'audit' : 'identity-check',
        });
        assert.deepEqual([res.status, (res.body as GraphQLBody).errors?.[0]?.extensions?.['code']], [403, 'FORBIDDEN'], `${body} ${role}`);
        const registration = (res.body as GraphQLBody).extensions.registrationNumber;
        assert.deepEqual([...(await subgraphsCalled(db, [registration])).get(registration)!], [], `${body} ${role}: no subgraph is called`);
      });
    }
  }

  it('a citizen reads their own records in six resources and the uses of their data, and is refused the restriction list and blanks', async () => {
    await checkAll(citizenToken, 'self-access', selfProbes(keys), (r) => CITIZEN_LEVELS[r], 'citizen');
  });

  it('answers a query mixing allowed and forbidden fields with the allowed data and one FORBIDDEN per removed path', async () => {
    const token = await tokenOf('MOD', 'officer');
    const res = await hub.query(
      `query($fin: ID!, $s: String!, $n: String!) {
      person(fin: $fin) { citizen { fin } foreigner { systemNumber } borderCrossings { direction } restrictionCheck { hit } enforcementCases { caseNumber } }
      blank(series: $s, number: $n) { state }
    }`,
      { fin: keys.fin, s: keys.blankSeries, n: keys.blankNumber },
      { token },
    );
    const body = res.body as GraphQLBody;
    assert.deepEqual(body.data, { person: { citizen: { fin: keys.fin }, restrictionCheck: { hit: false } } });
    const forbidden = forbiddenOf(body)
      .map((e) => [e.path?.join('.'), e.extensions?.['resource']])
      .sort();
    assert.deepEqual(forbidden, [
      ['blank', 'blanks'],
      ['person.borderCrossings', 'borderCrossings'],
      ['person.enforcementCases', 'enforcement'],
      ['person.foreigner', 'foreigners'],
    ]);
    assert.equal(body.errors?.length, forbidden.length, JSON.stringify(body.errors));
    const called = (await subgraphsCalled(db, [body.extensions.registrationNumber])).get(body.extensions.registrationNumber)!;
    assert.deepEqual([...called].sort(), ['citizens', 'restriction_list']);
  });

  describe('a subgraph that no policy names', () => {
    let gateway: RunningGateway;
    let policies: Policies;
    before(async () => {
      // The same policies with the appeals resource unbound: its subgraph stays in the supergraph.
      const dir = mkdtempSync(join(tmpdir(), 'hub-policies-'));
      cpSync(POLICIES_DIR, dir, { recursive: true });
      /** `Json` is only the part of the file the change reads. */
      const edit = <Json>(file: string, change: (json: Json) => void) => {
        const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
        change(json);
        writeFileSync(join(dir, file), JSON.stringify(json));
      };
      type ByResource = Record<string, unknown>;
      edit<{ resources: ByResource }>('resources.json', (json) => {
        delete json.resources['appeals'];
      });
      edit<{ agencies: Record<string, { levels: ByResource }> }>('access-matrix.json', (json) => {
        for (const agency of Object.values(json.agencies)) delete agency.levels['appeals'];
      });
      edit<{ roles: Record<string, { resources: ByResource }> }>('roles.json', (json) => {
        for (const role of Object.values(json.roles)) delete role.resources['appeals'];
      });
      policies = loadPolicies(dir, hub.keysDir);
      gateway = await startGatewayOver(hub, { policies });
    });
    after(async () => {
      await gateway.stop();
    });

    it('is refused to every body, the founder-administrator included, and never called', async () => {
      const probe = rootProbes(keys).appeals;
      const registrations: string[] = [];
      // Every body that may claim a purpose (EGOV as a body claims none: refused at the door, above).
      for (const body of Object.keys(MATRIX).filter((b) => purposesFor(policies, b, ['officer']).length > 0)) {
        const res = await request(gateway.server)
          .post('/graphql')
          .set(await authorizationOf(await tokenOf(body, 'officer')))
          .set(
            'x-purpose',
            purposesFor(policies, body, ['officer']).includes('appeal-handling') ? 'appeal-handling' : purposesFor(policies, body, ['officer'])[0]!,
          )
          .send({ query: probe.query, variables: probe.variables });
        const answer = res.body as GraphQLBody;
        assert.equal(answer.data ?? null, null, body);
        assert.deepEqual(
          forbiddenOf(answer).map((e) => e.path),
          [['appeal']],
          body,
        );
        assert.match(String(forbiddenOf(answer)[0]?.extensions?.['resource']), /appeals/, body);
        registrations.push(answer.extensions.registrationNumber);
      }
      const citizen = await request(gateway.server)
        .post('/graphql')
        .set('authorization', `Bearer ${citizenToken}`)
        .set('x-purpose', 'self-access')
        .send({ query: 'query($fin: ID!) { person(fin: $fin) { citizen { fin } appeals { registrationNumber } } }', variables: { fin: keys.fin } });
      assert.deepEqual(citizen.body.data, { person: { citizen: { fin: keys.fin } } });
      assert.deepEqual(
        forbiddenOf(citizen.body as GraphQLBody).map((e) => e.path),
        [['person', 'appeals']],
      );
      registrations.push((citizen.body as GraphQLBody).extensions.registrationNumber);
      for (const [registration, called] of await subgraphsCalled(db, registrations)) assert.ok(!called.has('appeals'), registration);
    });
  });
});
