import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readRequestBody, selectOperation } from '../../src/operation';
import { Refusal } from '../../src/refusal';

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

  it('does not echo the operation name the caller gave', () => {
    const r = refusal(() => selectOperation(readRequestBody({ query: 'query A { a }', operationName: 'CallerWords' })));
    assert.ok(!r.message.includes('CallerWords'));
  });
});
