import { Pool } from 'pg';
import type { Logger } from 'pino';
import { checkpointHead, type Checkpoint } from '@hub/audit';
import { poolTarget, type SigningKey } from '@hub/kit';

/**
 * What keeps the central journal good for years (issue 16), beside appending: monthly
 * partitions created ahead of time, and the chain's end signed with the gateway's key at a
 * fixed interval, into audit.checkpoints and into AUDIT_CHECKPOINT_DIR, outside the database.
 * Every replica does both: partitions are created once under a lock, and a checkpoint is
 * skipped when another replica already signed the same end.
 */
export interface UpkeepOptions {
  /** A directory outside the journal's database (another volume, a WORM mount). */
  checkpointDir?: string;
  checkpointEveryMs: number;
  partitionsEveryMs: number;
  monthsAhead: number;
}

export const DAY_MS = 24 * 3600_000;

export class JournalUpkeep {
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly pool: Pool,
    private readonly key: SigningKey,
    private readonly options: UpkeepOptions,
    private readonly logger?: Logger,
  ) {}

  /** Creates the partitions before the first request (failing start-up if it cannot), then keeps at it. */
  static async start(url: string, key: SigningKey, options: UpkeepOptions, logger?: Logger): Promise<JournalUpkeep> {
    const pool = new Pool({
      ...poolTarget(url),
      max: 1,
      connectionTimeoutMillis: 5_000,
      query_timeout: 30_000,
      application_name: 'hub-gateway-journal-upkeep',
    });
    pool.on('error', () => undefined);
    const upkeep = new JournalUpkeep(pool, key, options, logger);
    try {
      await upkeep.ensurePartitions();
    } catch (error) {
      await pool.end();
      throw error;
    }
    upkeep.every(options.partitionsEveryMs, () => upkeep.ensurePartitions(), "cannot create the journal's next partitions");
    upkeep.every(options.checkpointEveryMs, () => upkeep.checkpoint(), 'cannot sign a journal checkpoint');
    return upkeep;
  }

  async ensurePartitions(now = new Date()): Promise<number> {
    const { rows } = await this.pool.query<{ created: number }>(
      `SELECT audit.ensure_journal_partitions($1, $1::timestamptz + make_interval(months => $2)) AS created`,
      [now, this.options.monthsAhead],
    );
    return rows[0]?.created ?? 0;
  }

  async checkpoint(): Promise<Checkpoint | null> {
    return checkpointHead(this.pool, this.key, this.options.checkpointDir);
  }

  /** Signs the end of what this replica wrote (call after the journal drained), then lets go. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    try {
      await this.checkpoint();
    } catch (error) {
      this.logger?.warn({ err: { message: (error as Error).message } }, 'cannot sign the last journal checkpoint');
    }
    await this.pool.end();
  }

  private every(ms: number, task: () => Promise<unknown>, failure: string): void {
    const timer = setInterval(() => {
      task().catch((error: Error) => this.logger?.warn({ err: { message: error.message } }, failure));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
