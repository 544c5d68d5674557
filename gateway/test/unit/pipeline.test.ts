import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HubRequest } from '../../src/pipeline/context';
import { selectOperation } from '../../src/http/graphql-request';
import { Refusal } from '../../src/pipeline/refusal';
import { checkOrder, Pipeline, type Stage } from '../../src/pipeline/stage';
import { fakeHttp, smallWorld } from '../support/world';

const named = (name: string, after: string[] = []): Stage => ({ name, after });

describe('the pipeline', () => {
  it('refuses to be built when a stage stands before one it must follow', () => {
    assert.doesNotThrow(() => checkOrder([named('identity'), named('limits', ['identity']), named('access', ['identity', 'limits'])]));
    assert.throws(() => checkOrder([named('identity'), named('access', ['limits']), named('limits')]), /"access" must come after "limits"/);
    assert.throws(() => checkOrder([named('access', ['limits'])]), /needs "limits", which is not in the list/);
    assert.throws(() => checkOrder([named('a'), named('a')]), /share a name/);
  });

  it('the hub list itself is in a valid order: limits measure the document before access cuts it, records after access', async () => {
    const world = await smallWorld();
    const names = world.pipeline.stages.map((s) => s.name);
    assert.ok(names.indexOf('limits') < names.indexOf('access'));
    assert.ok(names.indexOf('journal') < names.indexOf('identity'), 'the journal is outside every rule, so it sees their refusals');
    assert.ok(names.indexOf('records') > names.indexOf('quotas'), 'records are counted before quotas settle');
  });

  it('runs forward hooks in order, onResult in reverse, and only for stages the request entered', async () => {
    const calls: string[] = [];
    const stage = (name: string, refuse = false): Stage => ({
      name,
      onRequest() {
        calls.push(`request:${name}`);
        if (refuse) throw new Refusal('FORBIDDEN', 'no', 403);
      },
      onResult(_hub, result) {
        calls.push(`result:${name}:${result.refusal?.code ?? 'none'}`);
      },
    });
    const pipeline = new Pipeline(
      [stage('outer'), stage('refuser', true), stage('inner')],
      { execute: async () => assert.fail('not executed') },
      () => undefined,
    );
    const result = await pipeline.run(new HubRequest(fakeHttp(), 'query', new Date()));
    assert.equal(result.status, 403);
    assert.deepEqual(calls, ['request:outer', 'request:refuser', 'result:refuser:FORBIDDEN', 'result:outer:FORBIDDEN']);
  });

  it("turns a stage's own failure into INTERNAL_SERVER_ERROR without its message, reports it, and still journals", async () => {
    const faults: string[] = [];
    const world = await smallWorld();
    const broken: Stage = {
      name: 'broken',
      onOperation() {
        throw new Error('secret detail /srv/x');
      },
    };
    const pipeline = new Pipeline(
      [...world.pipeline.stages, broken],
      {
        readBody: async () => ({ query: '{ person(fin: "A") { name } }', documentId: undefined, variables: undefined, operationName: undefined }),
        select: (_h, body) => selectOperation(body),
        execute: async () => assert.fail('not executed'),
      },
      (stage) => faults.push(stage),
    );
    const hub = new HubRequest(
      fakeHttp({ headers: { authorization: `Bearer ${await world.token({ agency: 'AAA' })}`, 'x-purpose': 'check' } }),
      'query',
      new Date(),
    );
    const result = await pipeline.run(hub);
    assert.equal(result.status, 500);
    assert.deepEqual(
      result.body.errors?.map((e) => [e.message, e.extensions?.['code']]),
      [['Internal server error.', 'INTERNAL_SERVER_ERROR']],
    );
    assert.deepEqual(faults, ['broken']);
    assert.equal(world.journal.entries.at(-1)?.reason, 'INTERNAL_SERVER_ERROR');
  });
});
