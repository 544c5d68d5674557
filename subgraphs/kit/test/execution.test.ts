import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { buildSchema, GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { createLeanExecutor, DocumentCache, NoIntrospection, type Answer } from '../src/execution';
import { hubError } from '../src/errors';

describe('DocumentCache', () => {
  const document = parse('{ a }');

  it('keeps at most its number of entries, dropping the least recently used', () => {
    const cache = new DocumentCache(2, 1_000);
    cache.set('one', document);
    cache.set('two', document);
    assert.equal(cache.get('one'), document);
    cache.set('three', document);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('two'), undefined, 'the least recently used went');
    assert.equal(cache.get('one'), document);
    assert.equal(cache.get('three'), document);
  });

  it('keeps at most its number of characters of text, and never a text longer than that', () => {
    const cache = new DocumentCache(100, 10);
    cache.set('aaaa', document);
    cache.set('bbbb', document);
    cache.set('cccc', document);
    assert.equal(cache.get('aaaa'), undefined);
    assert.equal(cache.size, 2);
    cache.set('x'.repeat(11), document);
    assert.equal(cache.get('x'.repeat(11)), undefined);
    assert.equal(cache.size, 2, 'an oversized text evicts nothing');
  });
});

interface Context {
  records: number;
}

const SDL = `type Query {
  hello(name: String!): String
  count: Int
  failing: String
  crashing: String
  teapot: String
}`;

/** A small schema whose resolvers cover the shapes of answer: data, coded errors, uncoded errors, an http extension. */
function testSchema(): GraphQLSchema {
  const schema = buildSchema(SDL);
  const fields = schema.getQueryType()!.getFields();
  fields['hello']!.resolve = (_root, args: { name: string }, context: Context) => {
    context.records += 1;
    return `hello ${args.name}`;
  };
  fields['count']!.resolve = () => 3;
  fields['failing']!.resolve = () => {
    throw hubError('BAD_USER_INPUT', 'no', { argument: 'x' });
  };
  fields['crashing']!.resolve = () => {
    throw new Error('internal detail');
  };
  fields['teapot']!.resolve = () => {
    throw new GraphQLError('short', { extensions: { code: 'TEAPOT', http: { status: 418, headers: new Map([['x-tea', 'yes']]) } } });
  };
  return schema;
}

const HEADERS = { 'cache-control': 'no-store' };

function fakeRequest(headers: Record<string, string>, method = 'POST'): IncomingMessage {
  return { method, headers } as unknown as IncomingMessage;
}
const RESPONSE = {} as ServerResponse;

