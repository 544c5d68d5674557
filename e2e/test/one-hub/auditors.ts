import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { citizenAt, crossingsOf, demoPeople, foreignerAt, type PopulationOptions } from '@hub/kit/synthetic';
import { sharedTestHub, type TestHub } from '../../src/hub';

/**
 * The auditors' view of the query history (6.9.2): an auditor of a body with audit access
 * filters, pages and totals the journal; their own reads are journaled too; no one else
 * reaches it. The traffic is sent by the test, so every expected row is known beforehand.
 */
interface Sent {
  reg: string;
  agency: string | null;
  sub: string | null;
  decision: 'ALLOWED' | 'PARTLY_REFUSED' | 'REFUSED';
  positive: boolean;
  resources: string[];
  batch: 1 | 2;
}

function issuedFins(population: PopulationOptions): Set<string | null> {
  return new Set([
    ...Array.from({ length: population.citizens }, (_, i) => citizenAt(population, i).fin),
    ...Array.from({ length: population.foreigners }, (_, i) => foreignerAt(population, i).fin),
  ]);
}

const HISTORY = `query History($filter: AuditFilter, $first: Int! = 20, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) {
    total nextCursor
    items { registrationNumber event receivedAt agency sub roles purpose decision reason attemptToExceedAuthority positive records resources { resource level fields positive records } }
  }
}`;

