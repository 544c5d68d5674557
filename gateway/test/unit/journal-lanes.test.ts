import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { anonymousRefusal, journalEntry } from '../support/journal-entry';
import { ANONYMOUS_ACKS_PER_TURN, PostgresAuditJournal } from '../../src/journal/writer';

/** A database whose group commits finish when the test says so; it keeps the registration numbers of each group. */
function heldDatabase(): { pool: Pool; groups: string[][]; finish(group: number): void } {
  const groups: string[][] = [];
  const finishes: Array<() => void> = [];
  const client = {
    query: (_sql: string, [rows]: [string]) => {
      groups.push((JSON.parse(rows) as Array<{ registration_number: string }>).map((r) => r.registration_number));
      return new Promise((resolve) => finishes.push(() => resolve({ rows: [] })));
    },
    release: () => undefined,
    on: () => undefined,
    off: () => undefined,
  };
  const pool = { connect: async () => client } as unknown as Pool;
  return { pool, groups, finish: (group) => finishes[group]?.() };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the journal writer under a flood of refusals before identity', () => {
  it("writes a verified caller's record while a group of anonymous refusals is still being written", async () => {
    const db = heldDatabase();
    const journal = new PostgresAuditJournal(db.pool, { writeTimeoutMs: 60_000, maxQueued: 100 });
    const refusals = [1, 2, 3].map((n) => journal.append(anonymousRefusal(n)));
    await nextTurn();
    const officer = journal.append(journalEntry(4));
    await nextTurn();
    assert.deepEqual(db.groups, [['HUB-TEST-1', 'HUB-TEST-2', 'HUB-TEST-3'], ['HUB-TEST-4']], 'its own group, not queued behind theirs');
    db.finish(1);
    await officer;
    db.finish(0);
    await Promise.all(refusals);
  });

  it('acknowledges a written group of anonymous records a few per turn of the event loop', async () => {
    const db = heldDatabase();
    const journal = new PostgresAuditJournal(db.pool, { writeTimeoutMs: 60_000, maxQueued: 100 });
    const refusals = Array.from({ length: 40 }, (_, n) => journal.append(anonymousRefusal(n)));
    await nextTurn();
    db.finish(0);
    let settled = 0;
    for (const r of refusals)
      void r.then(() => {
        settled += 1;
      });
    const perTurn: number[] = [];
    for (let before = 0; settled < refusals.length; before = settled) {
      await nextTurn();
      perTurn.push(settled - before);
    }
    assert.ok(perTurn.length > 1 && Math.max(...perTurn) <= ANONYMOUS_ACKS_PER_TURN, `acknowledged per turn: ${perTurn.join(', ')}`);
  });

  it("lets the verified callers' group take the chain lock first: an anonymous group waits while it is being written", async () => {
    const db = heldDatabase();
    const journal = new PostgresAuditJournal(db.pool, { writeTimeoutMs: 60_000, maxQueued: 100 });
    const officer = journal.append(journalEntry(1));
    await nextTurn();
    const refusal = journal.append(anonymousRefusal(2));
    for (let i = 0; i < 3; i += 1) await nextTurn();
    assert.deepEqual(db.groups, [['HUB-TEST-1']], 'the refusal waits');
    db.finish(0);
    await officer;
    for (let i = 0; i < 3; i += 1) await nextTurn();
    assert.deepEqual(db.groups, [['HUB-TEST-1'], ['HUB-TEST-2']]);
    db.finish(1);
    await refusal;
  });
});
