import { DatabaseError, Pool } from 'pg';
import { APPEND_JOURNAL_SQL, correctionOf, journalRow, type JournalEntry } from '@hub/audit';
import { poolTarget } from '@hub/kit';
import type { JournalUpkeep } from './upkeep';

/**
 * Appends to the central audit journal (6.9) with group commit: records that arrive while a
 * batch is being written go together into the next one, so under load each request waits
 * for one shared commit instead of its own. A record is durable before its caller gets an
 * answer; a failure rejects every waiting record, and the server answers AUDIT_UNAVAILABLE.
 * The database extends the hash chain under a transaction-level advisory lock (audit.append_journal), so several gateway
 * replicas append to one chain. A write whose outcome is unknown (the connection lost after
 * the statement was sent: it may have committed) is owed a correction for each of its records,
 * appended with the next write or within PROBE_INTERVAL_MS of the journal being writable again
 * (decision 0018).
 */
export interface AuditJournal {
  append(entry: JournalEntry): Promise<void>;
  /** Writes what is queued; used on shutdown. */
  drain(): Promise<void>;
  ping(): Promise<boolean>;
  /** The server (address:port) the last successful ping reached: after a failover, the new primary. */
  writesTo?(): string | null;
  queueDepth(): number;
  close(): Promise<void>;
}

/**
 * Records wait in one of two lanes, each written one group at a time by its own connection. A
 * caller who proved who they are never waits behind a flood's refusals: records with no
 * verified caller (refused before identity) go in a lane of their own, in smaller groups, so
 * the chain lock a group of them holds in the database is short. Both lanes extend the one chain.
 */
const MAX_BATCH = { identified: 500, anonymous: 50 } as const;
type LaneName = keyof typeof MAX_BATCH;

/** A written group of anonymous records is acknowledged this many per turn of the event loop, so its answers never hold it. */
export const ANONYMOUS_ACKS_PER_TURN = 16;
/** How long an anonymous group waits, at most, for the verified callers' group being written, so it does not take the chain lock before it. */
const ANONYMOUS_MAX_YIELD_MS = 25;

export interface JournalLimits {
  /** How long one group commit may take before the journal counts as unwritable. */
  writeTimeoutMs: number;
  /** Records that may wait for a commit, corrections owed included; past that, AUDIT_UNAVAILABLE at once. */
  maxQueued: number;
}

export const DEFAULT_JOURNAL_LIMITS: JournalLimits = { writeTimeoutMs: 1_000, maxQueued: 20_000 };

/** Why a record was refused at once rather than written. */
export class JournalUnavailable extends Error {
  constructor(readonly reason: 'queue_full' | 'unwritable') {
    super(reason === 'queue_full' ? 'the audit journal queue is full' : 'the audit journal cannot be written');
  }
}

/** How often an unwritable journal is tried again in the background. */
const PROBE_INTERVAL_MS = 500;

interface Pending {
  entry: JournalEntry;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Lane {
  readonly maxBatch: number;
  readonly acksPerTurn: number;
  queue: Pending[];
  writing: Promise<void> | null;
}

export class PostgresAuditJournal implements AuditJournal {
  private readonly lanes: Record<LaneName, Lane> = {
    identified: { maxBatch: MAX_BATCH.identified, acksPerTurn: MAX_BATCH.identified, queue: [], writing: null },
    anonymous: { maxBatch: MAX_BATCH.anonymous, acksPerTurn: ANONYMOUS_ACKS_PER_TURN, queue: [], writing: null },
  };
  /** Set while the database does not take writes: records are refused at once and a probe runs. */
  private down: NodeJS.Timeout | null = null;
  private upkeep: JournalUpkeep | null = null;
  /** Corrections owed for records whose write may or may not have committed; each group written carries them first. */
  private corrections: JournalEntry[] = [];
  /** Writes the corrections owed when no record comes to carry them. */
  private correctionRetry: NodeJS.Timeout | null = null;
  private server: string | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly limits: JournalLimits = DEFAULT_JOURNAL_LIMITS,
  ) {}

