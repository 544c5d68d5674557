import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smallWorld } from '../support/world';

const answer = () => ({ data: { person: { name: 'X' } } });

describe('http', () => {
  it('refuses GET with 405 and Allow: POST before anything else, and journals it', async () => {
    const world = await smallWorld();
    const { result, entry } = await world.run('{ person(fin: "A") { name } }', { method: 'GET', token: null });
    assert.deepEqual([result.status, result.headers['allow'], result.body.errors?.[0]?.extensions?.['code']], [405, 'POST', 'BAD_REQUEST']);
    assert.deepEqual([entry?.decision, entry?.reason], ['refused', 'BAD_REQUEST']);
  });

  it('refuses a body that is not application/json with 415', async () => {
    const world = await smallWorld();
    const { result } = await world.run('{ person(fin: "A") { name } }', { headers: { 'content-type': 'text/plain' } });
    assert.equal(result.status, 415);
  });

  it('answers in the GraphQL-over-HTTP media type when the client asks for it', async () => {
    const world = await smallWorld();
    const { result } = await world.run('{ person(fin: "A") { name } }', { headers: { accept: 'application/graphql-response+json' }, respond: answer });
    assert.equal(result.headers['content-type'], 'application/graphql-response+json; charset=utf-8');
  });
});

describe('limits', () => {
  it('counts tokens before parsing, and measures page sizes passed as variables', async () => {
    const world = await smallWorld();
    const tokens = world.deps.limits.byRole.get('officer')!.tokens;
    const long = await world.run(`{ person(fin: "A") { ${'name '.repeat(tokens)} } }`);
    assert.deepEqual([long.result.status, long.result.body.errors?.[0]?.extensions?.['limit']], [400, 'tokens']);
    assert.equal(long.executed, null);
    const page = await world.run('query($n: Int) { person(fin: "A") { crossings(first: $n) { at } } }', { variables: { n: 500 } });
    assert.deepEqual(
      [page.result.body.errors?.[0]?.extensions?.['code'], page.result.body.errors?.[0]?.extensions?.['limit']],
      ['QUERY_TOO_COMPLEX', 'pageSize'],
    );
  });

  it("gives each subgraph call the role's search cap in the assertion", async () => {
    const world = await smallWorld();
    const { hub } = await world.run('{ person(fin: "A") { name } }', { respond: answer });
    const call = { subgraph: 'people', resource: 'people', query: '{ __typename }', claims: {} as Record<string, unknown> };
    world.pipeline.subgraphFetch(hub, call);
    assert.equal(call.claims['searchLimit'], world.deps.limits.byRole.get('officer')!.searchResults);
  });
});

describe('quotas', () => {
  it('settles from the records the caller received: searches that find nothing are key walking, found ones are not', async () => {
    const world = await smallWorld();
    const { missesBeforeRefusal } = world.deps.limits.quotas.enumeration;
    const token = await world.token({ agency: 'AAA', sub: 'walker' });
    for (let i = 0; i < missesBeforeRefusal - 1; i += 1) {
      // Found: never counted as a miss, however many.
      assert.equal((await world.run('{ person(fin: "A") { name } }', { token, respond: answer })).result.status, 200);
    }
    for (let i = 0; i < missesBeforeRefusal; i += 1) {
      const { result } = await world.run('{ person(fin: "A") { name } }', { token, respond: () => ({ data: { person: null } }) });
      if (result.status !== 200) assert.fail(`refused after ${i} misses`);
    }
    const walked = await world.run('{ person(fin: "A") { name } }', { token, respond: answer });
    assert.deepEqual([walked.result.status, walked.entry?.reason], [429, 'RATE_LIMITED']);
  });
});

describe('monitoring', () => {
  it("counts each answer under its agency, decision and code, the journal's verdict included", async () => {
    const world = await smallWorld();
    await world.run('{ person(fin: "A") { name } }', { respond: answer });
    await world.run('{ person(fin: "A") { name } }', { token: null });
    world.journal.failing = true;
    await world.run('{ person(fin: "A") { name } }', { respond: answer });
    world.journal.failing = false;
    const text = await world.deps.metrics.registry.metrics();
    assert.match(text, /hub_requests_total\{event="query",agency="AAA",operation_type="query",decision="allowed",code="none"\} 1/);
    assert.match(text, /hub_requests_total\{event="query",agency="unauthenticated",operation_type="none",decision="refused",code="UNAUTHENTICATED"\} 1/);
    assert.match(text, /hub_requests_total\{event="query",agency="AAA",operation_type="query",decision="refused",code="AUDIT_UNAVAILABLE"\} 1/);
  });
});
