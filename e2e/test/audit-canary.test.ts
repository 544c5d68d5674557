import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import type request from 'supertest';
import { createLogger } from '@hub/gateway';
import { ALL_SUBGRAPHS, startTestHub, type TestHub } from '../src/hub';
import { CANARY, canary, CANARY_FIN, canaryPeople, refusedCanaryRequests, REFUSED_CANARY_STATUSES, servedCanaryQuery } from '../src/canaries';

/**
 * The query text, variables and argument values never reach the central journal, the
 * subgraphs' journals or the logs (R6). Requests carry canaries in every place a caller's
 * words can go; afterwards every stored row and every log line is searched for them.
 */
describe('nothing of what was asked is kept', () => {
  const logLines: string[] = [];
  let hub: TestHub;
  let db: Client;
  let realFin: string;
  let officer: string;
  let mod: string;
  const issued = new Set<string>();

  const remember = (res: request.Response): request.Response => {
    const reg = res.headers['x-registration-number'];
    assert.ok(reg, `registration number on ${res.status}`);
    issued.add(reg);
    return res;
  };
  before(async () => {
    hub = await startTestHub({
      logger: createLogger('gateway', {
        write: (line: string) => {
          logLines.push(line);
        },
      }),
    });
    // Start-up lines (warm-up) precede every request: the lines under test are the requests'.
    logLines.length = 0;
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    ({ realFin } = canaryPeople(hub));
    officer = await hub.token({ agency: 'MIA', roles: ['officer'] });
    mod = await hub.token({ agency: 'MOD', roles: ['officer'] });
  });
  after(async () => {
    await db.end();
    await hub.stop();
  });

  it('serves queries whose comments, aliases, fragment names, arguments and variables carry canaries', async () => {
    const callers = { officer, mod, realFin, seen: remember };
    await servedCanaryQuery(hub, callers);
    // The same words in requests that fail or are refused at each stage.
    assert.deepEqual(await refusedCanaryRequests(hub, callers), REFUSED_CANARY_STATUSES);
  });

  it('keeps no canary, no searched FİN and no token in any row of the central journal', async () => {
    const { rows } = await db.query<{ row: string; registration_number: string }>('SELECT j::text AS row, registration_number FROM audit.journal j');
    assert.deepEqual(new Set(rows.map((r) => r.registration_number)), issued, 'one row per request');
    for (const { row } of rows) assertClean(row, 'audit.journal');
  });

  it('keeps no canary, no searched FİN and no token in any subgraph journal, and only numbers the hub issued', async () => {
    let total = 0;
    for (const { schema } of ALL_SUBGRAPHS) {
      const { rows } = await db.query<{ row: string; registration_number: string }>(
        `SELECT t::text AS row, registration_number FROM "${schema}".query_journal t`,
      );
      for (const { row, registration_number } of rows) {
        assertClean(row, `${schema}.query_journal`);
        assert.ok(issued.has(registration_number), `${schema}: ${registration_number} was issued by the hub`);
      }
      total += rows.length;
    }
    // The citizens and restriction-list subgraphs were asked; the proof is not about empty tables.
    assert.ok(total >= 2);
  });

  it('gives each subgraph journal exactly the columns id, queried_on, registration_number, positive: not even the agency', async () => {
    for (const { schema } of ALL_SUBGRAPHS) {
      const { rows } = await db.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'query_journal' ORDER BY column_name",
        [schema],
      );
      assert.deepEqual(
        rows.map((r) => r.column_name),
        ['id', 'positive', 'queried_on', 'registration_number'],
        schema,
      );
    }
  });

  it('logs every request with its registration number on every line, and nothing of what was asked', () => {
    assert.ok(logLines.length >= issued.size);
    const logged = new Set<string>();
    for (const line of logLines) {
      assertClean(line, 'log');
      const entry = JSON.parse(line) as { reg?: string };
      assert.ok(entry.reg && issued.has(entry.reg), `a line without a registration number: ${line}`);
      logged.add(entry.reg);
    }
    assert.deepEqual(logged, issued);
  });

  it('redacts authorization headers, tokens, query text, variables and data should any code pass them to the logger', () => {
    const lines: string[] = [];
    const logger = createLogger('redaction', {
      write: (line: string) => {
        lines.push(line);
      },
    }).child({ reg: 'HUB-TEST' });
    const secret = canary('secret');
    logger.info(
      {
        authorization: `Bearer ${secret}`,
        token: secret,
        query: `{ person(fin: "${secret}") }`,
        variables: { fin: secret },
        data: { person: secret },
        body: secret,
        req: { headers: { authorization: `Bearer ${secret}`, cookie: secret }, body: { query: secret } },
        response: { data: secret },
        request: { query: secret, variables: secret, token: secret },
      },
      'careless',
    );
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes(CANARY), lines[0]);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry['reg'], 'HUB-TEST');
    assert.equal(entry['authorization'], '[redacted]');
    assert.deepEqual(entry['req'], { headers: '[redacted]', body: '[redacted]' });
  });

  function assertClean(text: string, where: string): void {
    const lower = text.toLowerCase();
    assert.ok(!lower.includes(CANARY), `${where} holds a canary: ${text}`);
    for (const [name, value] of [
      ['the canary FİN', CANARY_FIN],
      ['the searched FİN', realFin],
      ['an officer token', officer],
      ['a token', mod],
    ] as const) {
      assert.ok(!text.includes(value), `${where} holds ${name}: ${text}`);
    }
  }
});
