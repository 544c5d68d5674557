import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { hubError, MAX_PAGE_SIZE, type SubgraphContext } from '@hub/kit';
import { AuditDecision, AuditEvent, AuditRecord } from './entities';
import type { Loaders } from './loaders';
import { countJournal, journalWhere, type Criteria } from './counts';

type Context = SubgraphContext<Loaders>;

/** The kit's page ceiling; the gateway's policy may set a lower one per role. */
const MAX_AUDIT_PAGE = MAX_PAGE_SIZE;
/** Without a time range an auditor sees the last day: the journal is never read whole at once. */
const DEFAULT_WINDOW_MS = 24 * 3600 * 1000;
/** The hourly chart answers a quarter at most, whole, rather than a longer range cut short. */
export const MAX_CHART_DAYS = 92;
/** Every auditor's query is bounded: a slow one is refused, never left to load the journal's database. */
const statementTimeoutMs = () => Number(process.env['AUDIT_QUERY_TIMEOUT_MS'] ?? 5_000);

@InputType({ description: 'Filters over the query history; all optional and combined with AND.' })
export class AuditFilter {
  @Field(() => String, { nullable: true, description: 'From (inclusive), ISO 8601. Default: 24 hours before "to".' })
  from?: string;

  @Field(() => String, { nullable: true, description: 'To (exclusive), ISO 8601. Default: now.' })
  to?: string;

  @Field(() => AuditEvent, { nullable: true, description: 'One kind of record, e.g. SIGN_IN_FAILED.' })
  event?: AuditEvent;

  @Field(() => String, { nullable: true })
  agency?: string;

  @Field(() => String, { nullable: true })
  sub?: string;

  @Field(() => String, { nullable: true, description: 'A resource name, e.g. restrictionList.' })
  resource?: string;

  @Field(() => AuditDecision, { nullable: true })
  decision?: AuditDecision;

  @Field(() => Boolean, { nullable: true })
  positive?: boolean;

  @Field(() => String, { nullable: true })
  registrationNumber?: string;

  @Field(() => String, {
    nullable: true,
    description: "A person's FİN: records that concerned them. The gateway hashes it; the journal holds only keyed hashes.",
  })
  subjectFin?: string;

  @Field(() => String, { nullable: true, description: "A registered operation's reviewed name, e.g. SBS/borderCheckByFin (exact match)." })
  operationName?: string;

  @Field(() => String, { nullable: true, description: "A registered operation's id, sha256:<64 hex> as `npm run operations:check` prints it (exact match)." })
  operationId?: string;
}

@ArgsType()
class AuditPageArgs {
  @Field(() => AuditFilter, { nullable: true })
  filter?: AuditFilter;

  @Field(() => Int, { defaultValue: 20, description: `At most ${MAX_AUDIT_PAGE}.` })
  first: number = 20;

  @Field(() => String, { nullable: true, description: 'The nextCursor of the previous page.' })
  after?: string;
}

@ObjectType()
class AuditRecordPage {
  @Field(() => [AuditRecord], { description: 'Newest first.' })
  items!: AuditRecord[];

  @Field(() => String, { nullable: true })
  nextCursor!: string | null;

  // Counted from the hourly rollup (counts.ts), and only when asked for.
  @Field(() => Int, { description: 'Records matching the filter.' })
  total!: number;

  /** What `total` counts; not a GraphQL field. */
  criteria!: Criteria;
}

@ObjectType({ description: 'Requests per agency and decision in a time range.' })
class AuditTotal {
  @Field(() => String, { nullable: true })
  agency!: string | null;

  @Field(() => AuditDecision)
  decision!: AuditDecision;

  @Field(() => Int)
  requests!: number;
}

@ObjectType({ description: "Requests and refusals per agency per hour (for the auditors' console chart)." })
export class AuditHour {
  @Field({ description: 'Start of the hour, ISO 8601.' })
  hour!: string;

  @Field(() => String, { nullable: true })
  agency!: string | null;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int)
  refusals!: number;
}

