import { Pool } from 'pg';
import { APPEND_JOURNAL_SQL, journalRow, type JournalEntry } from '@hub/audit';
import type { JournalUpkeep } from './journal-upkeep';

/**
 * Appends to the central audit journal (6.9) with group commit: records that arrive while a
 * batch is being written go together into the next one, so under load each request waits
 * for one shared commit instead of its own. A record is durable before its caller gets an
 * answer; a failure rejects every waiting record, and the server answers AUDIT_UNAVAILABLE.
 * The database extends the hash chain under a transaction-level advisory lock (audit.append_journal), so several gateway
 * replicas append to one chain.
 */
export interface AuditJournal {
  append(entry: JournalEntry): Promise<void>;
  /** Writes what is queued; used on shutdown. */
  drain(): Promise<void>;
  ping(): Promise<boolean>;
  queueDepth(): number;
  close(): Promise<void>;
}

const MAX_BATCH = 500;

interface Pending {
  entry: JournalEntry;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class PostgresAuditJournal implements AuditJournal {
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private upkeep: JournalUpkeep | null = null;

  constructor(private readonly pool: Pool) {}

  static connect(url: string, poolSize = 4): PostgresAuditJournal {
    // A database that stops answering must fail requests closed, not hold them: both waits are bounded.
    const pool = new Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 2_000, query_timeout: 10_000, keepAlive: true, application_name: 'hub-gateway-audit' });
    // An idle client losing its server must not crash the gateway; the next write fails closed instead.
    pool.on('error', () => undefined);
    return new PostgresAuditJournal(pool);
  }

  /** Partitions and signed checkpoints (journal-upkeep.ts); stopped, with a last checkpoint, on close. */
  keepUp(upkeep: JournalUpkeep): this {
    this.upkeep = upkeep;
    return this;
  }

  append(entry: JournalEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.writing) this.writing = this.writeAll();
    });
  }

  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  queueDepth(): number {
    return this.queue.length;
  }

  async ping(): Promise<boolean> {
    try {
      // Writable, not merely readable: a standby, a read-only database or a revoked grant is not ready.
      const { rows } = await this.pool.query<{ writable: boolean }>("SELECT has_table_privilege('audit.journal', 'INSERT') AND current_setting('transaction_read_only') = 'off' AS writable");
      return rows[0]?.writable === true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.drain();
    await this.upkeep?.stop();
    await this.pool.end();
  }

  private async writeAll(): Promise<void> {
    // Let the records of requests finishing in the same tick join this batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.writeBatch(batch.map((p) => p.entry));
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error as Error);
      }
    }
    this.writing = null;
  }

  private async writeBatch(entries: JournalEntry[]): Promise<void> {
    // One statement: the database takes the chain lock, reads the last hash and appends in order.
    await this.pool.query(APPEND_JOURNAL_SQL, [JSON.stringify(entries.map(journalRow))]);
  }
}

/** Draws this replica's number from the journal's database, so no two replicas share one. */
export async function allocateReplicaNumber(url: string): Promise<number> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await pool.query<{ n: string }>("SELECT nextval('audit.gateway_replica_seq') AS n");
    return Number(rows[0]?.n);
  } finally {
    await pool.end();
  }
}
