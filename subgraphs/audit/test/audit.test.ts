import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSubgraph, type TestSubgraph } from '@hub/kit/testing';
import { APPEND_JOURNAL_SQL, auditSubgraph, canonicalOf, correctionOf, entryFromRow, entryHash, GENESIS_HASH, journalRow, type JournalEntry } from '../src';

/**
 * The audit subgraph on its own, reached with assertions as the gateway signs them: the
 * checks it makes itself, behind the gateway's access policy.
 */
function entry(n: number, agency: string): JournalEntry {
  return {
    registrationNumber: `HUB-TEST-${n}`,
    event: 'query',
    receivedAt: new Date(Date.now() - 60_000 + n),
    agency,
    sub: `${agency.toLowerCase()}-officer`,
    roles: ['officer'],
    purpose: 'identity-check',
    caseNumber: null,
    operationType: 'query',
    operationName: null,
    resources: [{ resource: 'citizens', level: 'unlimited', fields: ['Query.person'], positive: true, records: 1 }],
    decision: 'allowed',
    reason: null,
    attemptToExceedAuthority: false,
    errorCodes: [],
    positive: true,
    records: 1,
    durationMs: 1.5,
    clientAddress: null,
  };
}

const PAGE = '{ auditRecords { total items { registrationNumber agency } } }';
const OPERATION_ID = `sha256:${'0123456789abcdef'.repeat(4)}`;
const POLICY_SET = `sha256:${'fedcba9876543210'.repeat(4)}`;