/** ISO 8601 only: a date, or a date-time with an optional fraction and zone. `new Date` alone takes "May 1" too. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function parseInstant(value: string | undefined, name: string, fallback: Date): Date {
  if (value === undefined || value === null) return fallback;
  const date = new Date(value);
  if (!ISO_8601.test(value) || Number.isNaN(date.getTime())) {
    throw hubError('BAD_USER_INPUT', `"${name}" must be an ISO 8601 date or date-time, e.g. 2026-05-01T08:00:00Z.`, { argument: name });
  }
  return date;
}

/** A registered operation's id as the gateway's registry makes it (gateway/src/policy/operation-registry.ts). */
const OPERATION_ID = /^sha256:[0-9a-f]{64}$/;

/** The filter as counting and paging read it; restricted auditors see their own body only. */
function criteriaOf(ctx: Context, filter: AuditFilter = {}): Criteria {
  const to = parseInstant(filter.to, 'to', new Date());
  const from = parseInstant(filter.from, 'from', new Date(to.getTime() - DEFAULT_WINDOW_MS));
  const agencies = [ctx.caller.level === 'restricted' ? ctx.caller.agency : undefined, filter.agency || undefined].filter((a): a is string => a !== undefined);
  const c: Criteria = { from, to, agencies };
  if (filter.event) c.event = filter.event;
  if (filter.sub) c.sub = filter.sub;
  if (filter.resource) c.resource = filter.resource;
  if (filter.decision) c.decision = filter.decision;
  if (filter.positive !== undefined && filter.positive !== null) c.positive = filter.positive;
  if (filter.registrationNumber) c.registrationNumber = filter.registrationNumber;
  if (filter.operationName) c.operationName = filter.operationName;
  if (filter.operationId !== undefined && filter.operationId !== null) {
    if (!OPERATION_ID.test(filter.operationId))
      throw hubError('BAD_USER_INPUT', '"operationId" must be a registered operation\'s id: sha256: and 64 lowercase hex digits.', { argument: 'operationId' });
    c.operationId = filter.operationId;
  }
  if (filter.subjectFin) {
    // The FİN itself is never used here: the gateway sends its keyed hashes (subjects stage).
    if (!ctx.caller.subjectHashes?.length || ctx.caller.roles.includes('citizen'))
      throw hubError('BAD_USER_INPUT', '"subjectFin" is searched through the hub gateway, which hashes it.', { argument: 'subjectFin' });
    c.subjects = ctx.caller.subjectHashes;
  }
  return c;
}

function onlyAuditors(ctx: Context): void {
  if (!ctx.caller.roles.includes('auditor')) throw hubError('FORBIDDEN', 'The audit journal is read by auditors only (6.9.2).', { resource: 'audit' });
}

