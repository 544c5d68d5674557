import { Args, ArgsType, Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { hubError, type SubgraphContext } from '@hub/kit';
import type { Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;

const MAX_USES_PAGE = 50;
/** The same keyset cursor as the auditors' pages: received_at in microseconds, and seq. */
const CURSOR = /^(\d{1,19})\.(\d{1,19})$/;
const statementTimeoutMs = () => Number(process.env['AUDIT_QUERY_TIMEOUT_MS'] ?? 5_000);

@ObjectType({ description: "One use of the caller's own data by a state body (R4): never the officer, never other persons." })
export class DataUse {
  @Field({ description: 'When the request was received, ISO 8601.' })
  at!: string;

  @Field(() => String, { nullable: true, description: 'The body that asked.' })
  agency!: string | null;

  @Field(() => String, { nullable: true, description: 'Why it asked (X-Purpose).' })
  purpose!: string | null;

  @Field(() => [String], { description: 'The resources (registers) that gave data out: read at a level the body has, with records returned.' })
  resources!: string[];

  @Field(() => [String], { description: 'The resources the body asked for and was refused: nothing of them was given out.' })
  refused!: string[];

  @Field({ description: 'Anything was found.' })
  found!: boolean;

  @Field({ description: 'allowed, partly-refused or refused' })
  decision!: string;
}

@ObjectType()
class DataUsePage {
  @Field(() => [DataUse], { description: 'Newest first.' })
  items!: DataUse[];

  @Field(() => String, { nullable: true })
  nextCursor!: string | null;
}

@ArgsType()
class DataUseArgs {
  @Field(() => Int, { defaultValue: 20, description: `At most ${MAX_USES_PAGE}.` })
  first: number = 20;

  @Field(() => String, { nullable: true, description: 'The nextCursor of the previous page.' })
  after?: string;
}

interface Row {
  seq: string;
  at_us: string;
  received_at: Date;
  agency: string | null;
  purpose: string | null;
  resources: Array<{ resource: string; level: string; records: number }>;
  positive: boolean;
  decision: string;
}

/**
 * R4: a citizen learns which bodies used their data, when and why. The gateway names the
 * citizen by the keyed hashes of their own FİN (subjectHashes) and the purposes hidden from
 * them (R6); no argument names a person, so no citizen can ask about another. Their own
 * requests are left out.
 */
@Resolver()
export class DataUsesResolver {
  @Query(() => DataUsePage, { description: "Uses of the signed-in citizen's own data by state bodies, newest first (R4)." })
  async myDataUses(@Args() { first, after }: DataUseArgs, @Ctx() ctx: Context): Promise<DataUsePage> {
    const hashes = ctx.caller.subjectHashes;
    if (!ctx.caller.roles.includes('citizen') || !ctx.caller.fin || !hashes?.length) {
      throw hubError('FORBIDDEN', 'Only a citizen signed in with their own FİN reads the uses of their data.', { resource: 'audit' });
    }
    if (!Number.isInteger(first) || first < 1 || first > MAX_USES_PAGE)
      throw hubError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_USES_PAGE}.`, { argument: 'first' });
    const cursor = after === undefined || after === null ? null : CURSOR.exec(after);
    if (after !== undefined && after !== null && !cursor)
      throw hubError('BAD_USER_INPUT', '"after" must be a cursor returned by a previous page.', { argument: 'after' });
    const params: unknown[] = [hashes, ctx.caller.hiddenPurposes ?? [], ctx.caller.agency, ctx.caller.sub];
    const below = cursor ? ` AND (received_at, seq) < (timestamptz 'epoch' + $5::bigint * interval '1 microsecond', $6::bigint)` : '';
    if (cursor) params.push(cursor[1], cursor[2]);
    const rows = await ctx.db.transaction(async (db) => {
      await db.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(statementTimeoutMs()))}`);
      return db.query(
        `SELECT seq, (extract(epoch FROM received_at) * 1000000)::bigint AS at_us, received_at, agency, purpose, resources, positive, decision
        FROM audit.journal
        WHERE subjects && $1::text[] AND coalesce(purpose, '') <> ALL($2::text[])
          AND NOT (agency IS NOT DISTINCT FROM $3 AND sub IS NOT DISTINCT FROM $4)${below}
        ORDER BY received_at DESC, seq DESC LIMIT ${first + 1}`,
        params,
      ) as Promise<Row[]>;
    });
    const page = rows.slice(0, first);
    const last = page[page.length - 1];
    const items = page.map((r) =>
      Object.assign(new DataUse(), {
        at: r.received_at.toISOString(),
        agency: r.agency,
        purpose: r.purpose,
        // A person is told what was given out, and apart from it what was asked and refused: never a refused register as read.
        resources: r.resources.filter((u) => u.level !== 'none' && u.records > 0).map((u) => u.resource),
        refused: r.resources.filter((u) => u.level === 'none').map((u) => u.resource),
        found: r.positive,
        decision: r.decision,
      }),
    );
    return Object.assign(new DataUsePage(), { items: ctx.outcome.found(items), nextCursor: rows.length > first && last ? `${last.at_us}.${last.seq}` : null });
  }
}
