import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { JournalUnavailable, PostgresAuditJournal } from '../../src/journal/writer';
import { journalEntry } from '../support/journal-entry';

/** A "database" that accepts connections and never says a word: the journal's worst case. */
async function silentServer(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://hub@127.0.0.1:${port}/hub`,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const reasonOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error instanceof JournalUnavailable ? error.reason : 'failed';
  }
  return 'written';
};

describe('the journal writer under a database that does not answer', () => {
  it('refuses past its queue bound at once, fails what waits within its bound, then refuses at once until a probe finds it back', async () => {
    const db = await silentServer();
    const journal = PostgresAuditJournal.connect(db.url, { writeTimeoutMs: 200, maxQueued: 3 });
    try {
      const waiting = [journal.append(journalEntry(1)), journal.append(journalEntry(2)), journal.append(journalEntry(3))];
      assert.equal(await reasonOf(journal.append(journalEntry(4))), 'queue_full', 'the fourth record finds the queue full');
      // The three that were queued fail together once the commit has waited its bound.
      const outcomes = await Promise.all(waiting.map(reasonOf));
      assert.ok(
        outcomes.every((o) => o !== 'written'),
        `nothing is written: ${outcomes.join(', ')}`,
      );
      const attempts = db.connections();
      assert.equal(await reasonOf(journal.append(journalEntry(5))), 'unwritable', 'refused at once while the database is silent');
      assert.equal(db.connections(), attempts, 'without another connection attempt');
    } finally {
      await db.close();
      await journal.close();
    }
  });
});
