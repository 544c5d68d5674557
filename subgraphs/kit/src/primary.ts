import { Client } from 'pg';
import { databaseHosts, type DatabaseHost, type DatabaseHosts } from './database-url';

/**
 * A database URL may list several servers, as libpq's does: `postgres://u:p@db-a:5432,db-b:5432/hub`.
 * Connections then go to the one that accepts writes (`pg_is_in_recovery()` false), so after a
 * standby is promoted the pools of the gateway and the subgraphs follow it without a restart
 * (decision 0015). node-postgres has no `target_session_attrs`; this is the one place that does it.
 */

/** How long discovery waits for each server; they are asked at once. */
const PROBE_TIMEOUT_MS = 1_000;

/** The server a list's connections go to now, found again when it stops answering or turns standby. */
class PrimaryTracker {
  private current: DatabaseHost | null = null;
  private finding: Promise<DatabaseHost> | null = null;

  constructor(private readonly list: DatabaseHosts) {}

  primary(): Promise<DatabaseHost> {
    if (this.current) return Promise.resolve(this.current);
    this.finding ??= this.find().finally(() => {
      this.finding = null;
    });
    return this.finding;
  }

  lost(host: DatabaseHost): void {
    if (this.current === host) this.current = null;
  }

  private async find(): Promise<DatabaseHost> {
    const { hosts, urls } = this.list;
    const writable = await Promise.all(urls.map((url) => acceptsWrites(url)));
    const found = hosts.find((_host, i) => writable[i]);
    if (!found) throw new Error(`none of the ${hosts.length} database servers accepts writes`);
    this.current = found;
    return found;
  }
}

async function acceptsWrites(url: string): Promise<boolean> {
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS });
  // An error after the answer (the server going away) must not be unhandled.
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const { rows } = await probe.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    return rows[0]?.standby === false;
  } catch {
    return false;
  } finally {
    // Not awaited: a socket that never opened may never say it closed.
    probe.end().catch(() => undefined);
  }
}

/** pg's Client, connecting to whichever listed server accepts writes; a standby it reaches by mistake is left at once. */
function primaryFollowingClient(tracker: PrimaryTracker): typeof Client {
  return class PrimaryClient extends Client {
    override connect(): Promise<Client>;
    override connect(callback: (err: Error | null) => void): void;
    override connect(callback?: (err: Error | null) => void): Promise<Client> | void {
      // pg-pool passes a callback; everyone else awaits.
      const connected = this.connectToPrimary();
      if (!callback) return connected;
      connected.then(() => callback(null), callback);
    }

    private async connectToPrimary(): Promise<Client> {
      const target = await tracker.primary();
      this.host = target.host;
      this.port = target.port;
      try {
        await super.connect();
        const { rows } = await this.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
        if (rows[0]?.standby !== false) throw new Error(`${target.host}:${target.port} is a standby now`);
      } catch (error) {
        tracker.lost(target);
        // Not awaited: a socket that never opened may never say it closed.
        this.end().catch(() => undefined);
        throw error;
      }
      return this;
    }
  };
}

/** One tracker per URL in a process: the journal's, the consents' and the upkeep's pools follow together. */
const trackers = new Map<string, PrimaryTracker>();

/**
 * What a pg Pool (or typeorm's `url` and `extra`) needs for a database URL: the URL itself when
 * it names one server, else the first server's URL and a Client class that finds the primary.
 */
export function poolTarget(url: string): { connectionString: string; Client?: typeof Client } {
  const list = databaseHosts(url);
  if (list.hosts.length === 1) return { connectionString: url };
  let tracker = trackers.get(url);
  if (!tracker) {
    tracker = new PrimaryTracker(list);
    trackers.set(url, tracker);
  }
  return { connectionString: list.firstUrl, Client: primaryFollowingClient(tracker) };
}
