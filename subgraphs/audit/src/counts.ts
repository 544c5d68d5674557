import type { EntityManager } from 'typeorm';

/**
 * Counting the journal for the auditors' console without re-reading it: whole hours come
 * from audit.journal_hourly, which audit.append_journal keeps, and only the partial hours at
 * the edges of a window (at most two) are counted from the rows, through the time index.
 * Filters the rollup does not keep (an officer's sub, a registration number, an operation,
 * a person) are selective and indexed, so they are counted from the rows.
 */
export interface Criteria {
  from: Date;
  to: Date;
  /** Every agency clause must hold: a restricted auditor's own body, and the filter's. */
  agencies: string[];
  /** The journal's event (the rollup does not keep events). */
  event?: string;
  sub?: string;
  resource?: string;
  decision?: string;
  positive?: boolean;
  registrationNumber?: string;
  /** A registered operation's reviewed name (never caller text: ad-hoc operations have none). */
  operationName?: string;
  /** A registered operation's id, `sha256:<hex>`: the rollup does not keep operations. */
  operationId?: string;
  /** A person, by the keyed hashes of their FİN (any of them): the rollup does not keep persons. */
  subjects?: string[];
}

export type CountKey = 'hour' | 'agency' | 'decision';

export interface CountRow {
  hour?: string;
  agency?: string | null;
  decision?: string;
  requests: number;
  refusals: number;
}

const HOUR_MS = 3600_000;
/** The hour grid both the rollup and the edge counts use, whatever the session's time zone. */
const HOUR_OF = (column: string) => `date_bin('1 hour', ${column}, timestamptz '2000-01-01 00:00:00+00')`;

/** WHERE clause over audit.journal rows, with its parameters numbered from `offset`. */
export function journalWhere(c: Criteria, from: Date, to: Date, offset = 0): { sql: string; params: unknown[] } {
  const params: unknown[] = [from, to];
  const clauses = [`received_at >= $${offset + 1}`, `received_at < $${offset + 2}`];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${offset + params.length}`));
  };
  for (const agency of c.agencies) add('agency = ?', agency);
  if (c.event !== undefined) add('event = ?', c.event);
  if (c.sub !== undefined) add('sub = ?', c.sub);
  if (c.resource !== undefined) add('resource_names @> ARRAY[?]::text[]', c.resource);
  if (c.decision !== undefined) add('decision = ?', c.decision);
  if (c.positive !== undefined) add('positive = ?', c.positive);
  if (c.registrationNumber !== undefined) add('registration_number = ?', c.registrationNumber);
  if (c.operationName !== undefined) add('operation_name = ?', c.operationName);
  if (c.operationId !== undefined) add('operation_id = ?', c.operationId);
  if (c.subjects !== undefined) add('subjects && ?::text[]', c.subjects);
  return { sql: clauses.join(' AND '), params };
}

function rollupWhere(c: Criteria, from: Date, to: Date): { sql: string; params: unknown[] } {
  const params: unknown[] = [c.resource ?? '', from, to];
  const clauses = ['resource = $1', 'hour >= $2', 'hour < $3'];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  for (const agency of c.agencies) add('agency = ?', agency);
  if (c.decision !== undefined) add('decision = ?', c.decision);
  if (c.positive !== undefined) add('positive = ?', c.positive);
  return { sql: clauses.join(' AND '), params };
}

interface RawCount {
  hour?: Date;
  agency?: string | null;
  decision?: string;
  requests: string;
  refusals: string;
}

async function fromRows(db: EntityManager, c: Criteria, keys: CountKey[], from: Date, to: Date): Promise<RawCount[]> {
  const exprs = { hour: `${HOUR_OF('received_at')} AS hour`, agency: 'agency', decision: 'decision' };
  const { sql, params } = journalWhere(c, from, to);
  const select = [...keys.map((k) => exprs[k]), 'count(*) AS requests', "count(*) FILTER (WHERE decision <> 'allowed') AS refusals"];
  return (await db.query(
    `SELECT ${select.join(', ')} FROM audit.journal WHERE ${sql}${keys.length ? ` GROUP BY ${keys.map((_k, i) => i + 1).join(', ')}` : ''}`,
    params,
  )) as RawCount[];
}

async function fromRollup(db: EntityManager, c: Criteria, keys: CountKey[], from: Date, to: Date): Promise<RawCount[]> {
  const exprs = { hour: 'hour', agency: "nullif(agency, '') AS agency", decision: 'decision' };
  const { sql, params } = rollupWhere(c, from, to);
  const select = [...keys.map((k) => exprs[k]), 'sum(requests) AS requests', "coalesce(sum(requests) FILTER (WHERE decision <> 'allowed'), 0) AS refusals"];
  return (await db.query(
    `SELECT ${select.join(', ')} FROM audit.journal_hourly WHERE ${sql}${keys.length ? ` GROUP BY ${keys.map((_k, i) => i + 1).join(', ')}` : ''}`,
    params,
  )) as RawCount[];
}

/** Requests and refusals over the criteria, grouped by the keys, sorted by them (no agency first). */
export async function countJournal(db: EntityManager, c: Criteria, keys: CountKey[]): Promise<CountRow[]> {
  if (c.from >= c.to) return [];
  const firstHour = new Date(Math.ceil(c.from.getTime() / HOUR_MS) * HOUR_MS);
  const lastHour = new Date(Math.floor(c.to.getTime() / HOUR_MS) * HOUR_MS);
  const rollup =
    c.event === undefined &&
    c.sub === undefined &&
    c.registrationNumber === undefined &&
    c.operationName === undefined &&
    c.operationId === undefined &&
    c.subjects === undefined &&
    firstHour < lastHour;
  // One after another: inside the auditor's transaction they share one connection.
  const parts = rollup ? [await fromRollup(db, c, keys, firstHour, lastHour)] : [await fromRows(db, c, keys, c.from, c.to)];
  if (rollup && c.from < firstHour) parts.push(await fromRows(db, c, keys, c.from, firstHour));
  if (rollup && lastHour < c.to) parts.push(await fromRows(db, c, keys, lastHour, c.to));
  const merged = new Map<string, CountRow>();
  for (const row of parts.flat()) {
    const key: CountRow = { requests: 0, refusals: 0 };
    if (keys.includes('hour')) key.hour = row.hour!.toISOString();
    if (keys.includes('agency')) key.agency = row.agency ?? null;
    if (keys.includes('decision')) key.decision = row.decision!;
    const id = JSON.stringify([key.hour, key.agency, key.decision]);
    const into = merged.get(id) ?? merged.set(id, key).get(id)!;
    into.requests += Number(row.requests);
    into.refusals += Number(row.refusals);
  }
  const order = (r: CountRow) => [r.hour ?? '', r.agency === null ? '' : `~${r.agency ?? ''}`, r.decision ?? ''];
  return [...merged.values()]
    .filter((r) => r.requests > 0)
    .sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return 0;
    });
}