describe("the auditors' query history", () => {
  let hub: TestHub;
  let db: Client;
  let auditor: string;
  const sent: Sent[] = [];
  let start: string;
  let mid: string;
  let end: string;

  const history = async (filter: Record<string, unknown>, first = 20, afterCursor?: string) => {
    const res = await hub.query(HISTORY, { filter, first, ...(afterCursor ? { after: afterCursor } : {}) }, { token: auditor, purpose: 'audit' });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return res.body.data.auditRecords as { total: number; nextCursor: string | null; items: Array<Record<string, unknown> & { registrationNumber: string }> };
  };
  const regsOf = (predicate: (s: Sent) => boolean) =>
    sent
      .filter(predicate)
      .map((s) => s.reg)
      .sort();
  const window = { from: '', to: '' };

  before(async () => {
    hub = await sharedTestHub('auditors');
    db = new Client({ connectionString: hub.database.url });
    await db.connect();
    const fin = demoPeople(hub.population).find((p) => p.case === 'citizen-full')!.fin;
    assert.ok(crossingsOf(hub.population, { citizen: 0 }).length > 0, 'the demo citizen has border crossings');
    for (const unknown of ['ZZZZ999', 'ZZZZ998']) assert.ok(!issuedFins(hub.population).has(unknown), unknown);
    auditor = await hub.token({ agency: 'MIA', roles: ['auditor'], sub: 'mia-auditor-1' });
    const mia = await hub.token({ agency: 'MIA', roles: ['officer'], sub: 'mia-officer-42' });
    const mod = await hub.token({ agency: 'MOD', roles: ['officer'], sub: 'mod-officer-1' });
    const sbs = await hub.token({ agency: 'SBS', roles: ['officer'], sub: 'sbs-border-officer' });
    const mns = await hub.token({ agency: 'MNS', roles: ['officer'], sub: 'mns-officer-1' });
    const send = async (batch: 1 | 2, token: string | null, query: string, expected: Omit<Sent, 'reg' | 'batch'>) => {
      const res = await hub.query(query, { fin }, { token });
      const reg = res.headers['x-registration-number'];
      assert.ok(reg, 'every response carries its registration number');
      sent.push({ ...expected, reg, batch });
    };
    const citizen = 'query($fin: ID!) { person(fin: $fin) { citizen { firstName } } }';

    start = new Date().toISOString();
    await sleep(5);
    await send(1, mia, citizen, { agency: 'MIA', sub: 'mia-officer-42', decision: 'ALLOWED', positive: true, resources: ['citizens'] });
    await send(1, mia, 'query($fin: ID!) { person(fin: $fin) { citizen { lastName } } unknown: person(fin: "ZZZZ999") { fin } }', {
      agency: 'MIA',
      sub: 'mia-officer-42',
      decision: 'ALLOWED',
      positive: true,
      resources: ['citizens'],
    });
    await send(1, mia, 'query { person(fin: "ZZZZ998") { citizen { firstName } } }', {
      agency: 'MIA',
      sub: 'mia-officer-42',
      decision: 'ALLOWED',
      positive: false,
      resources: ['citizens'],
    });
    await send(1, mod, 'query($fin: ID!) { person(fin: $fin) { citizen { firstName } borderCrossings { direction } } }', {
      agency: 'MOD',
      sub: 'mod-officer-1',
      decision: 'PARTLY_REFUSED',
      positive: true,
      resources: ['borderCrossings', 'citizens'],
    });
    await send(1, mod, 'query { vehicle(registrationNumber: "10-AB-123") { make } }', {
      agency: 'MOD',
      sub: 'mod-officer-1',
      decision: 'REFUSED',
      positive: false,
      resources: ['borderCrossings'],
    });
    await send(1, sbs, 'query($fin: ID!) { person(fin: $fin) { borderCrossings { direction } } }', {
      agency: 'SBS',
      sub: 'sbs-border-officer',
      decision: 'ALLOWED',
      positive: true,
      resources: ['borderCrossings'],
    });
    await send(1, sbs, 'query($fin: ID!) { person(fin: $fin) { borderCrossings { checkpoint } } }', {
      agency: 'SBS',
      sub: 'sbs-border-officer',
      decision: 'ALLOWED',
      positive: true,
      resources: ['borderCrossings'],
    });
    await send(1, null, citizen, { agency: null, sub: null, decision: 'REFUSED', positive: false, resources: [] });
    await sleep(5);
    mid = new Date().toISOString();
    await sleep(5);
    await send(2, mns, citizen, { agency: 'MNS', sub: 'mns-officer-1', decision: 'ALLOWED', positive: true, resources: ['citizens'] });
    await send(2, mia, citizen, { agency: 'MIA', sub: 'mia-officer-42', decision: 'ALLOWED', positive: true, resources: ['citizens'] });
    await sleep(5);
    end = new Date().toISOString();
    window.from = start;
    window.to = end;
  });
  after(async () => {
    await db.end();
  });

  it('filters by time range, agency, sub, resource, decision, positive result and registration number', async () => {
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ['the whole window', window, regsOf(() => true)],
      ['the first part of the window', { from: start, to: mid }, regsOf((s) => s.batch === 1)],
      ['the second part of the window', { from: mid, to: end }, regsOf((s) => s.batch === 2)],
      ['agency', { ...window, agency: 'MOD' }, regsOf((s) => s.agency === 'MOD')],
      ['sub', { ...window, sub: 'sbs-border-officer' }, regsOf((s) => s.sub === 'sbs-border-officer')],
      ['resource', { ...window, resource: 'borderCrossings' }, regsOf((s) => s.resources.includes('borderCrossings'))],
      ['decision refused', { ...window, decision: 'REFUSED' }, regsOf((s) => s.decision === 'REFUSED')],
      ['decision partly refused', { ...window, decision: 'PARTLY_REFUSED' }, regsOf((s) => s.decision === 'PARTLY_REFUSED')],
      ['no positive result', { ...window, positive: false }, regsOf((s) => !s.positive)],
      ['a positive result', { ...window, positive: true }, regsOf((s) => s.positive)],
      ['registration number', { ...window, registrationNumber: sent[3]!.reg }, [sent[3]!.reg]],
      ['agency and positive result together', { ...window, agency: 'MIA', positive: false }, regsOf((s) => s.agency === 'MIA' && !s.positive)],
    ];
    for (const [name, filter, expected] of cases) {
      assert.ok(expected.length > 0, `${name}: the case selects something`);
      const page = await history(filter);
      assert.deepEqual(page.items.map((i) => i.registrationNumber).sort(), expected, name);
      assert.equal(page.total, expected.length, name);
    }
  });

  it('returns what the journal holds about each request, and never more', async () => {
    const page = await history({ ...window, registrationNumber: sent[3]!.reg });
    const record = page.items[0]!;
    assert.deepEqual(
      { ...record, receivedAt: undefined },
      {
        registrationNumber: sent[3]!.reg,
        event: 'QUERY',
        receivedAt: undefined,
        agency: 'MOD',
        sub: 'mod-officer-1',
        roles: ['officer'],
        purpose: 'identity-check',
        decision: 'PARTLY_REFUSED',
        reason: 'FORBIDDEN',
        attemptToExceedAuthority: true,
        positive: true,
        records: record['records'],
        resources: record['resources'],
      },
    );
    const [borderCrossings, citizens] = record['resources'] as Array<{ resource: string; level: string; fields: string[]; positive: boolean; records: number }>;
    assert.deepEqual({ ...borderCrossings, fields: undefined }, { resource: 'borderCrossings', level: 'none', fields: undefined, positive: false, records: 0 });
    assert.deepEqual(citizens, {
      resource: 'citizens',
      level: 'unlimited',
      fields: ['Citizen.firstName', 'Person.citizen', 'Query.person'],
      positive: true,
      records: record['records'],
    });
    assert.ok(Date.parse(record['receivedAt'] as string) >= Date.parse(start));
  });

  it('pages newest first with nextCursor until the last page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await history(window, 3, cursor);
      assert.equal(page.total, sent.length);
      assert.ok(page.items.length <= 3);
      seen.push(...page.items.map((i) => i.registrationNumber));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    // Sent one after another, so the newest is the last sent.
    assert.deepEqual(seen, sent.map((s) => s.reg).reverse());
  });

  it('totals requests per agency and decision, and per agency per hour', async () => {
    const totals = await hub.query(
      'query($filter: AuditFilter) { auditTotals(filter: $filter) { agency decision requests } }',
      { filter: window },
      { token: auditor, purpose: 'audit' },
    );
    assert.equal(totals.body.errors, undefined, JSON.stringify(totals.body.errors));
    assert.deepEqual(totals.body.data.auditTotals, [
      { agency: null, decision: 'REFUSED', requests: 1 },
      { agency: 'MIA', decision: 'ALLOWED', requests: 4 },
      { agency: 'MNS', decision: 'ALLOWED', requests: 1 },
      { agency: 'MOD', decision: 'PARTLY_REFUSED', requests: 1 },
      { agency: 'MOD', decision: 'REFUSED', requests: 1 },
      { agency: 'SBS', decision: 'ALLOWED', requests: 2 },
    ]);
    const hourly = await hub.query(
      'query($filter: AuditFilter) { auditHourly(filter: $filter) { hour agency requests refusals } }',
      { filter: window },
      { token: auditor, purpose: 'audit' },
    );
    assert.equal(hourly.body.errors, undefined, JSON.stringify(hourly.body.errors));
    const perAgency = new Map<string | null, { requests: number; refusals: number }>();
    for (const row of hourly.body.data.auditHourly as Array<{ hour: string; agency: string | null; requests: number; refusals: number }>) {
      assert.match(row.hour, /T\d\d:00:00\.000Z$/);
      const sum = perAgency.get(row.agency) ?? { requests: 0, refusals: 0 };
      perAgency.set(row.agency, { requests: sum.requests + row.requests, refusals: sum.refusals + row.refusals });
    }
    assert.deepEqual(Object.fromEntries(perAgency), {
      null: { requests: 1, refusals: 1 },
      MIA: { requests: 4, refusals: 0 },
      MNS: { requests: 1, refusals: 0 },
      MOD: { requests: 2, refusals: 2 },
      SBS: { requests: 2, refusals: 0 },
    });
  });

  it("journals the auditors' own reads", async () => {
    const read = await hub.query(HISTORY, { filter: { ...window, agency: 'SBS' } }, { token: auditor, purpose: 'audit' });
    const reg = read.headers['x-registration-number'];
    const page = await history({ registrationNumber: reg });
    assert.equal(page.items.length, 1);
    const record = page.items[0]!;
    assert.deepEqual(
      {
        agency: record['agency'],
        sub: record['sub'],
        roles: record['roles'],
        purpose: record['purpose'],
        decision: record['decision'],
        records: record['records'],
      },
      { agency: 'MIA', sub: 'mia-auditor-1', roles: ['auditor'], purpose: 'audit', decision: 'ALLOWED', records: 2 },
    );
    const [audit] = record['resources'] as Array<{ resource: string; level: string; fields: string[] }>;
    assert.equal(audit!.resource, 'audit');
    assert.equal(audit!.level, 'unlimited');
    assert.ok(audit!.fields.includes('Query.auditRecords') && audit!.fields.includes('AuditRecord.registrationNumber'), audit!.fields.join());
    // The audit resource keeps its own R6 journal of being read, like every subgraph.
    const own = await db.query('SELECT positive FROM audit.query_journal WHERE registration_number = $1', [reg]);
    assert.deepEqual(own.rows, [{ positive: true }]);
  });

  it('lets an auditor of the other body with audit access (MNS) read it too', async () => {
    const mnsAuditor = await hub.token({ agency: 'MNS', roles: ['auditor'] });
    const res = await hub.query(HISTORY, { filter: { ...window, agency: 'MOD' } }, { token: mnsAuditor, purpose: 'audit' });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(
      res.body.data.auditRecords.items.map((i: { registrationNumber: string }) => i.registrationNumber).sort(),
      regsOf((s) => s.agency === 'MOD'),
    );
  });

  // A ministry system sends no text (PERSISTED_QUERY_REQUIRED), and an operation registered for it that
  // read the journal would stop the gateway at start-up (one-hub/trusted-operations.ts).
  it('refuses everyone else, and journals each refusal as an attempt to exceed authority', async () => {
    // purposes.json gives audit to the auditors of MIA and MNS only: elsewhere the claim is refused before the query is read.
    const callers: Array<[string, { agency: string; roles: string[] }, string, Array<[string, string]>]> = [
      ['an officer of MIA', { agency: 'MIA', roles: ['officer'] }, 'identity-check', [['audit', 'none']]],
      ['an auditor of MOJ, a body without audit access', { agency: 'MOJ', roles: ['auditor'] }, 'audit', []],
      ['an auditor of SBS, a body without audit access', { agency: 'SBS', roles: ['auditor'] }, 'audit', []],
    ];
    for (const [name, who, purpose, resources] of callers) {
      const res = await hub.query(HISTORY, { filter: window }, { token: await hub.token(who), purpose });
      assert.equal(res.body.data ?? null, null, name);
      assert.deepEqual(
        res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code),
        ['FORBIDDEN'],
        name,
      );
      const {
        rows: [row],
      } = await db.query<{ decision: string; reason: string; attempt_to_exceed_authority: boolean; resources: Array<{ resource: string; level: string }> }>(
        'SELECT decision, reason, attempt_to_exceed_authority, resources FROM audit.journal WHERE registration_number = $1',
        [res.headers['x-registration-number']],
      );
      assert.deepEqual(
        {
          decision: row!.decision,
          reason: row!.reason,
          attempt: row!.attempt_to_exceed_authority,
          resources: row!.resources.map((r) => [r.resource, r.level]),
        },
        { decision: 'refused', reason: 'FORBIDDEN', attempt: true, resources },
        name,
      );
      // The audit subgraph was never asked.
      const asked = await db.query('SELECT 1 FROM audit.query_journal WHERE registration_number = $1', [res.headers['x-registration-number']]);
      assert.equal(asked.rowCount, 0, name);
    }
  });

  it('refuses malformed page sizes, cursors and times with BAD_USER_INPUT', async () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['first', { first: 0 }],
      ['first', { first: -1 }],
      ['after', { after: 'yesterday' }],
      ['from', { filter: { from: 'last week' } }],
    ];
    for (const [argument, variables] of bad) {
      const res = await hub.query(HISTORY, variables, { token: auditor, purpose: 'audit' });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(variables));
      assert.equal(res.body.errors[0].extensions.argument, argument);
    }
  });

  it('refuses a page larger than the policy allows at the gateway, before the audit subgraph is asked', async () => {
    const res = await hub.query(HISTORY, { first: 51 }, { token: auditor, purpose: 'audit' });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.deepEqual(res.body.errors[0].extensions, { code: 'QUERY_TOO_COMPLEX', limit: 'pageSize', max: 50, found: 51 });
    const asked = await db.query('SELECT 1 FROM audit.query_journal WHERE registration_number = $1', [res.headers['x-registration-number']]);
    assert.equal(asked.rowCount, 0);
  });
});
