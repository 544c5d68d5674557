import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { buildSchema, parse, type GraphQLSchema } from 'graphql';
import { createGraphQLEndpoint, validDocuments, type Answer } from '../src/execution';
import { hubError } from '../src/errors';
import { RequestRejected } from '../src/http';

describe('validDocuments', () => {
  const document = parse('{ a }');

  it('keeps at most its number of entries, dropping the least recently used', () => {
    const cache = validDocuments(2, 1_000);
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
    const cache = validDocuments(100, 10);
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
}`;

/** A small schema whose resolvers cover the shapes of answer: data, a coded error, an uncoded one. */
function testSchema(resolved: string[]): GraphQLSchema {
  const schema = buildSchema(SDL);
  const fields = schema.getQueryType()!.getFields();
  fields['hello']!.resolve = (_root, args: { name: string }, context: Context) => {
    resolved.push('hello');
    context.records += 1;
    return `hello ${args.name}`;
  };
  fields['count']!.resolve = () => {
    resolved.push('count');
    return 3;
  };
  fields['failing']!.resolve = () => {
    throw hubError('BAD_USER_INPUT', 'no', { argument: 'x' });
  };
  fields['crashing']!.resolve = () => {
    throw new Error('internal detail');
  };
  return schema;
}

const ACCEPTED = { 'content-type': 'application/json', authorization: 'yes' };

function request(headers: Record<string, string>, method = 'POST', url = '/graphql'): IncomingMessage {
  return { method, url, headers } as unknown as IncomingMessage;
}

function endpoint(complete: (context: Context) => Promise<void> = () => Promise.resolve()) {
  const resolved: string[] = [];
  const completed: Context[] = [];
  const documents = validDocuments(10, 10_000);
  const serve = createGraphQLEndpoint<Context>({
    schema: testSchema(resolved),
    headers: { 'cache-control': 'no-store' },
    documents,
    context: (req) => (req.headers.authorization === 'yes' ? Promise.resolve({ records: 0 }) : Promise.reject(hubError('UNAUTHENTICATED', 'not the gateway'))),
    complete: (context) => {
      completed.push(context);
      return complete(context);
    },
    attributes: () => ({}),
  });
  return { serve, resolved, completed, documents };
}

const json = (answer: Answer) => JSON.parse(answer.body) as { data?: Record<string, unknown>; errors?: Array<Record<string, unknown>>; extensions?: unknown };
const codes = (answer: Answer) => json(answer).errors?.map((e) => (e['extensions'] as { code?: string }).code);

describe('the GraphQL endpoint', () => {
  it('answers data with the answer headers and nothing else', async () => {
    const { serve } = endpoint();
    const answer = await serve(request(ACCEPTED), { query: 'query($n: String!) { hello(name: $n) count }', variables: { n: 'x' } });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.headers, { 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' });
    assert.deepEqual(JSON.parse(answer.body), { data: { hello: 'hello x', count: 3 } });
  });

  it('answers every error in one format: a code on each (INTERNAL_SERVER_ERROR when it had none), no stack trace', async () => {
    const { serve } = endpoint();
    const answer = await serve(request(ACCEPTED), { query: '{ count failing crashing }' });
    assert.equal(answer.status, 200);
    assert.deepEqual(json(answer), {
      data: { count: 3, failing: null, crashing: null },
      errors: [
        { message: 'no', locations: [{ line: 1, column: 9 }], path: ['failing'], extensions: { argument: 'x', code: 'BAD_USER_INPUT' } },
        { message: 'internal detail', locations: [{ line: 1, column: 17 }], path: ['crashing'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ],
    });
  });

  it('refuses a caller it does not accept with 401 before reading the document, and completes nothing', async () => {
    const { serve, resolved, completed } = endpoint();
    for (const query of ['{ count }', '{ count']) {
      const answer = await serve(request({ 'content-type': 'application/json' }), { query });
      assert.equal(answer.status, 401, query);
      assert.deepEqual(json(answer), { errors: [{ message: 'not the gateway', extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    assert.deepEqual(resolved, []);
    assert.equal(completed.length, 0);
  });

  it('completes each request of an accepted caller once, with the context its resolvers saw, before the answer', async () => {
    const { serve, completed } = endpoint();
    await serve(request(ACCEPTED), { query: '{ hello(name: "a") }' });
    assert.deepEqual(completed, [{ records: 1 }]);
    const refused = new RequestRejected(503, 'AUDIT_UNAVAILABLE', 'journal down');
    const failing = endpoint(() => Promise.reject(refused));
    await assert.rejects(failing.serve(request(ACCEPTED), { query: '{ hello(name: "b") }' }), (error) => error === refused);
    assert.deepEqual(failing.resolved, ['hello'], 'the answer is withheld once it was computed');
  });

  it('refuses with 400 what cannot run, with the code Apollo Server gave it, and still completes the request', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a syntax error', { query: '{ count' }, 'GRAPHQL_PARSE_FAILED'],
      ['an unknown field', { query: '{ nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
      ['introspection', { query: '{ __schema { types { name } } }' }, 'GRAPHQL_VALIDATION_FAILED'],
      ['a type by introspection', { query: '{ __type(name: "Query") { name } }' }, 'GRAPHQL_VALIDATION_FAILED'],
      ['no operation chosen', { query: 'query A { count } query B { count }' }, 'BAD_REQUEST'],
      ['an operation that is not there', { query: 'query A { count }', operationName: 'B' }, 'BAD_REQUEST'],
      ['variables that do not coerce', { query: 'query($n: String!) { hello(name: $n) }', variables: {} }, 'BAD_USER_INPUT'],
    ];
    const { serve, resolved, completed } = endpoint();
    for (const [what, body, code] of cases) {
      const answer = await serve(request(ACCEPTED), body);
      assert.equal(answer.status, 400, what);
      assert.equal(json(answer).data, undefined, what);
      assert.deepEqual([...new Set(codes(answer))], [code], what);
    }
    assert.deepEqual(resolved, []);
    assert.equal(completed.length, cases.length);
    const typename = await serve(request(ACCEPTED), { query: '{ __typename }' });
    assert.deepEqual(json(typename), { data: { __typename: 'Query' } });
  });

  it('refuses a request it cannot read as GraphQL over HTTP says, before the caller is looked at', async () => {
    const { serve, completed } = endpoint();
    const cases: Array<[string, IncomingMessage, unknown, number]> = [
      ['a batch', request(ACCEPTED), [{ query: '{ count }' }], 400],
      ['no query', request(ACCEPTED), { variables: {} }, 400],
      ['variables as text', request(ACCEPTED), { query: '{ count }', variables: '{}' }, 400],
      ['text/plain', request({ ...ACCEPTED, 'content-type': 'text/plain' }), '{ count }', 415],
      ['PUT', request(ACCEPTED, 'PUT'), { query: '{ count }' }, 405],
      ['an answer type it does not make', request({ ...ACCEPTED, accept: 'text/html' }), { query: '{ count }' }, 406],
    ];
    for (const [what, req, body, status] of cases) {
      const answer = await serve(req, body);
      assert.equal(answer.status, status, what);
      if (status === 400) assert.deepEqual(codes(answer), ['BAD_REQUEST'], what);
    }
    assert.equal(completed.length, 0);
  });

  it('answers a query sent by GET, and the GraphQL response type when it is asked for', async () => {
    const { serve, completed } = endpoint();
    const get = await serve(request({ authorization: 'yes' }, 'GET', `/graphql?query=${encodeURIComponent('{ count }')}`), undefined);
    assert.equal(get.status, 200);
    assert.deepEqual(json(get), { data: { count: 3 } });
    const typed = await serve(request({ ...ACCEPTED, accept: 'application/graphql-response+json' }), { query: '{ count }' });
    assert.equal(typed.headers['content-type'], 'application/graphql-response+json; charset=utf-8');
    assert.equal(completed.length, 2);
  });

  it('parses and validates a text once', async () => {
    const { serve, documents } = endpoint();
    const query = '{ count }';
    await serve(request(ACCEPTED), { query });
    const cached = documents.get(query);
    assert.ok(cached);
    await serve(request(ACCEPTED), { query });
    assert.equal(documents.get(query), cached);
  });
});