  static connect(url: string, limits: JournalLimits = DEFAULT_JOURNAL_LIMITS, poolSize = 4): PostgresAuditJournal {
    // A database that accepts connections but does not answer fails requests closed within
    // writeTimeoutMs (writeAll's timer); the pool's own bounds, a little longer, free its clients.
    const pool = new Pool({
      ...poolTarget(url),
      max: poolSize,
      connectionTimeoutMillis: limits.writeTimeoutMs + 1_000,
      query_timeout: limits.writeTimeoutMs + 1_000,
      keepAlive: true,
      application_name: 'hub-gateway-audit',
    });
    // An idle client losing its server must not crash the gateway; the next write fails closed instead.
    pool.on('error', () => undefined);
    return new PostgresAuditJournal(pool, limits);
  }

  /** Partitions and signed checkpoints (journal/upkeep.ts); stopped, with a last checkpoint, on close. */
  keepUp(upkeep: JournalUpkeep): this {
    this.upkeep = upkeep;
    return this;
  }

  append(entry: JournalEntry): Promise<void> {
    if (this.down) return this.refuse('unwritable');
    if (this.queueDepth() >= this.limits.maxQueued) return this.refuse('queue_full');
    const lane = this.lanes[entry.agency === null ? 'anonymous' : 'identified'];
    return new Promise((resolve, reject) => {
      lane.queue.push({ entry, resolve, reject });
      if (!lane.writing) lane.writing = this.writeAll(lane);
    });
  }

  private refuse(reason: 'queue_full' | 'unwritable'): Promise<never> {
    return Promise.reject(new JournalUnavailable(reason));
  }

  /** The journal failed a write: everything waiting is refused now, and a probe finds out when it is back. */
  private markDown(): void {
    if (this.down) return;
    for (const lane of Object.values(this.lanes)) {
      for (const p of lane.queue.splice(0)) p.reject(new JournalUnavailable('unwritable'));
    }
    this.down = setInterval(() => void this.ping(), PROBE_INTERVAL_MS);
    // Never what keeps a stopping process alive.
    this.down.unref();
  }

  async drain(): Promise<void> {
    this.writeCorrections();
    const writing = () => Object.values(this.lanes).flatMap((lane) => (lane.writing ? [lane.writing] : []));
    for (let now = writing(); now.length > 0; now = writing()) await Promise.all(now);
  }

  queueDepth(): number {
    return this.lanes.identified.queue.length + this.lanes.anonymous.queue.length + this.corrections.length;
  }

  /** Corrections owed, once the journal takes writes: carried by the group being written, or written on their own. */
  private writeCorrections(): void {
    const lane = this.lanes.identified;
    if (this.corrections.length > 0 && !this.down && !lane.writing) lane.writing = this.writeAll(lane);
  }

  private retryCorrections(): void {
    if (this.corrections.length === 0 || this.correctionRetry) return;
    this.correctionRetry = setTimeout(() => {
      this.correctionRetry = null;
      this.writeCorrections();
    }, PROBE_INTERVAL_MS);
    // Never what keeps a stopping process alive: close() drains what is owed.
    this.correctionRetry.unref();
  }

  async ping(): Promise<boolean> {
    try {
      // The probe is bounded like a write: a silent database is not writable.
      // Writable, not merely readable: a standby, a read-only database or a revoked grant is not ready.
      const { rows } = await this.pool.query<{ writable: boolean; server: string | null }>(
        "SELECT has_table_privilege('audit.journal', 'INSERT') AND current_setting('transaction_read_only') = 'off' AS writable, host(inet_server_addr()) || ':' || inet_server_port() AS server",
      );
      const writable = rows[0]?.writable === true;
      if (writable) this.server = rows[0]?.server ?? 'local socket';
      // Any probe that finds it writable (the background one, /ready) lets records through again.
      if (writable && this.down) {
        clearInterval(this.down);
        this.down = null;
        this.writeCorrections();
      }
      return writable;
    } catch {
      return false;
    }
  }

  writesTo(): string | null {
    return this.server;
  }

  async close(): Promise<void> {
    await this.drain();
    if (this.down) clearInterval(this.down);
    if (this.correctionRetry) clearTimeout(this.correctionRetry);
    await this.upkeep?.stop();
    await this.pool.end();
  }

