import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Client } from 'pg';
import request from 'supertest';
import { loadLimitsPolicy, type RunningGateway } from '@hub/gateway';
import { POLICIES_DIR, startGatewayOver, startTestHub, type TestHub } from '../src/hub';

const MAX_BODY = loadLimitsPolicy(POLICIES_DIR).requestBodyBytes;

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: { errors?: Array<{ extensions?: Record<string, unknown> }>; extensions?: { registrationNumber?: string } };
}

interface JournalRow {
  event: string;
  decision: string;
  reason: string | null;
  agency: string | null;
}

/** Reads an answer to its end; the request may still be sending when it comes (a body over the limit). */
function answerOf(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Answer['body'] }));
    res.on('error', reject);
  });
}

/**
 * Every early exit of the HTTP layer (issue 20): an answer that carries a registration number
 * has its row in the central journal with the decision the caller saw; an answer that carries
 * none came from no pipeline.
 */
describe('the HTTP layer’s early exits, each journaled (R9)', () => {
  let hub: TestHub;
  let db: Client;
  let officer: string;
  const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${officer}`, 'x-purpose': 'identity-check' });

  before(async () => {
    hub = await startTestHub();
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    officer = await hub.token({ agency: 'MIA', roles: ['officer'] });
  });
  after(async () => {
    await db.end();
    await hub.stop();
  });

  async function rowOf(answer: { headers: Record<string, unknown>; body: Answer['body'] }): Promise<JournalRow | undefined> {
    const number = answer.headers['x-registration-number'];
    assert.equal(typeof number, 'string', 'the answer carries a registration number');
    assert.equal(answer.body.extensions?.registrationNumber, number);
    const { rows } = await db.query<JournalRow>('SELECT event, decision, reason, agency FROM audit.journal WHERE registration_number = $1', [number]);
    return rows[0];
  }

  /** Streams a body in chunks (Transfer-Encoding: chunked) until the gateway answers. */
  function chunkedUntilAnswered(gateway: RunningGateway, chunkBytes: number, stopAfterBytes: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: gateway.port, path: '/graphql', method: 'POST', headers: headers() });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        answerOf(res).then((answer) => {
          req.destroy();
          resolve(answer);
        }, reject);
      });
      // Writing on after the gateway closed the connection fails on our side only.
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      req.write('{"query": "{ __typename }", "padding": "');
      let sent = 0;
      const more = () => {
        if (answered || sent >= stopAfterBytes) return;
        sent += chunkBytes;
        if (req.write('x'.repeat(chunkBytes))) setImmediate(more);
        else req.once('drain', more);
      };
      more();
    });
  }

  it('answers a chunked body over the limit 413 with its refusal journaled, like a body over the limit by its length', async () => {
    const answer = await chunkedUntilAnswered(hub.gateway, 8 * 1024, 4 * MAX_BODY);
    assert.equal(answer.status, 413);
    const extensions = answer.body.errors?.[0]?.extensions ?? {};
    assert.deepEqual([extensions['code'], extensions['limit'], extensions['max']], ['QUERY_TOO_COMPLEX', 'requestBodyBytes', MAX_BODY]);
    assert.ok((extensions['found'] as number) > MAX_BODY);
    assert.equal(answer.headers['transfer-encoding'], undefined);
    assert.deepEqual(await rowOf(answer), { event: 'query', decision: 'refused', reason: 'QUERY_TOO_COMPLEX', agency: 'MIA' });
  });

  it('answers a body that stops arriving 408 once the body timeout passes, journaled', async () => {
    const gateway = await startGatewayOver(hub, { bodyTimeoutMs: 300 });
    try {
      // Part of a body, then nothing: the client neither finishes nor goes away.
      const answer = await chunkedUntilAnswered(gateway, 16, 16);
      assert.equal(answer.status, 408);
      assert.deepEqual(answer.body.errors?.[0]?.extensions, { code: 'BAD_REQUEST', reason: 'BODY_TIMEOUT' });
      assert.deepEqual(await rowOf(answer), { event: 'query', decision: 'refused', reason: 'BAD_REQUEST', agency: 'MIA' });
    } finally {
      await gateway.stop();
    }
  });

  it('journals a request whose client went away in the middle of its body', async () => {
    const gateway = await startGatewayOver(hub);
    const sub = 'aborting-client-1';
    const token = await hub.token({ agency: 'MIA', roles: ['officer'], sub });
    const req = httpRequest({
      host: '127.0.0.1',
      port: gateway.port,
      path: '/graphql',
      method: 'POST',
      // The gateway's 100 Continue says it has the request: only then does the client go away.
      headers: { ...headers(), authorization: `Bearer ${token}`, expect: '100-continue' },
    });
    req.on('error', () => undefined);
    await new Promise<void>((resolve) => req.once('continue', resolve));
    req.write('{"query": "{ __typename ');
    req.destroy();
    // A stop waits for every request in flight to be journaled, then flushes the journal.
    await gateway.stop();
    const { rows } = await db.query<JournalRow>('SELECT event, decision, reason, agency FROM audit.journal WHERE sub = $1', [sub]);
    assert.deepEqual(rows, [{ event: 'query', decision: 'refused', reason: 'BAD_REQUEST', agency: 'MIA' }]);
  });

  it('journals invalid JSON, a wrong media type and a wrong method with the answer each got', async () => {
    const cases: Array<[string, () => Promise<request.Response>, number, string]> = [
      ['invalid JSON', () => request(hub.gateway.server).post('/graphql').set(headers()).send('{"query": '), 400, 'BAD_REQUEST'],
      [
        'text/plain',
        () =>
          request(hub.gateway.server)
            .post('/graphql')
            .set({ ...headers(), 'content-type': 'text/plain' })
            .send('{ __typename }'),
        415,
        'BAD_REQUEST',
      ],
      ['GET /graphql', () => request(hub.gateway.server).get('/graphql').set(headers()), 405, 'BAD_REQUEST'],
      ['GET /session/sign-in', () => request(hub.gateway.server).get('/session/sign-in').set(headers()), 405, 'BAD_REQUEST'],
      ['POST /operations', () => request(hub.gateway.server).post('/operations').set(headers()).send({}), 405, 'BAD_REQUEST'],
      ['PUT /me/consents', () => request(hub.gateway.server).put('/me/consents').set(headers()).send({}), 405, 'BAD_REQUEST'],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await send();
      assert.equal(res.status, status, what);
      assert.equal((res.body as Answer['body']).errors?.[0]?.extensions?.['code'], code, what);
      const row = await rowOf(res);
      assert.equal(row?.decision, 'refused', what);
      assert.equal(row?.reason, code, what);
    }
  });

  it('answers a URL that is not an endpoint 404 with a code, and no registration number: no pipeline ran', async () => {
    const res = await request(hub.gateway.server).post('/graphq').set(headers()).send({ query: '{ __typename }' });
    assert.equal(res.status, 404);
    assert.equal((res.body as Answer['body']).errors?.[0]?.extensions?.['code'], 'NOT_FOUND');
    assert.equal(res.headers['x-registration-number'], undefined);
  });

  it('journals GET /operations: the playground’s examples pass the same stages as any request that reads', async () => {
    const sbs = await hub.token({ agency: 'SBS', roles: ['officer'] });
    const listed = await request(hub.gateway.server).get('/operations').set('authorization', `Bearer ${sbs}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(await rowOf({ headers: listed.headers, body: { extensions: { registrationNumber: listed.body.registrationNumber } } }), {
      event: 'query',
      decision: 'allowed',
      reason: null,
      agency: 'SBS',
    });
    const anonymous = await request(hub.gateway.server).get('/operations');
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await rowOf(anonymous), { event: 'query', decision: 'refused', reason: 'UNAUTHENTICATED', agency: null });
  });
});