/** Runs an auditor's statements under statement_timeout; a timeout is the caller's range being too broad. */
async function bounded<T>(ctx: Context, work: (db: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await ctx.db.transaction(async (db) => {
      await db.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(statementTimeoutMs()))}`);
      return work(db);
    });
  } catch (error) {
    if ((error as { code?: string }).code === '57014' || (error as { driverError?: { code?: string } }).driverError?.code === '57014') {
      throw hubError('QUERY_TOO_BROAD', 'The journal query took too long: narrow the time range or add a filter.');
    }
    throw error;
  }
}

/** A page cursor: the last record's time in microseconds since the epoch, and its seq. */
const CURSOR = /^(\d{1,19})\.(\d{1,19})$/;

@Resolver(() => AuditRecordPage)
export class AuditResolver {
  @Query(() => AuditRecordPage, { description: 'The query history, newest first, filtered and paginated.' })
  async auditRecords(@Args() { filter, first, after }: AuditPageArgs, @Ctx() ctx: Context): Promise<AuditRecordPage> {
    onlyAuditors(ctx);
    if (!Number.isInteger(first) || first < 1 || first > MAX_AUDIT_PAGE)
      throw hubError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_AUDIT_PAGE}.`, { argument: 'first' });
    const cursor = after === undefined || after === null ? null : CURSOR.exec(after);
    if (after !== undefined && after !== null && !cursor)
      throw hubError('BAD_USER_INPUT', '"after" must be a cursor returned by a previous page.', { argument: 'after' });
    const criteria = criteriaOf(ctx, filter);
    const { sql, params } = journalWhere(criteria, criteria.from, criteria.to);
    // Keyset paging along (received_at, seq): every filter's index ends in those columns, so a page reads about a page of rows.
    const below = cursor
      ? ` AND (received_at, seq) < (timestamptz 'epoch' + $${params.length + 1}::bigint * interval '1 microsecond', $${params.length + 2}::bigint)`
      : '';
    const records = await bounded(ctx, async (db) => {
      const rows = (await db.query(
        `SELECT seq, (extract(epoch FROM received_at) * 1000000)::bigint AS at FROM audit.journal WHERE ${sql}${below} ORDER BY received_at DESC, seq DESC LIMIT ${first + 1}`,
        cursor ? [...params, cursor[1], cursor[2]] : params,
      )) as Array<{ seq: string; at: string }>;
      const page = rows.slice(0, first);
      const items =
        page.length === 0
          ? []
          : await db
              .getRepository(AuditRecord)
              .createQueryBuilder('j')
              .where('j.seq IN (:...seqs)', { seqs: page.map((r) => r.seq) })
              .andWhere('j.receivedAt >= :from AND j.receivedAt < :to', { from: criteria.from, to: criteria.to })
              .orderBy('j.receivedAt', 'DESC')
              .addOrderBy('j.seq', 'DESC')
              .getMany();
      const last = page[page.length - 1];
      return { items, nextCursor: rows.length > first && last ? `${last.at}.${last.seq}` : null };
    });
    // The records returned are what the page counts, not the page itself.
    ctx.outcome.found(records.items);
    const page = new AuditRecordPage();
    return Object.assign(page, records, { criteria });
  }

  @FieldResolver(() => Int)
  async total(@Root() page: AuditRecordPage, @Ctx() ctx: Context): Promise<number> {
    const [row] = await bounded(ctx, (db) => countJournal(db, page.criteria, []));
    return row?.requests ?? 0;
  }

  @Query(() => AuditRecord, {
    nullable: true,
    description: 'One record by its hub registration number; where a correction of that number exists, the correction: it says what the caller got.',
  })
  async auditRecord(@Arg('registrationNumber', () => ID) registrationNumber: string, @Ctx() ctx: Context): Promise<AuditRecord | null> {
    onlyAuditors(ctx);
    const record = await bounded(ctx, (db) =>
      db
        .getRepository(AuditRecord)
        .createQueryBuilder('j')
        .where('j.registrationNumber = :registrationNumber', { registrationNumber })
        .orderBy(`j.event = '${AuditEvent.CORRECTION}'`, 'DESC')
        .addOrderBy('j.seq', 'DESC')
        .getOne(),
    );
    if (record && ctx.caller.level === 'restricted' && record.agency !== ctx.caller.agency) return null;
    return ctx.outcome.found(record);
  }

  @Query(() => [AuditTotal], { description: 'Totals per agency and decision over the filter.' })
  async auditTotals(@Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | undefined, @Ctx() ctx: Context): Promise<AuditTotal[]> {
    onlyAuditors(ctx);
    const criteria = criteriaOf(ctx, filter);
    const rows = await bounded(ctx, (db) => countJournal(db, criteria, ['agency', 'decision']));
    return ctx.outcome.found(rows.map((r) => ({ agency: r.agency ?? null, decision: r.decision as AuditDecision, requests: r.requests })));
  }

  @Query(() => [AuditHour], { description: 'Requests and refusals per agency per hour over the filter.' })
  async auditHourly(@Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | undefined, @Ctx() ctx: Context): Promise<AuditHour[]> {
    onlyAuditors(ctx);
    const criteria = criteriaOf(ctx, filter);
    if (criteria.to.getTime() - criteria.from.getTime() > MAX_CHART_DAYS * DEFAULT_WINDOW_MS) {
      throw hubError('QUERY_TOO_BROAD', `The hourly chart covers at most ${MAX_CHART_DAYS} days: narrow "from" and "to".`, { argument: 'filter' });
    }
    const rows = await bounded(ctx, (db) => countJournal(db, criteria, ['hour', 'agency']));
    return ctx.outcome.found(rows.map((r) => ({ hour: r.hour!, agency: r.agency ?? null, requests: r.requests, refusals: r.refusals })));
  }
}
