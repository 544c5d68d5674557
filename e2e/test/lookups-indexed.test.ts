import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { createKeyPair, importSigningKey, signCallerAssertion, startSubgraph, type RunningSubgraph, type SigningKey } from '@hub/kit';
import { loadSubgraphModules } from '@hub/kit/dev';
import {
  appealsOf,
  childProfileOf,
  citizenAt,
  citizenDocuments,
  crossingsOf,
  enforcementCasesOf,
  foreignerAt,
  type PopulationOptions,
} from '@hub/kit/synthetic';
import { createTestDatabase, testCaller, type TestDatabase } from '@hub/kit/testing';

/**
 * Every lookup a caller can make is index-backed: on a population large enough that the planner
 * prefers indexes (and analysed), one request per lookup goes through each subgraph's resolvers,
 * every statement they issue is captured with its parameters and EXPLAINed, and no plan may read
 * a large table sequentially.
 */
const POPULATION: PopulationOptions = { seed: 2012, citizens: 20_000, foreigners: 400 };
/** Tables with fewer rows than this are read whole as cheaply as through an index. */
const LARGE_TABLE_ROWS = 1_000;

/** The statements a subgraph issued, with their parameters. */
class Statements implements TypeOrmLogger {
  readonly issued: Array<{ query: string; parameters: unknown[] }> = [];
  logQuery(query: string, parameters?: unknown[]): void {
    this.issued.push({ query, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** One request per lookup: `[subgraph, description, query, variables]`. */
function lookups(): Array<[string, string, string, Record<string, unknown>]> {
  const adult = citizenAt(POPULATION, 0);
  const document = citizenDocuments(POPULATION, 0)[0]!;
  const vehicle = crossingsOf(POPULATION, { citizen: 0 }).find((c) => c.vehicle)!.vehicle!.registrationNumber;
  const enforcementCase = enforcementCasesOf(POPULATION, 0)[0]!.caseNumber;
  const appeal = appealsOf(POPULATION, 0)[0]!.registrationNumber;
  const child = childProfileOf(POPULATION, 3)!.fin;
  const foreigner = foreignerAt(POPULATION, 0);
  const person = (fin: string) => [{ __typename: 'Person', fin }];
  const entities = (fields: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ${fields} } } }`;
  const documentEntities = (fields: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ... on Document { ${fields} } } }`;
  const vehicleEntities = (fields: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { ${fields} } } }`;
  return [
    ['citizens', 'FİN', 'query($fin: ID!) { person(fin: $fin) { citizen { firstName documents { number } registrations { kind } } } }', { fin: adult.fin }],
    [
      'citizens',
      'parents by FİN',
      'query($fin: ID!) { person(fin: $fin) { citizen { father { fin } mother { fin } } } }',
      { fin: childProfileOf(POPULATION, 3)!.fin },
    ],
    [
      'citizens',
      'name and birth date',
      'query($f: String!, $l: String!, $b: String!) { personsByName(firstName: $f, lastName: $l, birthDate: $b) { fin } }',
      { f: adult.firstName, l: adult.lastName, b: adult.birthDate },
    ],
    ['citizens', 'document number', 'query($n: String!) { document(number: $n) { number holder { fin } } }', { n: document.number }],
    ['citizens', 'Person entity', entities('citizen { lastName }'), { r: person(adult.fin) }],
    ['citizens', 'Document entity', documentEntities('holder { fin }'), { r: [{ __typename: 'Document', number: document.number }] }],
    ['foreigners', 'system number', 'query($s: String!) { foreigner(systemNumber: $s) { lastName permits { number } } }', { s: foreigner.systemNumber }],
    ['foreigners', 'passport number', 'query($n: String!) { foreignerByDocument(number: $n) { systemNumber } }', { n: foreigner.passportNumber }],
    ['foreigners', 'Person entity (FİN)', entities('foreigner { systemNumber }'), { r: person(foreigner.fin ?? adult.fin) }],
    ['border-crossings', 'vehicle number', 'query($v: String!) { vehicle(registrationNumber: $v) { make crossings { direction } } }', { v: vehicle }],
    ['border-crossings', 'Person entity (FİN)', entities('borderCrossings { direction }'), { r: person(adult.fin) }],
    ['border-crossings', 'Document entity', documentEntities('crossings { direction }'), { r: [{ __typename: 'Document', number: document.number }] }],
    ['restriction-list', 'border check by FİN', 'query($fin: ID) { restrictionCheck(fin: $fin) { hit } }', { fin: adult.fin }],
    ['restriction-list', 'border check by document', 'query($n: String) { restrictionCheck(documentNumber: $n) { hit } }', { n: document.number }],
    [
      'restriction-list',
      'border check by vehicle registration number',
      'query($v: String) { restrictionCheck(registrationNumber: $v) { hit } }',
      { v: vehicle },
    ],
    ['restriction-list', 'Person entity (FİN)', entities('restrictionCheck { hit } restrictions { entryNumber }'), { r: person(adult.fin) }],
    ['restriction-list', 'Vehicle entity', vehicleEntities('restrictionCheck { hit }'), { r: [{ __typename: 'Vehicle', registrationNumber: vehicle }] }],
    [
      'blanks',
      'blank series and number',
      'query($s: String!, $n: String!) { blank(series: $s, number: $n) { state } }',
      { s: document.blankSeries, n: document.blankNumber },
    ],
    ['blanks', 'Document entity', documentEntities('blank { state }'), { r: [{ __typename: 'Document', number: document.number }] }],
    ['enforcement', 'case number', 'query($c: String!) { enforcementCase(caseNumber: $c) { status actions { kind } } }', { c: enforcementCase }],
    ['enforcement', 'Person entity (FİN)', entities('enforcementCases { caseNumber }'), { r: person(adult.fin) }],
    ['child-data', 'FİN', 'query($fin: ID!) { childProfile(fin: $fin) { firstName } }', { fin: child }],
    ['child-data', 'Person entity (FİN)', entities('childProfile { firstName }'), { r: person(child) }],
    ['appeals', 'appeal number', 'query($n: String!) { appeal(registrationNumber: $n) { kind } }', { n: appeal }],
    ['appeals', 'Person entity (FİN)', entities('appeals { registrationNumber }'), { r: person(adult.fin) }],
  ];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Schema?: string;
  Plans?: PlanNode[];
}

function seqScans(node: PlanNode): Array<{ schema: string; table: string }> {
  const here = node['Node Type'] === 'Seq Scan' && node['Relation Name'] ? [{ schema: node.Schema ?? '', table: node['Relation Name'] }] : [];
  return [...here, ...(node.Plans ?? []).flatMap(seqScans)];
}

describe('every lookup is index-backed on a large population', () => {
  let database: TestDatabase;
  let key: SigningKey;
  const running = new Map<string, { subgraph: RunningSubgraph; statements: Statements }>();
  const modules = loadSubgraphModules().filter((m) => m.seed);

  before(async () => {
    database = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'hub-index-keys-'));
    const { privateJwk, publicJwks } = await createKeyPair('test-gateway-1');
    writeFileSync(join(dir, 'gateway.jwks.json'), JSON.stringify(publicJwks));
    key = await importSigningKey(privateJwk);
    for (const module of modules) {
      const statements = new Statements();
      const subgraph = await startSubgraph(module, {
        databaseUrl: database.url,
        port: 0,
        host: '127.0.0.1',
        gatewayJwksPath: join(dir, 'gateway.jwks.json'),
        seed: POPULATION,
        logger: pino({ level: 'silent' }),
        databaseLogger: statements,
        poolSize: 2,
      });
      running.set(module.name, { subgraph, statements });
    }
  });

  after(async () => {
    for (const { subgraph } of running.values()) await subgraph.stop();
    await database?.drop();
  });

  it('reads no large table sequentially for any lookup', async (t) => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const sizes = new Map(
        (
          await client.query<{ name: string; rows: number }>(
            "SELECT n.nspname || '.' || c.relname AS name, c.reltuples::float8 AS rows FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'",
          )
        ).rows.map((r) => [r.name, r.rows]),
      );
      const failures: string[] = [];
      let explained = 0;
      for (const [name, lookup, query, variables] of lookups()) {
        const { subgraph, statements } = running.get(name)!;
        statements.issued.length = 0;
        const token = await signCallerAssertion(key, name, testCaller());
        const response = await fetch(subgraph.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
        assert.equal(body.errors, undefined, `${name} ${lookup}: ${JSON.stringify(body.errors)}`);
        const selects = statements.issued.filter((s) => /^\s*(SELECT|WITH)/i.test(s.query));
        assert.ok(selects.length > 0, `${name} ${lookup} issued no SELECT`);
        for (const { query: sql, parameters } of selects) {
          const plan = (await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON, VERBOSE) ${sql}`, parameters)).rows[0]![
            'QUERY PLAN'
          ][0]!.Plan;
          explained += 1;
          for (const scan of seqScans(plan)) {
            const rows = sizes.get(`${scan.schema}.${scan.table}`);
            assert.ok(rows !== undefined, `no size known for ${scan.schema}.${scan.table}`);
            if (rows >= LARGE_TABLE_ROWS) failures.push(`${name} ${lookup}: sequential scan of ${scan.schema}.${scan.table} (${rows} rows) in ${sql}`);
          }
        }
      }
      t.diagnostic(`${explained} statements explained`);
      assert.deepEqual(failures, []);
    } finally {
      await client.end();
    }
  });
});
