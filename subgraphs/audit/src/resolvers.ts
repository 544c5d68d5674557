import { Arg, Args, ArgsType, Ctx, Field, ID, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { hubError, MAX_PAGE_SIZE, type SubgraphContext } from '@hub/kit';
import { AuditDecision, AuditRecord } from './entities';
import type { Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;

/** The kit's page ceiling; the gateway's policy may set a lower one per role. */
const MAX_AUDIT_PAGE = MAX_PAGE_SIZE;
/** Without a time range an auditor sees the last day: the journal is never read whole at once. */
const DEFAULT_WINDOW_MS = 24 * 3600 * 1000;

@InputType({ description: 'Filters over the query history; all optional and combined with AND.' })
export class AuditFilter {
  @Field(() => String, { nullable: true, description: 'From (inclusive), ISO 8601. Default: 24 hours before "to".' })
  from?: string;

  @Field(() => String, { nullable: true, description: 'To (exclusive), ISO 8601. Default: now.' })
  to?: string;

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

  @Field(() => String, { nullable: true, description: 'A registered operation\'s reviewed name, e.g. SBS/borderCheckByFin (exact match).' })
  operationName?: string;
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

  @Field(() => Int, { description: 'Records matching the filter.' })
  total!: number;
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

@ObjectType({ description: 'Requests and refusals per agency per hour (for the auditors\' console chart).' })
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

function parseInstant(value: string | undefined, name: string, fallback: Date): Date {
  if (value === undefined) return fallback;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw hubError('BAD_USER_INPUT', `"${name}" must be an ISO 8601 date-time.`, { argument: name });
  return date;
}

/** WHERE clause and parameters for a filter; restricted auditors see their own body only. */
function where(ctx: Context, filter: AuditFilter = {}): { sql: string; params: unknown[] } {
  const to = parseInstant(filter.to, 'to', new Date());
  const from = parseInstant(filter.from, 'from', new Date(to.getTime() - DEFAULT_WINDOW_MS));
  const params: unknown[] = [from, to];
  const clauses = ['received_at >= $1', 'received_at < $2'];
  const add = (sql: string, value: unknown) => { params.push(value); clauses.push(sql.replace('?', `$${params.length}`)); };
  if (ctx.caller.level === 'restricted') add('agency = ?', ctx.caller.agency);
  if (filter.agency) add('agency = ?', filter.agency);
  if (filter.sub) add('sub = ?', filter.sub);
  if (filter.resource) add('resource_names @> ARRAY[?]::text[]', filter.resource);
  if (filter.decision) add('decision = ?', filter.decision);
  if (filter.positive !== undefined && filter.positive !== null) add('positive = ?', filter.positive);
  if (filter.registrationNumber) add('registration_number = ?', filter.registrationNumber);
  if (filter.operationName) add('operation_name = ?', filter.operationName);
  return { sql: clauses.join(' AND '), params };
}

function onlyAuditors(ctx: Context): void {
  if (!ctx.caller.roles.includes('auditor')) throw hubError('FORBIDDEN', 'The audit journal is read by auditors only (6.9.2).', { resource: 'audit' });
}

@Resolver()
export class AuditResolver {
  @Query(() => AuditRecordPage, { description: 'The query history, newest first, filtered and paginated.' })
  async auditRecords(@Args() { filter, first, after }: AuditPageArgs, @Ctx() ctx: Context): Promise<AuditRecordPage> {
    onlyAuditors(ctx);
    if (!Number.isInteger(first) || first < 1 || first > MAX_AUDIT_PAGE) throw hubError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_AUDIT_PAGE}.`, { argument: 'first' });
    if (after !== undefined && after !== null && !/^\d{1,19}$/.test(after)) throw hubError('BAD_USER_INPUT', '"after" must be a cursor returned by a previous page.', { argument: 'after' });
    const { sql, params } = where(ctx, filter);
    const repo = ctx.db.getRepository(AuditRecord);
    const pageWhere = after ? `${sql} AND seq < $${params.length + 1}` : sql;
    const rows = await ctx.db.query(`SELECT seq FROM audit.journal WHERE ${pageWhere} ORDER BY seq DESC LIMIT ${first + 1}`, after ? [...params, after] : params) as Array<{ seq: string }>;
    const page = rows.slice(0, first).map((r) => r.seq);
    const records = page.length ? await repo.createQueryBuilder('j').where('j.seq IN (:...seqs)', { seqs: page }).orderBy('j.seq', 'DESC').getMany() : [];
    const [{ count }] = await ctx.db.query(`SELECT count(*)::int AS count FROM audit.journal WHERE ${sql}`, params) as [{ count: number }];
    // The records returned are what the page counts, not the page itself.
    ctx.outcome.found(records);
    return { items: records, nextCursor: rows.length > first ? (page[page.length - 1] ?? null) : null, total: count };
  }

  @Query(() => AuditRecord, { nullable: true, description: 'One record by its hub registration number.' })
  async auditRecord(@Arg('registrationNumber', () => ID) registrationNumber: string, @Ctx() ctx: Context): Promise<AuditRecord | null> {
    onlyAuditors(ctx);
    const record = await ctx.db.getRepository(AuditRecord).findOneBy({ registrationNumber });
    if (record && ctx.caller.level === 'restricted' && record.agency !== ctx.caller.agency) return null;
    return ctx.outcome.found(record);
  }

  @Query(() => [AuditTotal], { description: 'Totals per agency and decision over the filter.' })
  async auditTotals(@Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | undefined, @Ctx() ctx: Context): Promise<AuditTotal[]> {
    onlyAuditors(ctx);
    const { sql, params } = where(ctx, filter);
    const rows = await ctx.db.query(`SELECT agency, decision, count(*)::int AS requests FROM audit.journal WHERE ${sql} GROUP BY agency, decision ORDER BY agency NULLS FIRST, decision`, params) as AuditTotal[];
    return ctx.outcome.found(rows);
  }

  @Query(() => [AuditHour], { description: 'Requests and refusals per agency per hour over the filter.' })
  async auditHourly(@Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | undefined, @Ctx() ctx: Context): Promise<AuditHour[]> {
    onlyAuditors(ctx);
    const { sql, params } = where(ctx, filter);
    const rows = await ctx.db.query(`SELECT date_trunc('hour', received_at) AS hour, agency, count(*)::int AS requests, count(*) FILTER (WHERE decision <> 'allowed')::int AS refusals
      FROM audit.journal WHERE ${sql} GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST LIMIT 5000`, params) as Array<{ hour: Date; agency: string | null; requests: number; refusals: number }>;
    return ctx.outcome.found(rows.map((r) => ({ ...r, hour: r.hour.toISOString() })));
  }
}
