import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, Kind, parse, type GraphQLSchema } from 'graphql';
import { Client } from 'pg';
import request from 'supertest';
import { type RunningGateway } from '@hub/gateway';
import { signCallerAssertion } from '@hub/kit';
import { demoPeople } from '@hub/kit/synthetic';
import { startGatewayOver, sharedTestHub, type TestHub } from '../../src/hub';

/** Internal data of connected systems (R2): their own journals and technical tables. */
const INTERNAL = /journal|migration|queried_?on|typeorm/i;

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  extensions?: { registrationNumber: string };
}

/** Every name a schema exposes: types, fields, arguments, input fields and enum values. */
function namesOf(schema: GraphQLSchema): string[] {
  const names: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    names.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields()))
        names.push(`${type.name}.${field.name}`, ...field.args.map((a) => `${type.name}.${field.name}(${a.name})`));
    }
    if (isInputObjectType(type)) names.push(...Object.keys(type.getFields()).map((f) => `${type.name}.${f}`));
    if (isEnumType(type)) names.push(...type.getValues().map((v) => `${type.name}.${v.name}`));
  }
  return names;
}

describe('read-only integration (R1, R2)', () => {
  let hub: TestHub;
  let db: Client;
  let fin: string;
  /** The same hub in production mode: a second gateway in front of the same subgraphs. */
  let production: RunningGateway;

  before(async () => {
    hub = await sharedTestHub('read-only');
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    fin = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;
    production = await startGatewayOver(hub, { production: true });
  });
  after(async () => {
    await production.stop();
    await db.end();
  });

  /** A raw POST to a gateway, for bodies hub.query cannot send (operationName, arrays). */
  async function post(body: unknown, options: { role?: string; server?: RunningGateway } = {}) {
    const token = await hub.token({ agency: 'MIA', roles: [options.role ?? 'officer'] });
    const res = await request((options.server ?? hub.gateway).server)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${token}`)
      .set('x-purpose', 'identity-check')
      .send(JSON.stringify(body));
    return { status: res.status, body: res.body as GraphQLBody };
  }

  async function assertRefused(res: { status: number; body: GraphQLBody }, status: number, code: string, what: string) {
    assert.equal(res.status, status, what);
    assert.equal(res.body.data, undefined, what);
    assert.deepEqual(
      res.body.errors?.map((e) => e.extensions?.['code']),
      [code],
      what,
    );
    assert.deepEqual(await hub.subgraphsCalled(res.body.extensions!.registrationNumber), [], `${what}: no subgraph is called`);
  }

  it('refuses mutations and subscriptions with READ_ONLY before any subgraph is called', async () => {
    const operations = [
      'mutation { deletePerson(fin: "0YYF118") { fin } }',
      'mutation M($fin: ID!) { person(fin: $fin) { fin } }',
      'subscription { borderCrossings { direction } }',
    ];
    for (const query of operations) {
      const res = await post({ query, variables: { fin } });
      await assertRefused(res, 403, 'READ_ONLY', query);
      assert.match(res.body.errors![0]!.message, /read-only/);
    }
    const viaGet = await request(hub.gateway.server)
      .get('/graphql')
      .query({ query: 'mutation { deletePerson(fin: "0YYF118") { fin } }' })
      .set('authorization', `Bearer ${await hub.token({ agency: 'MIA', roles: ['officer'] })}`)
      .set('x-purpose', 'identity-check');
    // GET is refused whatever it carries: a query in a URL ends up in access logs.
    await assertRefused({ status: viaGet.status, body: viaGet.body as GraphQLBody }, 405, 'BAD_REQUEST', 'mutation over GET');
    assert.equal(viaGet.headers['allow'], 'POST');
  });

  it("refuses the mutation a document's operationName picks, and runs the query it picks", async () => {
    const query = 'query Read($fin: ID!) { person(fin: $fin) { citizen { fin } } } mutation Write($fin: ID!) { person(fin: $fin) { fin } }';
    await assertRefused(await post({ query, variables: { fin }, operationName: 'Write' }), 403, 'READ_ONLY', 'Write');
    const read = await post({ query, variables: { fin }, operationName: 'Read' });
    assert.equal(read.body.errors, undefined, JSON.stringify(read.body.errors));
    assert.deepEqual(read.body.data, { person: { citizen: { fin } } });
  });

  it('refuses a batch of operations and a document of several operations without operationName', async () => {
    const one = { query: 'query($fin: ID!) { person(fin: $fin) { citizen { fin } } }', variables: { fin } };
    await assertRefused(await post([one, one]), 400, 'BAD_USER_INPUT', 'batch');
    const several = await post({ query: 'query A { __typename } query B { __typename }' });
    await assertRefused(several, 400, 'BAD_USER_INPUT', 'two operations');
    assert.match(several.body.errors![0]!.message, /operationName/);
    assert.equal(several.body.errors![0]!.extensions!['reason'], 'MULTIPLE_OPERATIONS');
    const none = await post({ query: 'fragment F on Query { __typename }' });
    await assertRefused(none, 400, 'BAD_USER_INPUT', 'no operation');
    assert.match(none.body.errors![0]!.message, /no operation/);
    assert.equal(none.body.errors![0]!.extensions!['reason'], undefined, 'an empty document is a mistake, not an attempt to copy');
  });

  it('composes no Mutation or Subscription type, and no subgraph exposes one', async () => {
    const schema = hub.options.supergraph.apiSchema;
    assert.equal(schema.getMutationType(), undefined);
    assert.equal(schema.getSubscriptionType(), undefined);
    for (const [name, subgraph] of hub.subgraphs) {
      const sdl = await subgraphSdl(name, subgraph.url);
      const roots = parse(sdl).definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : []));
      assert.ok(!roots.includes('Mutation') && !roots.includes('Subscription'), name);
      assert.ok(!/\b(mutation|subscription)\s*:/.test(sdl), `${name}: no schema root for writes`);
    }
  });

  it('exposes no internal data of the connected systems: no journal or migration table in any schema', async () => {
    const leaks = namesOf(hub.options.supergraph.apiSchema).filter((n) => INTERNAL.test(n));
    assert.deepEqual(leaks, []);
    for (const [name, subgraph] of hub.subgraphs) {
      const definitions = parse(await subgraphSdl(name, subgraph.url)).definitions;
      const names = definitions.flatMap((d) => {
        if (d.kind !== Kind.OBJECT_TYPE_DEFINITION && d.kind !== Kind.OBJECT_TYPE_EXTENSION && d.kind !== Kind.INPUT_OBJECT_TYPE_DEFINITION) return [];
        return [d.name.value, ...(d.fields ?? []).map((f) => `${d.name.value}.${f.name.value}`)];
      });
      assert.deepEqual(
        names.filter((n) => INTERNAL.test(n)),
        [],
        name,
      );
    }
  });

  /** A subgraph's own SDL, asked for as the gateway would (with its assertion). */
  async function subgraphSdl(name: string, url: string): Promise<string> {
    const assertion = await signCallerAssertion(hub.options.signingKey, name, {
      agency: 'MIA',
      sub: 'read-only-test',
      roles: ['officer'],
      purpose: 'identity-check',
      caseNumber: null,
      fin: null,
      level: 'unlimited',
      registrationNumber: randomUUID(),
      searchLimit: 10,
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${assertion}` },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    const body = (await res.json()) as { data: { _service: { sdl: string } } };
    return body.data._service.sdl;
  }

  describe('introspection', () => {
    const INTROSPECTION = [
      '{ __schema { types { name } } }',
      '{ __type(name: "Person") { fields { name } } }',
      'query { ...Types } fragment Types on Query { s: __schema { queryType { name } } }',
    ];

    // The introspection stage's own refusal (a role without introspection, in production) is a unit test (errors.test.ts).
    it('is refused to system callers, which send registered operations only, in production and in development', async () => {
      for (const server of [production, hub.gateway]) {
        for (const query of INTROSPECTION) await assertRefused(await post({ query }, { role: 'system', server }), 400, 'PERSISTED_QUERY_REQUIRED', query);
      }
    });

    it('is served to officers in production and in development', async () => {
      for (const [role, server] of [
        ['officer', production],
        ['officer', hub.gateway],
      ] as const) {
        for (const query of INTROSPECTION) {
          const res = await post({ query }, { role, server });
          assert.equal(res.body.errors, undefined, `${role}: ${query}: ${JSON.stringify(res.body.errors)}`);
          assert.ok(res.body.data, `${role}: ${query}`);
        }
        const types = await post({ query: INTROSPECTION[0] }, { role, server });
        assert.ok(
          (types.body.data as { __schema: { types: Array<{ name: string }> } }).__schema.types.some((t) => t.name === 'Person'),
          role,
        );
      }
    });
  });
});