  private async writeAll(lane: Lane): Promise<void> {
    // Let the records of requests finishing in the same tick join this batch.
    await new Promise((resolve) => setImmediate(resolve));
    // Corrections alone are tried once per start: a journal that fails them is tried again later, not in a loop.
    for (let first = true; lane.queue.length > 0 || (first && this.corrections.length > 0); first = false) {
      if (lane === this.lanes.anonymous) await this.yieldToIdentified();
      const batch = lane.queue.splice(0, lane.maxBatch);
      // Before the records that follow them, so the chain says what a caller got before anything later.
      const corrections = this.corrections.splice(0);
      let timer: NodeJS.Timeout | undefined;
      const silent = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new JournalUnavailable('unwritable')), this.limits.writeTimeoutMs);
      });
      const attempt: Attempt = { sent: false, abandoned: false };
      try {
        await Promise.race([this.writeBatch([...corrections, ...batch.map((p) => p.entry)], attempt), silent]);
        clearTimeout(timer);
        for (let i = 0; i < batch.length; i += lane.acksPerTurn) {
          if (i > 0) await new Promise((resolve) => setImmediate(resolve));
          for (const p of batch.slice(i, i + lane.acksPerTurn)) p.resolve();
        }
      } catch (error) {
        attempt.abandoned = true;
        // Still owed; and if this group may have committed, each record in it is owed one too (its caller gets AUDIT_UNAVAILABLE).
        this.corrections.unshift(...corrections);
        if (inDoubt(error, attempt.sent)) this.corrections.push(...batch.map((p) => correctionOf(p.entry)));
        this.retryCorrections();
        for (const p of batch) p.reject(error as Error);
        // A database that does not answer in time is refused at once until a probe finds it back;
        // an error it answers with (a dropped connection, a restart) fails this batch only.
        if (error instanceof JournalUnavailable) this.markDown();
      } finally {
        clearTimeout(timer);
      }
    }
    lane.writing = null;
  }

  private async yieldToIdentified(): Promise<void> {
    const writing = this.lanes.identified.writing;
    if (!writing) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      writing,
      new Promise((resolve) => {
        timer = setTimeout(resolve, ANONYMOUS_MAX_YIELD_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  private async writeBatch(entries: JournalEntry[], attempt: Attempt): Promise<void> {
    const client = await this.pool.connect();
    // Its callers were answered AUDIT_UNAVAILABLE while it connected: sent now, it could commit unseen.
    if (attempt.abandoned) return client.release();
    // A connection lost while checked out is told here as well as to the query: never an uncaught error.
    client.on('error', ignore);
    attempt.sent = true;
    try {
      // One statement: the database takes the chain lock, reads the last hash and appends in order.
      await client.query(APPEND_JOURNAL_SQL, [JSON.stringify(entries.map(journalRow))]);
      client.release();
    } catch (error) {
      // A connection that failed mid-statement is not given to the next write.
      client.release(!(error instanceof DatabaseError));
      throw error;
    } finally {
      client.off('error', ignore);
    }
  }
}

const ignore = () => undefined;

/** One group's write: whether its statement went out, and whether its callers were already answered without it. */
interface Attempt {
  sent: boolean;
  abandoned: boolean;
}

/**
 * Whether a failed write may nevertheless have committed. A write never sent (no connection
 * made) did nothing; the database's own error (a refused statement, read-only) means it rolled
 * back; anything else once sent — the connection lost, no reply in time — leaves the commit unknown.
 */
function inDoubt(error: unknown, sent: boolean): boolean {
  return sent && !(error instanceof DatabaseError);
}

/** Draws this replica's number from the journal's database, so no two replicas share one. */
export async function allocateReplicaNumber(url: string): Promise<number> {
  const pool = new Pool({ ...poolTarget(url), max: 1 });
  try {
    const { rows } = await pool.query<{ n: string }>("SELECT nextval('audit.gateway_replica_seq') AS n");
    return Number(rows[0]?.n);
  } finally {
    await pool.end();
  }
}
