import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { readJsonBody } from '../../src/http/body';
import { HubRequest } from '../../src/pipeline/context';
import { Refusal } from '../../src/pipeline/refusal';
import { fakeHttp, smallWorld, type World } from '../support/world';

/** A request whose body the test writes as it goes; no Content-Length unless given, as with Transfer-Encoding: chunked. */
function streamed(headers: Record<string, string> = {}): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers: { 'content-type': 'application/json', ...headers } }) as unknown as PassThrough & IncomingMessage;
}

const refusalOf = async (work: Promise<unknown>): Promise<Refusal> => {
  try {
    await work;
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  assert.fail('expected a refusal');
};

describe('reading a request body (http/body.ts)', () => {
  const limits = { maxBytes: 100, timeoutMs: 5_000 };

  it('reads JSON in chunks, and an empty body as undefined', async () => {
    const req = streamed();
    const read = readJsonBody(req, limits);
    req.write('{"query": ');
    req.end('"{ a }"}');
    assert.deepEqual(await read, { query: '{ a }' });
    const empty = streamed();
    const none = readJsonBody(empty, limits);
    empty.end();
    assert.equal(await none, undefined);
  });

  it('refuses a declared length over the limit before reading anything, and a streamed body at its first byte over it', async () => {
    const declared = await refusalOf(readJsonBody(streamed({ 'content-length': '101' }), limits));
    assert.deepEqual(
      [declared.httpStatus, declared.code, declared.extensions],
      [413, 'QUERY_TOO_COMPLEX', { limit: 'requestBodyBytes', max: 100, found: 101 }],
    );
    const req = streamed();
    const read = readJsonBody(req, limits);
    req.write('x'.repeat(60));
    req.write('x'.repeat(60));
    const chunked = await refusalOf(read);
    assert.deepEqual([chunked.httpStatus, chunked.code, chunked.extensions], [413, 'QUERY_TOO_COMPLEX', { limit: 'requestBodyBytes', max: 100, found: 120 }]);
    // The rest is never read: the answer closes the connection instead.
    assert.equal(chunked.headers['connection'], 'close');
    assert.equal(req.listenerCount('data'), 0);
  });

  it('refuses a body that stops arriving once the timeout passes, closing the connection', async () => {
    const req = streamed();
    const read = readJsonBody(req, { maxBytes: 100, timeoutMs: 20 });
    req.write('{"query": ');
    const slow = await refusalOf(read);
    assert.deepEqual([slow.httpStatus, slow.code, slow.extensions, slow.headers], [408, 'BAD_REQUEST', { reason: 'BODY_TIMEOUT' }, { connection: 'close' }]);
  });

  it('refuses a body cut off by its client, before or while it is read', async () => {
    const req = streamed();
    const read = readJsonBody(req, limits);
    req.write('{"query": ');
    req.destroy();
    const cut = await refusalOf(read);
    assert.deepEqual([cut.httpStatus, cut.code, cut.extensions], [400, 'BAD_REQUEST', { reason: 'BODY_ABORTED' }]);
    const gone = await refusalOf(readJsonBody(req, limits));
    assert.equal(gone.extensions['reason'], 'BODY_ABORTED');
  });

  it('refuses invalid JSON', async () => {
    const req = streamed();
    const read = readJsonBody(req, limits);
    req.end('{"query": ');
    const invalid = await refusalOf(read);
    assert.deepEqual([invalid.httpStatus, invalid.code, invalid.extensions], [400, 'BAD_REQUEST', { reason: 'INVALID_JSON' }]);
  });
});

describe('every early exit of the request path has its journal record', () => {
  let world: World;
  before(async () => {
    world = await smallWorld();
  });

  it('journals a body over the limit that arrives without a length as the 413 the caller gets', async () => {
    const padding = ' '.repeat(world.deps.limits.requestBodyBytes);
    const { result, entry } = await world.run(`{ person(fin: "A") { name } }${padding}`);
    assert.equal(result.status, 413);
    assert.equal(result.headers['x-registration-number'], entry?.registrationNumber);
    assert.deepEqual([entry?.decision, entry?.reason, entry?.agency], ['refused', 'QUERY_TOO_COMPLEX', 'AAA']);
  });

  it('journals invalid JSON as the 400 the caller gets', async () => {
    const hub = new HubRequest(
      Object.assign(streamed({ authorization: `Bearer ${await world.token({ agency: 'AAA' })}`, 'x-purpose': 'check' }), {
        method: 'POST',
        socket: { remoteAddress: '10.9.9.9' },
      }),
      'query',
      new Date(),
    );
    const running = world.pipelines.graphql.run(hub);
    (hub.http as PassThrough & IncomingMessage).end('{"query": ');
    const result = await running;
    assert.equal(result.status, 400);
    const entry = world.journal.entries.find((e) => e.registrationNumber === hub.registrationNumber);
    assert.deepEqual([entry?.decision, entry?.reason], ['refused', 'BAD_REQUEST']);
  });

  it('passes GET /operations through identity, admission, the address limit and the journal', async () => {
    const names = world.pipelines.operations.stages.map((s) => s.name);
    for (const stage of ['registration', 'journal', 'admission', 'http', 'address-limit', 'identity']) assert.ok(names.includes(stage), stage);
    const token = await world.token({ agency: 'AAA', roles: ['officer'] });
    const hub = new HubRequest(fakeHttp({ method: 'GET', headers: { authorization: `Bearer ${token}` } }), 'query', new Date());
    const result = await world.pipelines.operations.run(hub);
    assert.equal(result.status, 200);
    const listed = (result.body.data as { operations: Array<{ name: string }> }).operations.map((o) => o.name);
    assert.deepEqual(listed, ['AAA/personCrossings', 'AAA/personName'], "the caller's own body's operations only");
    const entry = world.journal.entries.find((e) => e.registrationNumber === hub.registrationNumber);
    assert.deepEqual([entry?.decision, entry?.agency], ['allowed', 'AAA']);
    const anonymous = new HubRequest(fakeHttp({ method: 'GET' }), 'query', new Date());
    assert.equal((await world.pipelines.operations.run(anonymous)).status, 401);
    assert.equal(world.journal.entries.find((e) => e.registrationNumber === anonymous.registrationNumber)?.reason, 'UNAUTHENTICATED');
    const posted = new HubRequest(fakeHttp({ method: 'POST', headers: { authorization: `Bearer ${token}` } }), 'query', new Date());
    const wrong = await world.pipelines.operations.run(posted);
    assert.deepEqual([wrong.status, wrong.headers['allow']], [405, 'GET']);
    assert.equal(world.journal.entries.find((e) => e.registrationNumber === posted.registrationNumber)?.reason, 'BAD_REQUEST');
  });
});