describe('the lean executor', () => {
  const schema = testSchema();
  const completed: Context[] = [];
  const complete = (context: Context) => {
    completed.push(context);
    return Promise.resolve({ hub: { records: context.records } });
  };
  const documents = new DocumentCache(10, 10_000);
  const lean = createLeanExecutor<Context>({
    schema,
    validationRules: [NoIntrospection],
    headers: HEADERS,
    documents,
    complete,
    context: (req) => (req.headers.authorization === 'yes' ? Promise.resolve({ records: 0 }) : Promise.reject(new Error('refused'))),
  });

  // Apollo Server set up as startSubgraph sets it up: the reference the lean path must equal.
  const plugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          for (const [name, value] of Object.entries(HEADERS)) response.http.headers.set(name, value);
          const extensions = await complete(contextValue);
          if (response.body.kind === 'single') response.body.singleResult.extensions = { ...response.body.singleResult.extensions, ...extensions };
        },
      };
    },
  };
  const apollo = new ApolloServer<Context>({ schema, plugins: [plugin], includeStacktraceInErrorResponses: false, introspection: false });
  before(() => apollo.start());
  after(() => apollo.stop());

  async function apolloAnswer(body: unknown, headers: Record<string, string>): Promise<Answer> {
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers: new HeaderMap(Object.entries(headers)), search: '', body },
      context: () => Promise.resolve({ records: 0 }),
    });
    assert.equal(response.body.kind, 'complete');
    return {
      status: response.status ?? 200,
      headers: Object.fromEntries(response.headers),
      body: response.body.kind === 'complete' ? response.body.string : '',
    };
  }

  const JSON_HEADERS = { 'content-type': 'application/json', authorization: 'yes' };

  it('answers what Apollo Server answers: data, coded and uncoded errors, a status from an http extension', async () => {
    const bodies = [
      { query: 'query($n: String!) { hello(name: $n) count }', variables: { n: 'x' } },
      { query: '{ hello(name: "y") failing crashing }', variables: null, operationName: null },
      { query: 'query A { count } query B { hello(name: "z") teapot }', operationName: 'B', extensions: { other: true } },
    ];
    for (const body of bodies) {
      const answer = await lean(fakeRequest(JSON_HEADERS), RESPONSE, body);
      assert.ok(answer, JSON.stringify(body));
      assert.deepEqual(answer, await apolloAnswer(body, JSON_HEADERS));
    }
    const teapot = await lean(fakeRequest(JSON_HEADERS), RESPONSE, bodies[2]);
    assert.equal(teapot?.status, 418);
    assert.doesNotMatch(JSON.stringify(await lean(fakeRequest(JSON_HEADERS), RESPONSE, bodies[1])), /stacktrace|at Object/);
  });

  it('completes every request it answers once, before the answer, with the context the resolvers saw', async () => {
    completed.length = 0;
    const answer = await lean(fakeRequest(JSON_HEADERS), RESPONSE, { query: '{ hello(name: "a") }' });
    assert.equal(completed.length, 1);
    assert.equal(completed[0]!.records, 1);
    assert.match(answer!.body, /"extensions":\{"hub":\{"records":1\}\}/);
  });

  it('parses and validates a text once', async () => {
    const query = '{ count }';
    await lean(fakeRequest(JSON_HEADERS), RESPONSE, { query });
    const cached = documents.get(query);
    assert.ok(cached);
    await lean(fakeRequest(JSON_HEADERS), RESPONSE, { query });
    assert.equal(documents.get(query), cached);
  });

  it('leaves to Apollo Server whatever is not a plain request of a valid, chosen operation by an accepted caller, and completes none of them', async () => {
    completed.length = 0;
    const cases: Array<[string, IncomingMessage, unknown]> = [
      ['GET', fakeRequest(JSON_HEADERS, 'GET'), { query: '{ count }' }],
      ['text/plain', fakeRequest({ ...JSON_HEADERS, 'content-type': 'text/plain' }), { query: '{ count }' }],
      ['another accept', fakeRequest({ ...JSON_HEADERS, accept: 'application/graphql-response+json' }), { query: '{ count }' }],
      ['a batch', fakeRequest(JSON_HEADERS), [{ query: '{ count }' }]],
      ['no query', fakeRequest(JSON_HEADERS), { variables: {} }],
      ['variables as text', fakeRequest(JSON_HEADERS), { query: '{ count }', variables: '{}' }],
      ['a persisted query', fakeRequest(JSON_HEADERS), { query: '{ count }', extensions: { persistedQuery: { version: 1 } } }],
      ['a syntax error', fakeRequest(JSON_HEADERS), { query: '{ count' }],
      ['an unknown field', fakeRequest(JSON_HEADERS), { query: '{ nope }' }],
      ['introspection', fakeRequest(JSON_HEADERS), { query: '{ __schema { types { name } } }' }],
      ['no operation chosen', fakeRequest(JSON_HEADERS), { query: 'query A { count } query B { count }' }],
      ['a refused caller', fakeRequest({ ...JSON_HEADERS, authorization: 'no' }), { query: '{ count }' }],
      ['variables that do not coerce', fakeRequest(JSON_HEADERS), { query: 'query($n: String!) { hello(name: $n) }', variables: {} }],
    ];
    for (const [what, req, body] of cases) assert.equal(await lean(req, RESPONSE, body), undefined, what);
    assert.equal(completed.length, 0);
  });
});