describe('audit subgraph', () => {
  let subgraph: TestSubgraph;
  const agencies = ['MIA', 'MNS', 'MIA', 'SBS'];

  before(async () => {
    subgraph = await startTestSubgraph(auditSubgraph);
    await subgraph.db.query(APPEND_JOURNAL_SQL, [JSON.stringify(agencies.map((agency, n) => journalRow(entry(n, agency))))]);
  });
  after(async () => {
    await subgraph.close();
  });

  it('refuses a caller without the auditor role even when the gateway let it through', async () => {
    for (const roles of [['officer'], ['system'], ['citizen']] as const) {
      const { body } = await subgraph.request(PAGE, undefined, { roles: [...roles], purpose: 'audit' });
      assert.equal(body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN', roles.join());
      assert.equal(body.data, null);
    }
  });

  it('shows an auditor at the restricted level only the records of their own body', async () => {
    const restricted = { roles: ['auditor' as const], purpose: 'audit', agency: 'MIA', level: 'restricted' as const };
    const { body } = await subgraph.request(PAGE, undefined, restricted);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(body.data?.['auditRecords'], {
      total: 2,
      items: [
        { registrationNumber: 'HUB-TEST-2', agency: 'MIA' },
        { registrationNumber: 'HUB-TEST-0', agency: 'MIA' },
      ],
    });
    const other = await subgraph.request('{ auditRecord(registrationNumber: "HUB-TEST-1") { agency } }', undefined, restricted);
    assert.deepEqual(other.body.data, { auditRecord: null });
    const totals = await subgraph.request('{ auditTotals { agency requests } }', undefined, restricted);
    assert.deepEqual(totals.body.data, { auditTotals: [{ agency: 'MIA', requests: 2 }] });

    const unlimited = await subgraph.request(PAGE, undefined, { ...restricted, level: 'unlimited' });
    assert.equal((unlimited.body.data?.['auditRecords'] as { total: number }).total, agencies.length);
  });

  it('takes ISO 8601 dates only in the filter; anything else is BAD_USER_INPUT naming the argument', async () => {
    const auditor = { roles: ['auditor' as const], purpose: 'audit', agency: 'MIA', level: 'unlimited' as const };
    const page = (from: string) =>
      subgraph.request('query($from: String) { auditRecords(filter: { from: $from }) { items { registrationNumber } } }', { from }, auditor);
    for (const from of ['2020-01-01', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00.123+04:00']) {
      assert.equal((await page(from)).body.errors, undefined, from);
    }
    for (const from of ['January 1, 2020', '2020/01/01', '1577836800000', 'yesterday', '2020-13-45']) {
      const { body } = await page(from);
      assert.deepEqual([body.errors?.[0]?.extensions?.['code'], body.errors?.[0]?.extensions?.['argument']], ['BAD_USER_INPUT', 'from'], from);
    }
  });

  it('takes an operation id only as sha256: and 64 hex digits; anything else is BAD_USER_INPUT naming the argument', async () => {
    const auditor = { roles: ['auditor' as const], purpose: 'audit', agency: 'MIA', level: 'unlimited' as const };
    const page = (operationId: string) =>
      subgraph.request(
        'query($id: String) { auditRecords(filter: { operationId: $id }) { total items { registrationNumber } } }',
        { id: operationId },
        auditor,
      );
    assert.deepEqual((await page(OPERATION_ID)).body.data, { auditRecords: { total: 0, items: [] } });
    for (const id of [
      '',
      'SBS/borderCheckByFin',
      OPERATION_ID.slice('sha256:'.length),
      `${OPERATION_ID}0`,
      OPERATION_ID.toUpperCase(),
      `md5:${'0'.repeat(32)}`,
      `sha256:${'g'.repeat(64)}`,
    ]) {
      const { body } = await page(id);
      assert.deepEqual([body.errors?.[0]?.extensions?.['code'], body.errors?.[0]?.extensions?.['argument']], ['BAD_USER_INPUT', 'operationId'], id);
    }
  });
});

describe("the chain's canonical form", () => {
  it("covers a registered operation's id, and leaves out an id that is null or absent, as records before the column have it", () => {
    const before = entry(0, 'MIA');
    assert.equal(before.operationId, undefined);
    assert.equal(canonicalOf({ ...before, operationId: null }), canonicalOf(before));
    assert.doesNotMatch(canonicalOf(before), /operationId/);
    const registered = { ...before, operationName: 'MIA/identityCheckByFin', operationId: OPERATION_ID };
    assert.match(canonicalOf(registered), new RegExp(`"operationId":"${OPERATION_ID}"`));
    assert.notEqual(entryHash(GENESIS_HASH, registered), entryHash(GENESIS_HASH, { ...registered, operationId: `sha256:${'f'.repeat(64)}` }));
    assert.notEqual(entryHash(GENESIS_HASH, registered), entryHash(GENESIS_HASH, { ...registered, operationId: null }));
  });

  it('covers the policy set a record was decided under, and leaves it out when null or absent', () => {
    const before = entry(0, 'MIA');
    assert.equal(canonicalOf({ ...before, policySet: null }), canonicalOf(before));
    const decided = { ...before, policySet: POLICY_SET };
    assert.match(canonicalOf(decided), new RegExp(`"policySet":"${POLICY_SET}"`));
    assert.notEqual(entryHash(GENESIS_HASH, decided), entryHash(GENESIS_HASH, { ...decided, policySet: `sha256:${'e'.repeat(64)}` }));
  });
});

describe('audit.append_journal', () => {
  it('chains records in SQL exactly as chain.ts hashes them', async () => {
    const subgraph = await startTestSubgraph(auditSubgraph);
    try {
      const entries = [
        entry(0, 'MIA'),
        { ...entry(1, 'SBS'), operationName: 'SBS/borderCheckByFin', operationId: OPERATION_ID, policySet: POLICY_SET },
        {
          ...entry(2, 'MNS'),
          resources: [{ resource: 'citizens', level: 'unlimited', fields: ['Citizen.documents'], positive: true, records: 3 }],
          durationMs: 0.1 + 0.2,
        },
      ];
      await subgraph.db.query(APPEND_JOURNAL_SQL, [JSON.stringify(entries.slice(0, 2).map(journalRow))]);
      await subgraph.db.query(APPEND_JOURNAL_SQL, [JSON.stringify(entries.slice(2).map(journalRow))]);
      const rows = (await subgraph.db.query('SELECT * FROM audit.journal ORDER BY seq')) as Array<
        Record<string, unknown> & { prev_hash: string; hash: string }
      >;
      let prev = GENESIS_HASH;
      rows.forEach((row, i) => {
        assert.equal(row.prev_hash, prev);
        assert.equal(row.hash, entryHash(prev, entries[i]!));
        // What audit:verify recomputes from the row as stored.
        assert.equal(entryHash(prev, entryFromRow(row)), row.hash);
        prev = row.hash;
      });
      assert.deepEqual(
        rows.map((r) => [r['operation_name'], r['operation_id'], r['policy_set']]),
        [
          [null, null, null],
          ['SBS/borderCheckByFin', OPERATION_ID, POLICY_SET],
          [null, null, null],
        ],
      );
    } finally {
      await subgraph.close();
    }
  });
});

describe('a correction of an in-doubt record', () => {
  let subgraph: TestSubgraph;
  const auditor = { roles: ['auditor' as const], purpose: 'audit', agency: 'MIA', level: 'unlimited' as const };

  before(async () => {
    subgraph = await startTestSubgraph(auditSubgraph);
    // The record that committed unseen, a later request, then the correction the gateway owed.
    const written = entry(1, 'MIA');
    await subgraph.db.query(APPEND_JOURNAL_SQL, [JSON.stringify([written, entry(2, 'MIA')].map(journalRow))]);
    await subgraph.db.query(APPEND_JOURNAL_SQL, [JSON.stringify([journalRow(correctionOf(written))])]);
  });
  after(async () => {
    await subgraph.close();
  });

  it('is listed beside the record it supersedes, which stays as written', async () => {
    const { body } = await subgraph.request(
      '{ auditRecords(filter: { registrationNumber: "HUB-TEST-1" }) { items { event decision reason errorCodes positive records resources { resource records } } } }',
      undefined,
      auditor,
    );
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(body.data?.['auditRecords'], {
      items: [
        {
          event: 'CORRECTION',
          decision: 'REFUSED',
          reason: 'AUDIT_UNAVAILABLE',
          errorCodes: ['AUDIT_UNAVAILABLE'],
          positive: false,
          records: 0,
          resources: [{ resource: 'citizens', records: 0 }],
        },
        { event: 'QUERY', decision: 'ALLOWED', reason: null, errorCodes: [], positive: true, records: 1, resources: [{ resource: 'citizens', records: 1 }] },
      ],
    });
  });

  it('is the record a registration number names: it says what the caller got', async () => {
    const { body } = await subgraph.request('{ auditRecord(registrationNumber: "HUB-TEST-1") { event decision reason } }', undefined, auditor);
    assert.deepEqual(body.data, { auditRecord: { event: 'CORRECTION', decision: 'REFUSED', reason: 'AUDIT_UNAVAILABLE' } });
  });
});
