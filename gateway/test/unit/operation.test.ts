import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readRequestBody, runsSource, selectOperation } from '../../src/http/graphql-request';
import { Refusal } from '../../src/pipeline/refusal';

const refusal = (fn: () => unknown): Refusal => {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  return assert.fail('expected a refusal');
};

describe('reading the body and selecting one operation', () => {
  it('selects the one operation, or the one operationName names', () => {
    assert.equal(selectOperation(readRequestBody({ query: '{ a }' })).type, 'query');
    const named = selectOperation(readRequestBody({ query: 'query A { a } mutation B { b }', operationName: 'B' }));
    assert.deepEqual([named.operationName, named.type, named.changed], ['B', 'mutation', false]);
  });

  const refused: Array<[string, unknown, string, number, string | undefined]> = [
    ['a batch', [{ query: '{ a }' }], 'BAD_USER_INPUT', 400, 'BATCH'],
    ['not an object', 'query', 'BAD_REQUEST', 400, undefined],
    ['no query', { variables: {} }, 'BAD_REQUEST', 400, undefined],
    ['variables not an object', { query: '{ a }', variables: [1] }, 'BAD_REQUEST', 400, undefined],
    ['several operations and no name', { query: 'query A { a } query B { b }' }, 'BAD_USER_INPUT', 400, 'MULTIPLE_OPERATIONS'],
    ['a name no operation has', { query: 'query A { a }', operationName: 'Z' }, 'BAD_USER_INPUT', 400, undefined],
    ['only fragments', { query: 'fragment F on Q { a }' }, 'BAD_USER_INPUT', 400, undefined],
    ['a syntax error', { query: '{ a ' }, 'GRAPHQL_PARSE_FAILED', 400, undefined],
    ['an unterminated string', { query: '{ a(x: "abc) }' }, 'GRAPHQL_PARSE_FAILED', 400, undefined],
  ];
  for (const [what, body, code, status, reason] of refused) {
    it(`refuses ${what} with ${code}`, () => {
      const r = refusal(() => selectOperation(readRequestBody(body)));
      assert.deepEqual([r.code, r.httpStatus, r.extensions['reason']], [code, status, reason]);
    });
  }

  it("runs the caller's text without the name they chose, every other character where it was; several operations run the hub's print", () => {
    const text = 'query Mine($f: ID) {\n  person(fin: $f) { fin }\n}';
    const one = selectOperation(readRequestBody({ query: text, operationName: 'Mine' }));
    assert.equal(one.source, 'query     ($f: ID) {\n  person(fin: $f) { fin }\n}');
    assert.ok(runsSource(one));
    assert.equal(one.operationName, 'Mine', 'the name still picks the operation and keys its decisions');
    const several = selectOperation(readRequestBody({ query: `query Other { a } ${text}`, operationName: 'Mine' }));
    assert.equal(several.source, null);
    assert.equal(runsSource(several), false);
  });

  it('does not echo the operation name the caller gave', () => {
    const r = refusal(() => selectOperation(readRequestBody({ query: 'query A { a }', operationName: 'CallerWords' })));
    assert.ok(!r.message.includes('CallerWords'));
  });
});
