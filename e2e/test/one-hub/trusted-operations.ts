import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import { loadLimitsPolicy, loadOperations, loadPolicies, type RegisteredOperation } from '@hub/gateway';
import { demoPeople } from '@hub/kit/synthetic';
import { POLICIES_DIR, sharedTestHub, type TestHub } from '../../src/hub';

const ROOT = resolve(__dirname, '../../../..');
const LIMITS = loadLimitsPolicy(POLICIES_DIR).byRole.get('system')!;

interface Reply {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    extensions: { registrationNumber: string };
  };
}

describe('trusted operations (R7, R6)', () => {
  let hub: TestHub;
  let db: Client;
  let operations: Map<string, RegisteredOperation>;
  let fin: { citizen: string; restricted: string };
  const tokens: Record<string, string> = {};

  before(async () => {
    hub = await sharedTestHub('trusted-operations');
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    operations = new Map(loadOperations(POLICIES_DIR, hub.policies).map((o) => [o.name, o]));
    const people = demoPeople(hub.population);
    fin = { citizen: people.find((p) => p.case === 'citizen-full')!.fin, restricted: people.find((p) => p.case === 'restricted-by-SBS')!.fin };
    for (const agency of ['SBS', 'MOJ', 'MIA']) tokens[agency] = await hub.token({ agency, roles: ['system'], sub: `${agency.toLowerCase()}-system` });
  });
  after(async () => {
    await db.end();
  });

  async function post(token: string, body: unknown, purpose = 'identity-check'): Promise<Reply> {
    const res = await request(hub.gateway.server)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${token}`)
      .set('x-purpose', purpose)
      .send(JSON.stringify(body));
    return { status: res.status, body: res.body as Reply['body'] };
  }

  const idOf = (name: string) => operations.get(name)!.id;

  async function journalOf(reply: Reply) {
    const { rows } = await db.query<{
      operation_name: string | null;
      operation_id: string | null;
      decision: string;
      reason: string | null;
      attempt_to_exceed_authority: boolean;
      agency: string;
    }>('SELECT operation_name, operation_id, decision, reason, attempt_to_exceed_authority, agency FROM audit.journal WHERE registration_number = $1', [
      reply.body.extensions.registrationNumber,
    ]);
    assert.equal(rows.length, 1);
    return rows[0]!;
  }

  /** The whole journal row, every column as text. */
  async function journalRowOf(reply: Reply): Promise<string> {
    const { rows } = await db.query<{ row: string }>('SELECT to_jsonb(j)::text AS row FROM audit.journal j WHERE registration_number = $1', [
      reply.body.extensions.registrationNumber,
    ]);
    return rows[0]!.row;
  }

  it("registers operations of SBS, MIA and MOJ, each within its body's access levels", () => {
    assert.deepEqual([...operations.keys()].sort(), ['MIA/identityCheckByFin', 'MOJ/debtorByFin', 'SBS/borderCheckByFin', 'SBS/borderCheckByPassport']);
  });

  it('serves a border system its registered operation and journals its reviewed name and id', async () => {
    const reply = await post(tokens['SBS']!, { documentId: idOf('SBS/borderCheckByFin'), variables: { fin: fin.restricted } }, 'border-control');
    assert.equal(reply.status, 200, JSON.stringify(reply.body.errors));
    assert.equal(reply.body.errors, undefined);
    assert.deepEqual((reply.body.data!['person'] as { restrictionCheck: unknown }).restrictionCheck, {
      hit: true,
      contactAgencies: ['SBS'],
      checkedAt: (reply.body.data!['person'] as { restrictionCheck: { checkedAt: string } }).restrictionCheck.checkedAt,
    });
    assert.deepEqual(await journalOf(reply), {
      operation_name: 'SBS/borderCheckByFin',
      operation_id: idOf('SBS/borderCheckByFin'),
      decision: 'allowed',
      reason: null,
      attempt_to_exceed_authority: false,
      agency: 'SBS',
    });
    // The same operation in Apollo's persisted-query form.
    const apollo = await post(
      tokens['SBS']!,
      { extensions: { persistedQuery: { version: 1, sha256Hash: idOf('SBS/borderCheckByFin').slice(7) } }, variables: { fin: fin.citizen } },
      'border-control',
    );
    assert.equal(apollo.status, 200, JSON.stringify(apollo.body.errors));
    const journaled = await journalOf(apollo);
    assert.deepEqual([journaled.operation_name, journaled.operation_id], ['SBS/borderCheckByFin', idOf('SBS/borderCheckByFin')]);
  });

  it('serves an enforcement system the debtor lookup (Elektron icra 11.3)', async () => {
    const reply = await post(tokens['MOJ']!, { documentId: idOf('MOJ/debtorByFin'), variables: { fin: fin.citizen } }, 'enforcement-proceedings');
    assert.equal(reply.status, 200, JSON.stringify(reply.body.errors));
    assert.equal(reply.body.errors, undefined);
    assert.equal((reply.body.data!['person'] as { enforcementCases: unknown[] }).enforcementCases.length, 2);
    const journaled = await journalOf(reply);
    assert.deepEqual([journaled.operation_name, journaled.operation_id], ['MOJ/debtorByFin', idOf('MOJ/debtorByFin')]);
  });

  it("answers an unknown id and another body's id alike, journaled with neither name nor id, no subgraph called", async () => {
    const ids = [`sha256:${'ab'.repeat(32)}`, idOf('MOJ/debtorByFin')];
    const [unknown, foreign] = [
      await post(tokens['SBS']!, { documentId: ids[0], variables: { fin: fin.citizen } }),
      await post(tokens['SBS']!, { documentId: ids[1], variables: { fin: fin.citizen } }),
    ];
    // Apollo's form of an unknown id.
    const apollo = await post(tokens['SBS']!, { extensions: { persistedQuery: { version: 1, sha256Hash: 'cd'.repeat(32) } }, variables: { fin: fin.citizen } });
    ids.push(`sha256:${'cd'.repeat(32)}`);
    for (const [i, reply] of [unknown, foreign, apollo].entries()) {
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body.errors, [
        { message: 'No registered operation of your body has this id.', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
      ]);
      assert.deepEqual(await journalOf(reply), {
        operation_name: null,
        operation_id: null,
        decision: 'refused',
        reason: 'PERSISTED_QUERY_NOT_FOUND',
        attempt_to_exceed_authority: false,
        agency: 'SBS',
      });
      // The id the caller sent is its text (R6): nothing of it is in the record.
      assert.ok(!(await journalRowOf(reply)).includes(ids[i]!.slice('sha256:'.length, 'sha256:'.length + 16)), 'nothing of the id sent is journaled');
      assert.deepEqual(await hub.subgraphsCalled(reply.body.extensions.registrationNumber), []);
    }
  });

  it('refuses ad-hoc text from a ministry system and journals it as an attempt to exceed authority', async () => {
    const reply = await post(tokens['MIA']!, { query: 'query($fin: ID!) { person(fin: $fin) { citizen { firstName } } }', variables: { fin: fin.citizen } });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.errors?.[0]?.extensions?.['code'], 'PERSISTED_QUERY_REQUIRED');
    assert.deepEqual(await journalOf(reply), {
      operation_name: null,
      operation_id: null,
      decision: 'refused',
      reason: 'PERSISTED_QUERY_REQUIRED',
      attempt_to_exceed_authority: true,
      agency: 'MIA',
    });
    assert.deepEqual(await hub.subgraphsCalled(reply.body.extensions.registrationNumber), []);
  });

  it('serves ad-hoc text to an officer, journaled with neither name nor id', async () => {
    const res = await hub.query('query Mine($fin: ID!) { person(fin: $fin) { citizen { firstName } } }', { fin: fin.citizen });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined);
    const journaled = await journalOf({ status: res.status, body: res.body as Reply['body'] });
    assert.deepEqual([journaled.operation_name, journaled.operation_id], [null, null]);
  });

  it('checks the variables per request: a page size over the limit is refused before any subgraph', async () => {
    const reply = await post(
      tokens['MOJ']!,
      { documentId: idOf('MOJ/debtorByFin'), variables: { fin: fin.citizen, first: LIMITS.pageSize + 1 } },
      'enforcement-proceedings',
    );
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.errors?.[0]?.extensions, { code: 'QUERY_TOO_COMPLEX', limit: 'pageSize', max: LIMITS.pageSize, found: LIMITS.pageSize + 1 });
    assert.deepEqual(await journalOf(reply), {
      operation_name: 'MOJ/debtorByFin',
      operation_id: idOf('MOJ/debtorByFin'),
      decision: 'refused',
      reason: 'QUERY_TOO_COMPLEX',
      attempt_to_exceed_authority: true,
      agency: 'MOJ',
    });
    assert.deepEqual(await hub.subgraphsCalled(reply.body.extensions.registrationNumber), []);
  });

  it("gives a signed-in caller its own body's registered operations for the playground, and nothing without a token", async () => {
    const officer = await hub.token({ agency: 'SBS', roles: ['officer'] });
    const res = await request(hub.gateway.server).get('/operations').set('authorization', `Bearer ${officer}`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.operations.map((o: { name: string; id: string; variables: string[] }) => [o.name, o.id, o.variables]),
      [
        ['SBS/borderCheckByFin', idOf('SBS/borderCheckByFin'), ['fin']],
        ['SBS/borderCheckByPassport', idOf('SBS/borderCheckByPassport'), ['number']],
      ],
    );
    const anonymous = await request(hub.gateway.server).get('/operations');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.operations, undefined);
  });

  it('lets auditors filter the history by registered operation, by reviewed name or by id', async () => {
    const served = await post(tokens['SBS']!, { documentId: idOf('SBS/borderCheckByPassport'), variables: { number: 'X0000000' } }, 'border-control');
    assert.equal(served.status, 200, JSON.stringify(served.body.errors));
    const auditor = await hub.token({ agency: 'MIA', roles: ['auditor'] });
    const history = (filter: Record<string, string>) =>
      hub.query(
        'query($filter: AuditFilter) { auditRecords(filter: $filter, first: 50) { total items { registrationNumber operationName operationId } } }',
        { filter },
        { token: auditor, purpose: 'audit' },
      );
    const expected = {
      total: 1,
      items: [
        {
          registrationNumber: served.body.extensions.registrationNumber,
          operationName: 'SBS/borderCheckByPassport',
          operationId: idOf('SBS/borderCheckByPassport'),
        },
      ],
    };
    for (const filter of [{ operationName: 'SBS/borderCheckByPassport' }, { operationId: idOf('SBS/borderCheckByPassport') }]) {
      const res = await history(filter);
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.deepEqual(res.body.data.auditRecords, expected, JSON.stringify(filter));
    }
    const malformed = await history({ operationId: 'SBS/borderCheckByPassport' });
    const { code, argument } = malformed.body.errors?.[0]?.extensions ?? {};
    assert.deepEqual([code, argument], ['BAD_USER_INPUT', 'operationId']);
  });
});

describe('start-up check of the registered operations', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the policies with one more operation. */
  function policiesWith(agency: string, name: string, text: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'hub-operations-'));
    dirs.push(dir);
    cpSync(POLICIES_DIR, dir, { recursive: true });
    mkdirSync(join(dir, 'operations', agency), { recursive: true });
    writeFileSync(join(dir, 'operations', agency, `${name}.graphql`), text);
    return dir;
  }

  const run = (entry: string, policiesDir: string) =>
    promisify(execFile)(process.execPath, [resolve(ROOT, entry)], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        POLICIES_DIR: policiesDir,
        SUPERGRAPH_PATH: resolve(ROOT, 'schema/supergraph.graphql'),
        HUB_KEYS_DIR: join(policiesDir, '.keys'),
        PORT: '0',
        LOG_LEVEL: 'error',
        // Never reached: the check comes before the journal's database.
        DATABASE_URL: 'postgres://127.0.0.1:1/unreachable',
      },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it("operations:check passes the registered operations and prints each one's id, the id the gateway serves it by", async () => {
    const check = await run('scripts/dist/src/operations-check.js', POLICIES_DIR);
    assert.equal(check.code, 0, check.stderr);
    const registered = loadOperations(POLICIES_DIR, loadPolicies(POLICIES_DIR, join(POLICIES_DIR, '.keys')));
    assert.equal(registered.length, 4);
    assert.deepEqual(check.stdout.trim().split('\n'), [...registered.map((o) => `${o.id}  ${o.name}`), '4 registered operations: all checked']);
  });

  const cases: Array<[string, string, string, string, RegExp]> = [
    [
      'a resource its body cannot read',
      'SBS',
      'debts',
      'query Debts($fin: ID!) { person(fin: $fin) { enforcementCases { caseNumber amount } } }',
      /reaches the resource "enforcement" \(Person\.enforcementCases\), which SBS cannot read as system/,
    ],
    [
      'an operation that does not validate',
      'MIA',
      'typo',
      'query Typo($fin: ID!) { person(fin: $fin) { citizen { frstName } } }',
      /does not validate against the supergraph: Cannot query field "frstName" on type "Citizen"/,
    ],
    [
      'an operation over a limit',
      'MIA',
      'wide',
      `query Wide { ${Array.from({ length: 6 }, (_, i) => `p${i}: person(fin: "0YYF118") { fin }`).join(' ')} }`,
      /exceeds the system role's limits: The operation exceeds the rootFields limit: 6 > 5/,
    ],
  ];
  for (const [what, agency, name, text, reason] of cases) {
    it(`stops the gateway and fails operations:check for ${what}, naming the agency and the operation`, async () => {
      const dir = policiesWith(agency, name, text);
      const named = new RegExp(`policies/operations/${agency}/${name}\\.graphql \\(agency ${agency}, operation ${agency}/${name}\\): ${reason.source}`);
      const [gateway, check] = await Promise.all([run('gateway/dist/src/main.js', dir), run('scripts/dist/src/operations-check.js', dir)]);
      assert.equal(gateway.code, 1, gateway.stderr);
      // The gateway logs JSON lines (pino): the message is the line's msg.
      const logged = gateway.stderr
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { msg: string }).msg)
        .join('\n');
      assert.match(logged, /^configuration: registered operations: /);
      assert.match(logged, named);
      assert.equal(check.code, 1, check.stderr);
      assert.match(check.stderr, named);
      assert.match(check.stdout, /^sha256:[0-9a-f]{64} {2}MIA\/identityCheckByFin$/m, 'every id is printed');
    });
  }
});
