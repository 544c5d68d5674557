import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import type request from 'supertest';
import type { DevelopmentTokenRequest, RunningGateway } from '@hub/gateway';
import { crossingsOf, demoPeople, vehicleOf, type DemoCase } from '@hub/kit/synthetic';
import { freePort, queryGateway, startGatewayOver, startTestHub, type TestHub } from '../src/hub';

/**
 * Issue 12: a subgraph that does not answer costs only its own fields. For every subgraph that
 * adds fields to Person, Document or Vehicle (entities another subgraph owns), the gateway
 * calls a closed port in its place: the answer keeps what the others returned, the failed field
 * is null with a SUBGRAPH_UNAVAILABLE error on each failed path, and the journal records what the caller received.
 */

interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions: { code: string; resource?: string; subgraph?: string };
}
interface ResourceUse {
  resource: string;
  positive: boolean;
  records: number;
}
interface JournalRow {
  positive: boolean;
  records: number;
  resources: ResourceUse[];
  error_codes: string[];
}

interface Case {
  subgraph: string;
  resource: string;
  caller: DevelopmentTokenRequest | ((fins: Record<DemoCase, string>) => DevelopmentTokenRequest);
  purpose?: string;
  query: string;
  variables: (hub: TestHub, fins: Record<DemoCase, string>) => Record<string, unknown>;
  /** Paths to the fields the failed subgraph serves; each is null in the degraded answer. */
  failed: string[][];
  /** Resources other than the failed one that answer; their data and records must be unchanged. */
  healthy: string[];
}

const MIA = { agency: 'MIA', roles: ['officer'] };
const person = (fields: string) => `query($fin: ID!) { person(fin: $fin) { fin citizen { lastName } ${fields} } }`;
const document = (fields: string) => `query($n: String!) { document(number: $n) { number type ${fields} } }`;
// A passport of the demo citizen that crossed the border with it: it has crossings and a blank.
const documentOf = (hub: TestHub) => ({ n: crossingsOf(hub.population, { citizen: 0 })[0]!.documentNumber });

const CASES: Case[] = [
  {
    subgraph: 'restriction-list',
    resource: 'restrictionList',
    caller: MIA,
    query: person('restrictionCheck { hit contactAgencies } restrictions { initiatingAgency }'),
    variables: (_, fins) => ({ fin: fins['restricted-by-MIA'] }),
    failed: [
      ['person', 'restrictionCheck'],
      ['person', 'restrictions'],
    ],
    healthy: ['citizens'],
  },
  {
    subgraph: 'restriction-list',
    resource: 'restrictionList',
    caller: MIA,
    query: document('restrictionCheck { hit }'),
    variables: documentOf,
    failed: [['document', 'restrictionCheck']],
    healthy: ['citizens'],
  },
  {
    subgraph: 'restriction-list',
    resource: 'restrictionList',
    caller: MIA,
    query:
      'query($fin: ID!, $r: String!) { person(fin: $fin) { citizen { lastName } } vehicle(registrationNumber: $r) { registrationNumber make restrictionCheck { hit } } }',
    variables: (hub, fins) => ({ fin: fins['citizen-full'], r: vehicleOf(hub.population, 0)!.registrationNumber }),
    failed: [['vehicle', 'restrictionCheck']],
    healthy: ['citizens', 'borderCrossings'],
  },
  {
    subgraph: 'border-crossings',
    resource: 'borderCrossings',
    caller: MIA,
    query: person('borderCrossings { checkpoint direction }'),
    variables: (_, fins) => ({ fin: fins['citizen-full'] }),
    failed: [['person', 'borderCrossings']],
    healthy: ['citizens'],
  },
  {
    subgraph: 'border-crossings',
    resource: 'borderCrossings',
    caller: MIA,
    query: document('crossings { checkpoint }'),
    variables: documentOf,
    failed: [['document', 'crossings']],
    healthy: ['citizens'],
  },
  {
    subgraph: 'enforcement',
    resource: 'enforcement',
    caller: { agency: 'MOJ', roles: ['officer'] },
    purpose: 'enforcement-proceedings',
    query: person('enforcementCases { caseNumber status }'),
    variables: (_, fins) => ({ fin: fins['citizen-full'] }),
    failed: [['person', 'enforcementCases']],
    healthy: ['citizens'],
  },
  {
    subgraph: 'appeals',
    resource: 'appeals',
    caller: (fins) => ({ agency: 'EGOV', roles: ['citizen'], fin: fins['citizen-full'] }),
    purpose: 'self-access',
    query: person('appeals { registrationNumber }'),
    variables: (_, fins) => ({ fin: fins['citizen-full'] }),
    failed: [['person', 'appeals']],
    healthy: ['citizens'],
  },
  {
    subgraph: 'child-data',
    resource: 'childData',
    caller: MIA,
    query: person('childProfile { firstName }'),
    variables: (_, fins) => ({ fin: fins.child }),
    failed: [['person', 'childProfile']],
    healthy: ['citizens'],
  },
  {
    subgraph: 'blanks',
    resource: 'blanks',
    caller: MIA,
    query: document('blank { series number state }'),
    variables: documentOf,
    failed: [['document', 'blank']],
    healthy: ['citizens'],
  },
  {
    subgraph: 'foreigners',
    resource: 'foreigners',
    caller: MIA,
    query: 'query($fin: ID!) { person(fin: $fin) { fin citizen { lastName } foreigner { lastName } } }',
    variables: (_, fins) => ({ fin: fins.foreigner }),
    failed: [['person', 'foreigner']],
    healthy: ['citizens'],
  },
];

