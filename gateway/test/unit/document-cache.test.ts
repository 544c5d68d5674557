import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, print, type OperationDefinitionNode } from 'graphql';
import { Cache, Caches, DOCUMENT_TEXT_KEPT, DOCUMENTS_KEPT, DocumentCache, VARIANTS_KEPT } from '../../src/pipeline/document-cache';
import { GatewayMetrics } from '../../src/monitoring/metrics';
import { boundLimits } from '../../src/policy/operation-limits';
import { Refusal } from '../../src/pipeline/refusal';
import { smallWorld } from '../support/world';

const code = (result: { body: { errors?: Array<{ extensions?: Record<string, unknown> }> } }) => result.body.errors?.[0]?.extensions;

describe('the rules’ work per document, done once', () => {
  it('parses a text once; each request still gets its own selected operation', () => {
    const documents = new DocumentCache(new Caches());
    const body = {
      query: 'query A { person(fin: "A") { name } } query B { crossing(id: "1") { at } }',
      variables: undefined,
      operationName: 'A',
      documentId: undefined,
    };
    const first = documents.select(body);
    first.executable = null;
    const second = documents.select(body);
    assert.equal(second.document, first.document, 'the same parsed document');
    assert.notEqual(second, first);
    assert.equal(second.executable, second.operation, 'untouched by what a stage did to the first request');
    assert.equal(documents.select({ ...body, operationName: 'B' }).operationName, 'B');
    assert.throws(() => documents.select({ ...body, operationName: undefined }), /several operations/);
  });

  it('checks a page size given by a variable on every request', async () => {
    const world = await smallWorld();
    const query = 'query($n: Int) { person(fin: "A") { crossings(first: $n) { at } } }';
    assert.equal((await world.run(query, { variables: { n: 5 } })).result.status, 200);
    const { result } = await world.run(query, { variables: { n: 500 } });
    assert.equal(result.status, 400);
    assert.deepEqual(code(result), { code: 'QUERY_TOO_COMPLEX', limit: 'pageSize', max: 50, found: 500 });
  });

  it('keeps no verdict measured on unusable variables: the same operation with good ones is measured and refused', async () => {
    const world = await smallWorld();
    const query = 'query($fin: ID!) { person(fin: $fin) { crossings(first: 100) { at } } }';
    // Left to the gateway's validation, which the fake executor does not run.
    assert.equal((await world.run(query, { variables: { fin: { not: 'an id' } } })).result.status, 200);
    const { result } = await world.run(query, { variables: { fin: 'A' } });
    assert.deepEqual(code(result), { code: 'QUERY_TOO_COMPLEX', limit: 'pageSize', max: 50, found: 100 });
  });

  it('keeps a verdict per set of limits: what passed for an officer is refused to a citizen', async () => {
    const world = await smallWorld();
    const query = '{ a: person(fin: "A") { fin } b: person(fin: "B") { fin } c: person(fin: "C") { fin } d: person(fin: "D") { fin } }';
    assert.equal((await world.run(query)).result.status, 200);
    assert.equal((await world.run(query)).result.status, 200);
    const citizen = await world.token({ agency: 'AAA', roles: ['citizen'], fin: 'AAAAAAA' });
    const { result } = await world.run(query, { token: citizen, purpose: 'self' });
    assert.deepEqual(code(result), { code: 'QUERY_TOO_COMPLEX', limit: 'rootFields', max: 3, found: 4 });
  });

  it('keeps an access decision per set of levels: each agency keeps getting its own cut', async () => {
    const world = await smallWorld();
    const other = await world.token({ agency: 'BBB' });
    const query = '{ person(fin: "A") { name crossings { at } } }';
    for (let round = 0; round < 2; round += 1) {
      const own = await world.run(query);
      assert.match(print(own.executed!.executable!), /crossings/, 'nothing cut for the body that may read it');
      assert.deepEqual(own.hub.forbidden, []);
      const cut = await world.run(query, { token: other });
      assert.ok(cut.executed?.changed);
      assert.deepEqual(
        cut.hub.forbidden.map((f) => f.coordinate),
        ['Person.crossings'],
      );
      assert.doesNotMatch(print(cut.executed!.executable!), /crossings/);
    }
  });

  it("adds the subjects' FİNs to an executable once: the same text executes the very same node, so it is printed once", async () => {
    const world = await smallWorld();
    const query = '{ personsByName(name: "X") { name } }';
    const first = await world.run(query);
    const second = await world.run(query);
    assert.ok(first.executed?.changed, 'the FİNs were added');
    assert.equal(second.executed?.executable, first.executed?.executable);
    assert.match(print(second.executed!.executable!), /hubSubjectFin__: fin/);
    const other = await world.run(query, { token: await world.token({ agency: 'BBB' }) });
    assert.match(print(other.executed!.executable!), /hubSubjectFin__: fin/, "another body's cut gets its own");
  });

  it('works out the levels and what an executable reads once per agency and roles, each body its own', async () => {
    const world = await smallWorld();
    const query = '{ person(fin: "A") { name crossings { at } } }';
    const first = await world.run(query);
    const second = await world.run(query);
    assert.equal(second.hub.levels, first.hub.levels);
    assert.equal(second.hub.requested, first.hub.requested);
    assert.deepEqual([...first.hub.requested.keys()].sort(), ['crossings', 'people']);
    const other = await world.run(query, { token: await world.token({ agency: 'BBB' }) });
    assert.notEqual(other.hub.levels, first.hub.levels);
    assert.deepEqual([...other.hub.requested.keys()], ['people'], 'the cut resource is not read');
    assert.deepEqual([...other.hub.levels.keys()], ['people']);
  });

  it('bounds an operation by its page sizes: measured once, then only its page variables are checked', async () => {
    const world = await smallWorld();
    const limits = world.deps.limits.byRole.get('officer')!;
    const schema = world.map.schema;
    const bound = (text: string) => {
      const document = parse(text);
      return boundLimits(schema, document, document.definitions[0] as OperationDefinitionNode, limits);
    };
    assert.deepEqual(bound('query($fin: ID!) { person(fin: $fin) { name } }'), { pages: new Set() });
    assert.deepEqual(bound('query($n: Int) { person(fin: "A") { crossings(first: $n) { at } } }'), { pages: new Set(['n']) });
    assert.equal(bound('query($all: Boolean!) { person(fin: "A") { crossings @include(if: $all) { at } } }'), null, 'a directive decides: per request');
    assert.throws(
      () => bound('{ person(fin: "A") { crossings(first: 100) { at } } }'),
      (e: unknown) => e instanceof Refusal && e.code === 'QUERY_TOO_COMPLEX',
    );
  });

  it('keeps every cache bounded: least recently used keys out, a bounded number of variants per key, texts by their length', () => {
    const cache = new Cache<object, number>('test');
    const first = {};
    cache.set(first, '', 1);
    for (let i = 0; i < DOCUMENTS_KEPT; i += 1) cache.set({}, '', i);
    assert.equal(cache.size, DOCUMENTS_KEPT);
    assert.equal(cache.get(first), undefined, 'the oldest key went');
    const node = {};
    for (let i = 0; i <= VARIANTS_KEPT; i += 1) cache.set(node, `v${i}`, i);
    assert.equal(cache.get(node, 'v0'), undefined, 'the oldest variant went');
    assert.equal(cache.get(node, `v${VARIANTS_KEPT}`), VARIANTS_KEPT);
    const texts = new Cache<string, number>('texts', true);
    texts.set('a'.repeat(DOCUMENT_TEXT_KEPT / 2), '', 1);
    texts.set('b'.repeat(DOCUMENT_TEXT_KEPT / 2), '', 2);
    texts.set('c', '', 3);
    assert.equal(texts.get('a'.repeat(DOCUMENT_TEXT_KEPT / 2)), undefined, 'texts are bounded by their length');
  });

  it("reports each cache's hits and misses in the metrics", async () => {
    const world = await smallWorld();
    const metrics = new GatewayMetrics(world.journal, () => 'local');
    metrics.watchCaches(world.deps.caches);
    const lookups = async () => {
      const values = (await metrics.registry.getSingleMetric('hub_gateway_cache_lookups_total')!.get()).values;
      return (cache: string, result: string) => values.find((v) => v.labels['cache'] === cache && v.labels['result'] === result)?.value ?? 0;
    };
    // Warming with the registered operations looked up too: what two requests add is counted.
    const before = await lookups();
    const query = '{ person(fin: "A") { name } }';
    await world.run(query);
    await world.run(query);
    const after = await lookups();
    for (const cache of ['documents', 'limits', 'access']) {
      assert.deepEqual([after(cache, 'miss') - before(cache, 'miss'), after(cache, 'hit') - before(cache, 'hit')], [1, 1], cache);
    }
  });

  it('finds a registered operation decided before traffic: its first request hits every cache the stages read', async () => {
    const world = await smallWorld();
    const operation = world.deps.operations.operations.find((o) => o.name === 'AAA/personName')!;
    const before = new Map(world.deps.caches.stats().map((c) => [c.name, c.misses]));
    const system = await world.token({ agency: 'AAA', roles: ['system'] });
    const { result } = await world.run('', { token: system, body: { documentId: operation.id, variables: { fin: 'A' } } });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    for (const name of ['documents', 'token-counts', 'limits', 'access']) {
      const cache = world.deps.caches.stats().find((c) => c.name === name)!;
      assert.equal(cache.misses, before.get(name), `no ${name} miss`);
    }
  });
});
