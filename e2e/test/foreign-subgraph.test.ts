import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import request from 'supertest';
import { Client } from 'pg';
import { loadPolicies, readSupergraph, type RunningGateway } from '@hub/gateway';
import { buildFederatedSchema } from '@hub/kit';
import { ALL_SUBGRAPHS, POLICIES_DIR, queryGateway, startGatewayOver, startTestHub, type TestHub } from '../src/hub';

/**
 * A rule holds for every connected system, not only the hub's own: a vehicle-inspection
 * registry written by another ministry with plain @apollo/subgraph, knowing nothing of the hub
 * (no assertion check, no record counts, no journal of its own), connected by a supergraph and
 * policy change alone (İAMAS 7.7).
 */
const INSPECTIONS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  type Query { vehicleInspection(registrationNumber: String!): Inspection  inspectionStations: [Station!]! @shareable }
  type Inspection { registrationNumber: String! passed: Boolean! inspectedOn: String! }
  type Station @shareable { name: String! }
`;
/** A second ministry's registry that serves the same list of stations (@shareable): which one answers is the plan's choice. */
const REGISTRY_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@shareable"])
  type Query { inspectionStations: [Station!]! @shareable }
  type Station @shareable { name: String! }
`;
const STATIONS = [{ name: 'Baku-1' }, { name: 'Ganja-2' }, { name: 'Sumgait-3' }];
const KNOWN = '10-AB-123';

async function serve(typeDefs: string, resolvers: Record<string, Record<string, unknown>>, received: string[]) {
  const apollo = new ApolloServer({
    plugins: [
      {
        async requestDidStart({ request }) {
          received.push(JSON.stringify({ body: request, headers: [...(request.http?.headers ?? [])] }));
        },
      },
    ],
    schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never }),
  });
  const { url } = await startStandaloneServer(apollo, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => apollo.stop() };
}

