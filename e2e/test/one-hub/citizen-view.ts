import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { citizenAt } from '@hub/kit/synthetic';
import { sharedTestHub, type TestHub } from '../../src/hub';

const USES = '{ myDataUses(first: 10) { items { at agency purpose resources found decision } nextCursor } }';

/** R4: a citizen sees which bodies used their data, when and why — not operative search, not others'. */
describe("a citizen's view of the uses of their data", () => {
  let hub: TestHub;
  let fin: string;
  let otherFin: string;
  let citizen: string;
  let other: string;
  /** Border control is the State Border Service's (İAMAS 4.3). */
  let sbs: string;
  const about = new Map<string, string[]>();

  const uses = async (token: string) => {
    const res = await hub.query(USES, undefined, { token, purpose: 'self-access' });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return res.body.data.myDataUses as { items: Array<Record<string, unknown>>; nextCursor: string | null };
  };

  before(async () => {
    hub = await sharedTestHub('citizen-view');
    fin = citizenAt(hub.population, 4).fin;
    otherFin = citizenAt(hub.population, 5).fin;
    citizen = await hub.token({ agency: 'EGOV', roles: ['citizen'], fin });
    other = await hub.token({ agency: 'EGOV', roles: ['citizen'], fin: otherFin });
    sbs = await hub.token({ agency: 'SBS', roles: ['officer'] });
    const person = 'query($fin: ID!) { person(fin: $fin) { citizen { lastName } } }';
    for (const [who, purpose] of [
      [fin, 'identity-check'],
      [fin, 'operative-search'],
      [otherFin, 'border-control'],
    ] as const) {
      const res = await hub.query(person, { fin: who }, { purpose, ...(purpose === 'border-control' ? { token: sbs } : {}) });
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      about.set(who, [...(about.get(who) ?? []), res.headers['x-registration-number'] as string]);
    }
    // The citizen's own reading is not a use by a body.
    const own = await hub.query(person, { fin }, { token: citizen, purpose: 'self-access' });
    assert.equal(own.status, 200);
  });

  it("shows a body's use: when, which body, why, which registers, whether anything was found — nothing of the officer", async () => {
    const { items } = await uses(citizen);
    assert.equal(items.length, 1, JSON.stringify(items));
    const [use] = items;
    assert.deepEqual(
      { ...use, at: undefined },
      { at: undefined, agency: 'MIA', purpose: 'identity-check', resources: ['citizens'], found: true, decision: 'allowed' },
    );
    assert.ok(!Number.isNaN(Date.parse(String(use!['at']))));
  });

  it("hides operative-search uses and the citizen's own requests, and never shows another person's uses", async () => {
    const mine = await uses(citizen);
    assert.ok(mine.items.every((u) => u['purpose'] !== 'operative-search' && u['agency'] !== 'EGOV'));
    assert.ok(mine.items.every((u) => u['purpose'] !== 'border-control'));
    const theirs = await uses(other);
    assert.deepEqual(
      theirs.items.map((u) => u['purpose']),
      ['border-control'],
    );
  });

  it('lists only the registers that gave data out; a register the body was refused is named apart, never as read', async () => {
    const person = citizenAt(hub.population, 9);
    const own = await hub.token({ agency: 'EGOV', roles: ['citizen'], fin: person.fin });
    // The Ministry of Labour reads citizens but has no access to border crossings (Appendix 2).
    const mlsp = await hub.token({ agency: 'MLSP', roles: ['officer'] });
    const asked = await hub.query(
      'query($fin: ID!) { person(fin: $fin) { citizen { lastName } borderCrossings { direction } } }',
      { fin: person.fin },
      { token: mlsp, purpose: 'social-protection' },
    );
    assert.equal(asked.body.data.person.citizen.lastName, person.lastName);
    assert.deepEqual(
      asked.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code),
      ['FORBIDDEN'],
    );
    const res = await hub.query('{ myDataUses(first: 5) { items { agency resources refused decision } } }', undefined, { token: own, purpose: 'self-access' });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(res.body.data.myDataUses.items, [{ agency: 'MLSP', resources: ['citizens'], refused: ['borderCrossings'], decision: 'partly-refused' }]);
  });

  it('pages newest first', async () => {
    await hub.query('query($fin: ID!) { person(fin: $fin) { fin } }', { fin }, { purpose: 'border-control', token: sbs });
    const first = await hub.query('{ myDataUses(first: 1) { items { purpose } nextCursor } }', undefined, { token: citizen, purpose: 'self-access' });
    assert.deepEqual(first.body.data.myDataUses.items, [{ purpose: 'border-control' }]);
    const next = await hub.query(
      'query($after: String) { myDataUses(first: 1, after: $after) { items { purpose } nextCursor } }',
      { after: first.body.data.myDataUses.nextCursor },
      { token: citizen, purpose: 'self-access' },
    );
    assert.deepEqual(next.body.data.myDataUses, { items: [{ purpose: 'identity-check' }], nextCursor: null });
  });

  it('refuses a citizen asking about someone else, and anyone but a citizen asking for "their" uses', async () => {
    const journal = await hub.query('{ auditRecords(first: 5) { items { registrationNumber } } }', undefined, { token: citizen, purpose: 'self-access' });
    assert.equal(journal.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const someoneElse = await hub.query(
      'query($fin: ID!) { person(fin: $fin) { citizen { lastName } } }',
      { fin: otherFin },
      { token: citizen, purpose: 'self-access' },
    );
    assert.equal(someoneElse.body.data?.person?.citizen ?? null, null);
    const officer = await hub.query(USES);
    assert.equal(officer.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('lets an auditor find who looked at a person by FİN, which the hub hashes and never journals in clear', async () => {
    const auditor = await hub.token({ agency: 'MIA', roles: ['auditor'] });
    const search = 'query($fin: String) { auditRecords(first: 50, filter: { subjectFin: $fin }) { items { registrationNumber purpose } total } }';
    const res = await hub.query(search, { fin }, { token: auditor, purpose: 'audit' });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const found = (res.body.data.auditRecords.items as Array<{ registrationNumber: string }>).map((r) => r.registrationNumber);
    for (const reg of about.get(fin)!) assert.ok(found.includes(reg), `${reg} concerned the person`);
    for (const reg of about.get(otherFin)!) assert.ok(!found.includes(reg), `${reg} did not`);
    assert.equal(res.body.data.auditRecords.total, found.length);
    const { Client } = await import('pg');
    const db = new Client({ connectionString: hub.database.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ text: string; subjects: string[] }>(
        'SELECT j::text AS text, subjects FROM audit.journal j WHERE registration_number = $1',
        [res.headers['x-registration-number']],
      );
      assert.equal(rows[0]!.subjects.length, 1);
      assert.doesNotMatch(rows[0]!.text, new RegExp(fin));
    } finally {
      await db.end();
    }
    const bad = await hub.query('{ auditRecords(filter: { subjectFin: "nope" }) { total } }', undefined, { token: auditor, purpose: 'audit' });
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  // docs/rules.md: an auditor's search answers from journal records that include hidden uses; showing it would hint at them (R6).
  it("leaves an auditor's search for the person out of their view, while the journal still names them in it", async () => {
    const before = (await uses(citizen)).items;
    const auditor = await hub.token({ agency: 'MNS', roles: ['auditor'] });
    const search = await hub.query(
      'query($fin: String) { auditRecords(first: 5, filter: { subjectFin: $fin }) { total } }',
      { fin },
      { token: auditor, purpose: 'audit' },
    );
    assert.equal(search.body.errors, undefined, JSON.stringify(search.body.errors));
    assert.deepEqual((await uses(citizen)).items, before);
    const { Client } = await import('pg');
    const db = new Client({ connectionString: hub.database.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ purpose: string; subjects: string[] }>('SELECT purpose, subjects FROM audit.journal WHERE registration_number = $1', [
        search.headers['x-registration-number'],
      ]);
      assert.deepEqual(
        rows.map((r) => [r.purpose, r.subjects.length]),
        [['audit', 1]],
      );
    } finally {
      await db.end();
    }
  });
});
