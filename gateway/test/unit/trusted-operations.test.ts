import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOperations, normaliseOperation, operationIdOf, operationRegistry, type OperationRegistry } from '../../src/policy/operation-registry';
import { loadPolicies, PolicyError } from '../../src/policy/policies';
import { SMALL_OPERATIONS, smallPolicies, smallSupergraph, smallWorld, writeOperation, type World } from '../support/world';

const idOf = (name: string) => operationIdOf(normaliseOperation(SMALL_OPERATIONS[name]!));
const codeOf = (body: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => body.errors?.[0]?.extensions?.['code'];

describe('trusted operations', () => {
  let world: World;
  let system: string;
  before(async () => {
    world = await smallWorld();
    system = await world.token({ agency: 'AAA', roles: ['system'], sub: 'aaa-system' });
  });

  it('names an operation by the SHA-256 of its normalised text: comments and layout do not change it', () => {
    const text = SMALL_OPERATIONS['AAA/personName']!;
    const id = idOf('AAA/personName');
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(operationIdOf(normaliseOperation(`query PersonName( $fin : ID! ) {\n  person(fin: $fin) {\n    name\n  }\n}`)), id);
    assert.notEqual(operationIdOf(text), id, 'the raw text is not what is hashed');
  });

  it("serves a system its body's registered operation by documentId and journals its reviewed name and id, no caller text", async () => {
    const { result, executed, entry } = await world.run('', {
      token: system,
      body: { documentId: idOf('AAA/personName'), variables: { fin: 'A' } },
      respond: () => ({ data: { person: { name: 'N' } } }),
    });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual(result.body.data, { person: { name: 'N' } });
    const registered = world.deps.operations.find('AAA', idOf('AAA/personName'))!;
    assert.equal(executed?.document, registered.document, 'the text parsed before traffic, found again');
    assert.deepEqual(executed.variables, { fin: 'A' });
    assert.deepEqual([entry?.operationName, entry?.operationId], ['AAA/personName', idOf('AAA/personName')]);
    assert.equal(entry?.decision, 'allowed');
    assert.deepEqual(
      entry?.resources.map((r) => r.resource),
      ['people'],
    );
  });

  it("accepts Apollo's persisted-query extension (the hash without its prefix)", async () => {
    const hash = idOf('AAA/personName').slice('sha256:'.length).toUpperCase();
    const { result, entry } = await world.run('', {
      token: system,
      body: { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: { fin: 'A' } },
    });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    // The registry's id, not the caller's spelling of it.
    assert.deepEqual([entry?.operationName, entry?.operationId], ['AAA/personName', idOf('AAA/personName')]);
  });

  it("answers an unknown id and another body's id alike: PERSISTED_QUERY_NOT_FOUND, nothing executed", async () => {
    const answers = [];
    for (const id of [`sha256:${'0'.repeat(64)}`, idOf('BBB/personDocuments'), 'md5:abc']) {
      const { result, executed, entry } = await world.run('', { token: system, body: { documentId: id, variables: { fin: 'A' } } });
      assert.equal(executed, null);
      assert.equal(entry?.decision, 'refused');
      assert.deepEqual([entry?.operationName, entry?.operationId], [null, null], 'the id the caller sent is its text: never journaled');
      assert.ok(!JSON.stringify(entry).includes(id.replace(/^sha256:/, '')), 'nothing of the id sent is journaled');
      answers.push([result.status, result.body.errors]);
    }
    assert.equal(answers[0]![0], 400);
    assert.equal(codeOf({ errors: answers[0]![1] as never }), 'PERSISTED_QUERY_NOT_FOUND');
    assert.deepEqual(answers[1], answers[0]);
    assert.deepEqual(answers[2], answers[0]);
    // BBB's own system finds it.
    const bbb = await world.run('', {
      token: await world.token({ agency: 'BBB', roles: ['system'] }),
      body: { documentId: idOf('BBB/personDocuments'), variables: { fin: 'A' } },
    });
    assert.equal(bbb.result.status, 200, JSON.stringify(bbb.result.body));
  });

  it('refuses ad-hoc text from a registered-only role (system) and journals it as an attempt to exceed authority', async () => {
    const { result, executed, entry } = await world.run('{ person(fin: "A") { name } }', { token: system });
    assert.equal(result.status, 400);
    assert.equal(codeOf(result.body), 'PERSISTED_QUERY_REQUIRED');
    assert.equal(executed, null);
    assert.deepEqual(
      [entry?.decision, entry?.reason, entry?.attemptToExceedAuthority, entry?.operationName, entry?.operationId],
      ['refused', 'PERSISTED_QUERY_REQUIRED', true, null, null],
    );
  });

  it('serves ad-hoc text to an officer, with no name journaled; an officer may also name a registered operation', async () => {
    const adHoc = await world.run('query Mine { person(fin: "A") { name } }');
    assert.equal(adHoc.result.status, 200);
    assert.equal(adHoc.hub.registeredOperation, null);
    assert.deepEqual([adHoc.entry?.operationName, adHoc.entry?.operationId], [null, null]);
    const registered = await world.run('', { body: { documentId: idOf('AAA/personName'), variables: { fin: 'A' } } });
    assert.equal(registered.result.status, 200);
    assert.deepEqual([registered.entry?.operationName, registered.entry?.operationId], ['AAA/personName', idOf('AAA/personName')]);
  });

  it('still checks the variables per request: a page size over the limit is refused, one within it served', async () => {
    const documentId = idOf('AAA/personCrossings');
    const over = await world.run('', { token: system, body: { documentId, variables: { fin: 'A', first: 51 } } });
    assert.equal(over.result.status, 400);
    assert.deepEqual(over.result.body.errors?.[0]?.extensions, { code: 'QUERY_TOO_COMPLEX', limit: 'pageSize', max: 50, found: 51 });
    assert.equal(over.executed, null);
    assert.deepEqual([over.entry?.operationName, over.entry?.operationId, over.entry?.reason], ['AAA/personCrossings', documentId, 'QUERY_TOO_COMPLEX']);
    const within = await world.run('', { token: system, body: { documentId, variables: { fin: 'A', first: 50 } } });
    assert.equal(within.result.status, 200, JSON.stringify(within.result.body));
  });

  it('refuses a body with both text and an id', async () => {
    const { result } = await world.run('', { token: system, body: { query: '{ person(fin: "A") { name } }', documentId: idOf('AAA/personName') } });
    assert.deepEqual([result.status, codeOf(result.body)], [400, 'BAD_REQUEST']);
  });

  it('warms the stages with each registered operation: its requests find the access decision made before traffic', async () => {
    const fresh = await smallWorld();
    const registered = fresh.deps.operations.find('AAA', idOf('AAA/personCrossings'))!;
    const applied: unknown[] = [];
    const apply = fresh.deps.access.apply.bind(fresh.deps.access);
    fresh.deps.access.apply = (...args) => {
      applied.push(args[0]);
      return apply(...args);
    };
    const freshSystem = await fresh.token({ agency: 'AAA', roles: ['system'], sub: 'aaa-system' });
    const first = await fresh.run('', { token: freshSystem, body: { documentId: registered.id, variables: { fin: 'A' } } });
    const again = await fresh.run('', { token: freshSystem, body: { documentId: registered.id, variables: { fin: 'B' } } });
    assert.equal(first.result.status, 200, JSON.stringify(first.result.body));
    assert.deepEqual(applied, [], 'no access decision was made per request');
    assert.equal(first.executed?.document, registered.document);
    assert.equal(again.executed?.executable, first.executed?.executable, 'the same decided executable each time');
    // Text of the same operation sent by an officer finds the same decisions: one path, one set of caches.
    const asText = await fresh.run(registered.source, { variables: { fin: 'A' } });
    assert.equal(asText.executed?.document, registered.document);
    assert.deepEqual(applied, []);
  });
});

describe('the registry at start-up', () => {
  const supergraph = smallSupergraph();
  const keysDir = mkdtempSync(join(tmpdir(), 'hub-unit-keys-'));

  /** The small world's policies plus the operations given. */
  function registryWith(operations: Record<string, string>): OperationRegistry {
    const { dir, policies, limits } = smallPolicies(keysDir);
    for (const [path, text] of Object.entries(operations)) writeOperation(dir, path, text);
    return operationRegistry(dir, { policies, supergraph, limits });
  }

  it("accepts the small world's operations", () => {
    assert.deepEqual(registryWith({}).problems(), []);
  });

  it('names the agency, the operation and the reason for each operation it cannot serve', () => {
    const registry = registryWith({
      'BBB/crossings': 'query Crossings($fin: ID!) { person(fin: $fin) { crossings { at } } }',
      'AAA/typo': 'query Typo($fin: ID!) { person(fin: $fin) { nme } }',
      'AAA/wide': `query Wide { ${Array.from({ length: 6 }, (_, i) => `p${i}: person(fin: "A") { name }`).join(' ')} }`,
      'AAA/bigDefault': 'query Big($fin: ID!, $first: Int = 80) { person(fin: $fin) { crossings(first: $first) { at } } }',
    });
    const problems = registry.problems();
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(
      problems.find((p) => p.includes('BBB/crossings'))!,
      /^policies\/operations\/BBB\/crossings\.graphql \(agency BBB, operation BBB\/crossings\): reaches the resource "crossings" \(Person\.crossings\), which BBB cannot read as system$/,
    );
    assert.match(
      problems.find((p) => p.includes('AAA/typo'))!,
      /does not validate against the supergraph: Cannot query field "nme"/,
    );
    assert.match(
      problems.find((p) => p.includes('AAA/wide'))!,
      /exceeds the system role's limits: The operation exceeds the rootFields limit: 6 > 5/,
    );
    assert.match(
      problems.find((p) => p.includes('AAA/bigDefault'))!,
      /exceeds the system role's limits: .*pageSize limit: 80 > 50/,
    );
    assert.throws(
      () => registry.check(),
      (error: unknown) => error instanceof PolicyError && /^registered operations: .*BBB\/crossings/.test(error.message),
    );
  });

  it('refuses an operation whose body may claim no purpose as system, naming it', () => {
    const { dir, policies, limits } = smallPolicies(keysDir);
    // Systems may state only "enforce", which purposes.json gives to AAA alone: BBB's system has no purpose left.
    policies.roles.get('system')!.purposes = ['enforce'];
    assert.deepEqual(operationRegistry(dir, { policies, supergraph, limits }).problems(), [
      'policies/operations/BBB/personDocuments.graphql (agency BBB, operation BBB/personDocuments): BBB may claim no purpose as system (purposes.json), so the operation could never run',
    ]);
  });

  it('refuses files that are not one operation, and folders of unknown agencies', () => {
    for (const [path, text, problem] of [
      ['AAA/two', 'query A { person(fin: "A") { name } } query B { person(fin: "B") { name } }', /holds 2 operations/],
      ['AAA/broken', 'query {', /does not parse/],
      ['ZZZ/any', 'query A { person(fin: "A") { name } }', /unknown agency "ZZZ"/],
      ['AAA/copy', SMALL_OPERATIONS['AAA/personName']!.replace('# A comment', '# Another comment'), /operation AAA\/personName\): the same text as AAA\/copy/],
    ] as const) {
      const { dir, policies } = smallPolicies(keysDir);
      writeOperation(dir, path, text);
      assert.throws(
        () => loadOperations(dir, policies),
        (error: unknown) => error instanceof PolicyError && problem.test(error.message),
        path,
      );
    }
  });

  it('reads operations per role from roles.json: system registered-only by default, the others any; a typo stops', () => {
    const { dir, policies } = smallPolicies(keysDir);
    assert.deepEqual(
      [...policies.roles].map(([role, p]) => [role, p.operations]),
      [
        ['system', 'registered'],
        ['officer', 'any'],
        ['auditor', 'any'],
        ['citizen', 'any'],
      ],
    );
    const roles = JSON.parse(readFileSync(join(dir, 'roles.json'), 'utf8')) as { roles: Record<string, Record<string, unknown>> };
    roles.roles['officer']!['operations'] = 'registred';
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'roles.json'), JSON.stringify(roles));
    assert.throws(() => loadPolicies(dir, keysDir), /roles\.json: officer\.operations: expected "registered" or "any", not "registred"/);
  });
});
