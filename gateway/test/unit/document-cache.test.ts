import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, print, type OperationDefinitionNode } from 'graphql';
import { DocumentCache, limitsDependOnVariables, printedOnce } from '../../src/pipeline/document-cache';
import { smallWorld } from '../support/world';

const code = (result: { body: { errors?: Array<{ extensions?: Record<string, unknown> }> } }) => result.body.errors?.[0]?.extensions;

describe('the rules’ work per document, done once', () => {
  it('parses a text once; each request still gets its own selected operation', () => {
    const documents = new DocumentCache();
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

  it('knows which documents the variables can change the limits of', () => {
    assert.equal(limitsDependOnVariables(parse('query($fin: ID!) { person(fin: $fin) { name } }')), false);
    assert.equal(limitsDependOnVariables(parse('query($n: Int) { person(fin: "A") { crossings(first: $n) { at } } }')), true);
    assert.equal(limitsDependOnVariables(parse('query($all: Boolean!) { person(fin: "A") { crossings @include(if: $all) { at } } }')), true);
  });

  it('prints a changed operation once', () => {
    const operation = parse('{ person(fin: "A") { name } }').definitions[0] as OperationDefinitionNode;
    let prints = 0;
    const printer = (node: OperationDefinitionNode) => {
      prints += 1;
      return print(node);
    };
    assert.equal(printedOnce(operation, printer), printedOnce(operation, printer));
    assert.equal(prints, 1);
  });
});