describe('a subgraph written without the kit, connected by policy only', () => {
  let hub: TestHub;
  let gateway: RunningGateway;
  let foreign: { url: string; stop(): Promise<void> };
  let registry: { url: string; stop(): Promise<void> };
  let db: Client;
  /** Every request the foreign subgraph received, as it could log it: body and headers. */
  const received: string[] = [];
  const registryReceived: string[] = [];

  before(async () => {
    hub = await startTestHub();
    foreign = await serve(
      INSPECTIONS_SDL,
      {
        Query: {
          vehicleInspection: (_: unknown, { registrationNumber }: { registrationNumber: string }) =>
            registrationNumber === KNOWN ? { registrationNumber, passed: true, inspectedOn: '2026-05-01' } : null,
          inspectionStations: () => STATIONS,
        },
      },
      received,
    );
    registry = await serve(REGISTRY_SDL, { Query: { inspectionStations: () => STATIONS } }, registryReceived);
    const { url } = foreign;

    const services = [];
    for (const module of ALL_SUBGRAPHS)
      services.push({ name: module.name, url: hub.subgraphs.get(module.name)!.url, typeDefs: parse(printSubgraphSchema(await buildFederatedSchema(module))) });
    services.push({ name: 'vehicle-inspections', url, typeDefs: parse(INSPECTIONS_SDL) });
    services.push({ name: 'vehicle-registry', url: registry.url, typeDefs: parse(REGISTRY_SDL) });
    const composed = composeServices(services);
    assert.ok(composed.supergraphSdl, composed.errors?.map((e) => e.message).join('; '));

    // The operator's change: one resource bound to the new subgraph, one body given access to it.
    const dir = mkdtempSync(join(tmpdir(), 'hub-foreign-policies-'));
    cpSync(POLICIES_DIR, dir, { recursive: true });
    const edit = (file: string, change: (json: any) => void) => {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      change(json);
      writeFileSync(join(dir, file), JSON.stringify(json));
    };
    edit('resources.json', (j) => {
      j.resources.vehicleInspections = { subgraph: 'vehicle-inspections', title: 'Vehicle inspections', titleAz: 'Nəqliyyat vasitələrinin texniki baxışı' };
      j.resources.vehicleRegistry = { subgraph: 'vehicle-registry', title: 'Vehicle registry', titleAz: 'Nəqliyyat vasitələrinin reyestri' };
    });
    edit('access-matrix.json', (j) => {
      j.agencies.MIA.levels.vehicleInspections = 'unlimited';
      j.agencies.MIA.levels.vehicleRegistry = 'unlimited';
    });
    gateway = await startGatewayOver(hub, { policies: loadPolicies(dir, hub.keysDir), supergraph: readSupergraph(composed.supergraphSdl!) });
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
  });
  after(async () => {
    await db.end();
    await gateway.stop();
    await foreign.stop();
    await registry.stop();
    await hub.stop();
  });

  it('serves one caller 200 lookups: every answer served, each journaled with its positive result, none taken for key walking', async () => {
    const token = await hub.token({ agency: 'MIA', roles: ['officer'], sub: 'mia-traffic-officer-9' });
    const registrations: string[] = [];
    for (let i = 0; i < 200; i += 1) {
      const res = await queryGateway(gateway, token, 'query($n: String!) { vehicleInspection(registrationNumber: $n) { passed inspectedOn } }', { n: KNOWN });
      assert.equal(res.status, 200, JSON.stringify(res.body.errors));
      assert.deepEqual(res.body.data, { vehicleInspection: { passed: true, inspectedOn: '2026-05-01' } });
      registrations.push(res.headers['x-registration-number']!);
    }
    const { rows } = await db.query<{
      decision: string;
      positive: boolean;
      records: number;
      resources: Array<{ resource: string; records: number; positive: boolean }>;
    }>('SELECT decision, positive, records, resources FROM audit.journal WHERE registration_number = ANY($1)', [registrations]);
    assert.equal(rows.length, 200);
    for (const row of rows) {
      assert.deepEqual([row.decision, row.positive, row.records], ['allowed', true, 1]);
      assert.deepEqual(
        row.resources.map((r) => [r.resource, r.records, r.positive]),
        [['vehicleInspections', 1, true]],
      );
    }
  });

  it('credits a field two systems serve (@shareable) to the one the plan asked: its records and its field are journaled', async () => {
    const token = await hub.token({ agency: 'MIA', roles: ['officer'], sub: 'mia-traffic-officer-8' });
    const registrations: string[] = [];
    received.length = 0;
    registryReceived.length = 0;
    for (let i = 0; i < 5; i += 1) {
      const res = await queryGateway(gateway, token, '{ inspectionStations { name } }');
      assert.equal(res.status, 200, JSON.stringify(res.body.errors));
      assert.deepEqual(res.body.data, { inspectionStations: STATIONS });
      registrations.push(res.headers['x-registration-number']!);
    }
    // Whichever system the planner chose answered every lookup.
    assert.equal(received.length + registryReceived.length, registrations.length);
    const served = received.length > 0 ? 'vehicleInspections' : 'vehicleRegistry';
    const { rows } = await db.query<{ positive: boolean; records: number; resources: Array<{ resource: string; records: number; fields: string[] }> }>(
      'SELECT positive, records, resources FROM audit.journal WHERE registration_number = ANY($1)',
      [registrations],
    );
    assert.equal(rows.length, registrations.length);
    for (const row of rows) {
      assert.deepEqual([row.positive, row.records], [true, STATIONS.length]);
      assert.deepEqual(
        row.resources.map((r) => [r.resource, r.records, r.fields]),
        [[served, STATIONS.length, ['Query.inspectionStations']]],
      );
    }
  });

  it("passes nothing the caller named to the connected system: not the operation name, not the caller's headers", async () => {
    const canary = 'CANARYopname7f3';
    const token = await hub.token({ agency: 'MIA', roles: ['officer'] });
    const ask = (query: string, operationName: string) =>
      request(gateway.server)
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('authorization', `Bearer ${token}`)
        .set('x-purpose', 'identity-check')
        .set('x-canary', canary)
        .send({ query, variables: { n: KNOWN }, operationName });
    const fragment = `fragment ${canary}Fields on Inspection { passed }`;
    // One operation (the caller's text runs, its name blanked), and one among several (the hub's print runs).
    for (const [query, operationName] of [
      [`query ${canary}($n: String!) { vehicleInspection(registrationNumber: $n) { ...${canary}Fields } } ${fragment}`, canary],
      [
        `query ${canary}Other { __typename } query ${canary}($n: String!) { vehicleInspection(registrationNumber: $n) { ...${canary}Fields } } ${fragment}`,
        canary,
      ],
    ] as const) {
      received.length = 0;
      const res = await ask(query, operationName);
      assert.equal(res.status, 200, JSON.stringify(res.body.errors));
      assert.deepEqual(res.body.data, { vehicleInspection: { passed: true } });
      assert.equal(received.length, 1);
      assert.doesNotMatch(received[0]!, new RegExp(canary, 'i'));
    }
  });

  it('journals a lookup that finds nothing as not positive, and refuses the resource to a body without access', async () => {
    const miss = await queryGateway(
      gateway,
      await hub.token({ agency: 'MIA', roles: ['officer'] }),
      '{ vehicleInspection(registrationNumber: "99-ZZ-999") { passed } }',
    );
    assert.deepEqual(miss.body.data, { vehicleInspection: null });
    const {
      rows: [row],
    } = await db.query<{ positive: boolean }>('SELECT positive FROM audit.journal WHERE registration_number = $1', [miss.headers['x-registration-number']]);
    assert.equal(row?.positive, false);
    const refused = await queryGateway(
      gateway,
      await hub.token({ agency: 'SBS', roles: ['officer'] }),
      '{ vehicleInspection(registrationNumber: "10-AB-123") { passed } }',
    );
    assert.deepEqual(
      refused.body.errors.map((e: { extensions: { code: string; resource: string } }) => [e.extensions.code, e.extensions.resource]),
      [['FORBIDDEN', 'vehicleInspections']],
    );
  });
});
