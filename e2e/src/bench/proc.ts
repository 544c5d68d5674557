import { readdirSync, readFileSync } from 'node:fs';

/**
 * What Linux says about processes: CPU time and memory from /proc, so the benchmark can
 * charge each request's CPU to the gateway, the subgraphs and PostgreSQL separately.
 */

/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

interface Stat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, in milliseconds. */
  cpuMs: number;
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // exited
  }
  // comm may hold spaces and parentheses: the fields after it start at the last ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, close),
    ppid: Number(fields[1]),
    cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
  };
}

/** CPU time (user + system, all threads) each process has used so far; exited processes are left out. */
export function cpuMs(pids: Iterable<number>): Map<number, number> {
  const times = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) times.set(pid, stat.cpuMs);
  }
  return times;
}

function allProcesses(): Stat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is Stat => s !== null);
}

/** The process and all its descendants. */
export function processTree(root: number): number[] {
  const all = allProcesses();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const p of all) if (p.ppid === tree[i]) tree.push(p.pid);
  return tree;
}

/** Direct children of a process whose command line contains `needle`. */
export function childWithCommand(parent: number, needle: string): number | undefined {
  return allProcesses().find((p) => p.ppid === parent && commandLine(p.pid).includes(needle))?.pid;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

export function parentOf(pid: number): number | undefined {
  return readStat(pid)?.ppid;
}

/** Resident memory of a process in bytes (VmRSS), 0 once it has exited. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
