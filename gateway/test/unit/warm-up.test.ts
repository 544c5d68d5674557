import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { parse, validate } from 'graphql';
import { loadSupergraph } from '../../src/policy/supergraph';
import { warmUpOperations } from '../../src/upstream/warm-up';
import { smallSupergraph } from '../support/world';

describe('warm-up operations', () => {
  const supergraphs = {
    small: smallSupergraph(),
    'the hub': loadSupergraph(resolve(__dirname, '../../../../schema/supergraph.graphql'), {}),
  };
  for (const [name, supergraph] of Object.entries(supergraphs)) {
    it(`are valid operations of ${name} supergraph that cross subgraphs`, () => {
      const operations = warmUpOperations(supergraph.apiSchema);
      assert.ok(operations.length > 0);
      for (const operation of operations)
        assert.deepEqual(
          validate(supergraph.apiSchema, parse(operation)).map((e) => e.message),
          [],
          operation,
        );
      // An entity with fields from another subgraph: the plans worth warming.
      assert.ok(
        operations.some((operation) => /person\(fin: "0"\) \{[^}]*crossings|borderCrossings/.test(operation)),
        operations.join('\n'),
      );
    });
  }
});