function at(data: unknown, path: ReadonlyArray<string | number>): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string | number, unknown> | null)?.[key], data);
}

/** The answer with the given paths set to null: what a caller should get when only they failed. */
function withNulls(data: unknown, paths: string[][]): unknown {
  const copy = structuredClone(data) as Record<string, unknown>;
  for (const path of paths) (at(copy, path.slice(0, -1)) as Record<string, unknown>)[path.at(-1)!] = null;
  return copy;
}

describe('partial answers: a failing subgraph costs only its own fields', () => {
  let hub: TestHub;
  let db: Client;
  let fins: Record<DemoCase, string>;

  before(async () => {
    hub = await startTestHub();
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    fins = Object.fromEntries(demoPeople(hub.population).map((p) => [p.case, p.fin])) as Record<DemoCase, string>;
  });
  after(async () => {
    await db.end();
    await hub.stop();
  });

  const journalRow = async (res: request.Response): Promise<JournalRow> => {
    const reg = res.body.extensions?.registrationNumber as string;
    const { rows } = await db.query<JournalRow>('SELECT positive, records, resources, error_codes FROM audit.journal WHERE registration_number = $1', [reg]);
    assert.equal(rows.length, 1, `one journal record for ${reg}`);
    return rows[0]!;
  };
  const use = (row: JournalRow, resource: string): ResourceUse => {
    const found = row.resources.find((r) => r.resource === resource);
    assert.ok(found, `the journal names ${resource}`);
    return found;
  };

  for (const c of CASES) {
    it(`${c.subgraph} down: ${c.failed.map((p) => p.join('.')).join(', ')} null, the rest answered and journaled as received`, async () => {
      const caller = typeof c.caller === 'function' ? c.caller(fins) : c.caller;
      const token = await hub.token(caller);
      const variables = c.variables(hub, fins);
      const whole = await queryGateway(hub.gateway, token, c.query, variables, c.purpose);
      assert.equal(whole.status, 200);
      assert.equal(whole.body.errors, undefined, JSON.stringify(whole.body.errors));
      for (const path of c.failed) assert.notEqual(at(whole.body.data, path), undefined, `${path.join('.')} is asked for`);
      const wholeRow = await journalRow(whole);
      assert.ok(use(wholeRow, c.resource).records > 0, `${c.resource} has something to give when it answers`);

      const gateway: RunningGateway = await startGatewayOver(hub, { urls: { [c.subgraph]: `http://127.0.0.1:${await freePort()}/graphql` } });
      try {
        const partial = await queryGateway(gateway, token, c.query, variables, c.purpose);
        assert.equal(partial.status, 200);
        assert.deepEqual(partial.body.data, withNulls(whole.body.data, c.failed), 'only the failed fields are missing');

        const errors = partial.body.errors as GraphQLError[];
        // One error on each path the failed subgraph cost.
        assert.deepEqual(errors.map((e) => e.path).sort(), [...c.failed].sort(), JSON.stringify(errors));
        for (const error of errors) {
          assert.deepEqual(error.extensions, { code: 'SUBGRAPH_UNAVAILABLE', resource: c.resource, subgraph: c.subgraph });
          assert.match(error.message, /did not answer/);
        }

        const row = await journalRow(partial);
        assert.deepEqual(row.error_codes, ['SUBGRAPH_UNAVAILABLE']);
        assert.deepEqual(use(row, c.resource), { ...use(wholeRow, c.resource), positive: false, records: 0 });
        for (const resource of c.healthy) assert.deepEqual(use(row, resource), use(wholeRow, resource), `${resource} as received`);
        assert.equal(
          row.records,
          row.resources.reduce((sum, r) => sum + r.records, 0),
        );
        assert.equal(
          row.records,
          c.healthy.reduce((sum, r) => sum + use(wholeRow, r).records, 0),
        );
        assert.equal(
          row.positive,
          row.resources.some((r) => r.positive),
        );
      } finally {
        await gateway.stop();
      }
    });
  }
});
