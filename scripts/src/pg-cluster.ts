import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/**
 * Scratch PostgreSQL servers on loopback ports, made with PostgreSQL's own tools (initdb,
 * pg_basebackup, pg_ctl), for the failover and restore drills and the replication benchmark.
 * As root the tools run as the `postgres` user, which owns the scratch folder. Nothing here is
 * for a real deployment: trust authentication on 127.0.0.1, no TLS.
 */
const run = promisify(execFile);

/** Where initdb and friends are: PG_BINDIR, else the newest /usr/lib/postgresql/N/bin, else PATH. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['PG_BINDIR']) return env['PG_BINDIR'];
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : '';
}

const asRoot = process.getuid?.() === 0;

async function tool(name: string, args: string[]): Promise<string> {
  const bin = postgresBinDir();
  const path = bin ? join(bin, name) : name;
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  const { stdout } = await run(command, argv, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** A loopback port nothing listens on now. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` until it holds, at most `timeoutMs`; never a fixed sleep standing in for the condition. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function queryOne<T>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows[0] as T;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export class PgServer {
  constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly port: number,
    private readonly logFile: string,
  ) {}

  /** The `postgres` database; `database` names another. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    await tool('pg_ctl', ['start', '-w', '-t', '60', '-D', this.dataDir, '-l', this.logFile, '-o', `-p ${this.port}`]);
  }

  async stop(): Promise<void> {
    if (this.pid() !== null) await tool('pg_ctl', ['stop', '-m', 'immediate', '-w', '-D', this.dataDir]).catch(() => undefined);
  }

  /** Ends the standby's recovery; waits until it takes writes. */
  async promote(): Promise<void> {
    await tool('pg_ctl', ['promote', '-w', '-t', '60', '-D', this.dataDir]);
  }

  pid(): number | null {
    const file = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return null;
    }
  }

  /** The server dies as with its machine: SIGKILL to the postmaster and every process it started, nothing flushed or said goodbye. */
  kill(): void {
    const pid = this.pid();
    if (pid === null) return;
    const children = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          // Field 4 of /proc/PID/stat is the parent; the command name before it may hold spaces.
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number);
    for (const each of [pid, ...children]) {
      try {
        process.kill(each, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** From now on a commit returns only once `standby` has it on disk (synchronous_commit = on). */
  async requireStandby(standby: string): Promise<void> {
    await queryOne(this.url(), `ALTER SYSTEM SET synchronous_standby_names = '"${standby}"'`);
    await queryOne(this.url(), 'SELECT pg_reload_conf()');
    await waitFor(
      `${standby} to be synchronous`,
      async () =>
        (await queryOne<{ s?: string } | undefined>(this.url(), 'SELECT sync_state AS s FROM pg_stat_replication WHERE application_name = $1', [standby]))
          ?.s === 'sync',
      10_000,
    );
  }

  config(lines: Record<string, string | number>): void {
    appendFileSync(
      join(this.dataDir, 'postgresql.conf'),
      Object.entries(lines)
        .map(([k, v]) => `${k} = ${typeof v === 'number' ? v : `'${v.replace(/'/g, "''")}'`}\n`)
        .join(''),
    );
  }
}

/** A scratch folder under /tmp holding servers, a WAL archive and a base backup; `remove` takes it all away. */
export class ScratchCluster {
  readonly archiveDir: string;
  private readonly servers: PgServer[] = [];

  private constructor(readonly root: string) {
    this.archiveDir = join(root, 'archive');
  }

  static create(prefix: string): ScratchCluster {
    const root = mkdtempSync(join('/tmp', prefix));
    const cluster = new ScratchCluster(root);
    mkdirSync(cluster.archiveDir);
    if (asRoot) {
      const { uid, gid } = postgresUser();
      chownSync(root, uid, gid);
      chownSync(cluster.archiveDir, uid, gid);
    }
    return cluster;
  }

  private server(name: string, port: number): PgServer {
    const server = new PgServer(name, join(this.root, name), port, join(this.root, `${name}.log`));
    this.servers.push(server);
    return server;
  }

  /** A primary that archives its WAL here and lets standbys stream from it. */
  async primary(name: string, port: number): Promise<PgServer> {
    const server = this.server(name, port);
    await tool('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    server.config({
      listen_addresses: '127.0.0.1',
      unix_socket_directories: this.root,
      wal_level: 'replica',
      max_wal_senders: 5,
      synchronous_commit: 'on',
      archive_mode: 'on',
      archive_command: this.archiveCommand(),
      // The drill's scale: small and quick, not tuned.
      shared_buffers: '64MB',
      max_connections: 200,
      fsync: 'on',
    });
    writeFileSync(join(server.dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n');
    await server.start();
    return server;
  }

  /**
   * A streaming standby of `from` (pg_basebackup -R -X stream), known to it as `name`. It archives
   * what it receives too (archive_mode = always): WAL the primary finished but had not archived
   * when it died is still in the archive.
   */
  async standby(from: PgServer, name: string, port: number): Promise<PgServer> {
    const server = this.server(name, port);
    await tool('pg_basebackup', [
      '-D',
      server.dataDir,
      '-h',
      '127.0.0.1',
      '-p',
      String(from.port),
      '-U',
      'postgres',
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
    // The walreceiver introduces itself by cluster_name, which synchronous_standby_names lists.
    server.config({ cluster_name: name, archive_mode: 'always' });
    await server.start();
    return server;
  }

  /** A base backup of `from` in its own folder (tar format would do as well). */
  async baseBackup(from: PgServer, name: string): Promise<string> {
    const dir = join(this.root, name);
    await tool('pg_basebackup', ['-D', dir, '-h', '127.0.0.1', '-p', String(from.port), '-U', 'postgres', '-X', 'stream', '-c', 'fast', '--no-sync']);
    return dir;
  }

  /** A new server from a base backup and a WAL archive, recovered to the archive's end on the latest timeline, then opened for writes. */
  async restore(backupDir: string, archiveDir: string, name: string, port: number): Promise<PgServer> {
    const server = this.server(name, port);
    cpSync(backupDir, server.dataDir, { recursive: true });
    if (asRoot) chownTree(server.dataDir);
    chmodSync(server.dataDir, 0o700);
    server.config({
      restore_command: `cp '${archiveDir}/%f' '%p'`,
      recovery_target_timeline: 'latest',
      recovery_target_action: 'promote',
      archive_mode: 'off',
      synchronous_standby_names: '',
    });
    writeFileSync(join(server.dataDir, 'recovery.signal'), '');
    if (asRoot) chownTree(server.dataDir);
    await server.start();
    await waitFor(`${name} to finish recovery`, async () => !(await queryOne<{ r: boolean }>(server.url(), 'SELECT pg_is_in_recovery() AS r')).r, 120_000);
    return server;
  }

  /** Copies each finished WAL file once; a file already there must be the same (primary and standby both archive). */
  private archiveCommand(): string {
    const target = `${this.archiveDir}/%f`;
    return `test ! -f '${target}' && cp %p '${target}' || cmp -s %p '${target}'`;
  }

  async remove(): Promise<void> {
    for (const server of this.servers) await server.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user: PostgreSQL tools refuse to run as root');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(dir: string): void {
  const { uid, gid } = postgresUser();
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) chownSync(join(entry.parentPath, entry.name), uid, gid);
}
