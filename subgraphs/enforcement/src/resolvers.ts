import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { hubError, PageArgs, pageOf, type SubgraphContext } from '@hub/kit';
import { caseView, caseVisibility } from './access';
import { EnforcementAction, EnforcementCase, EnforcementCaseStatus, Person } from './entities';
import type { Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;

/** The single number Elektron icra gives each enforcement document (6.1.2), as the register writes it. */
export const CASE_NUMBER_PATTERN = /^İC-[0-9]{4}-[0-9]{7}$/;
const CASE_NUMBER_FORMAT = 'İC-YYYY-NNNNNNN: "İC" (or "IC"), a four-digit year and 7 digits (e.g. İC-2024-0000012)';

/** Accepts the Latin "IC" too: keyboards without Azerbaijani letters cannot type "İ". */
function parseCaseNumber(value: string, argument = 'caseNumber'): string {
  const normalized = value.normalize('NFC').trim().toLocaleUpperCase('az').replace(/^IC-/, 'İC-');
  if (!CASE_NUMBER_PATTERN.test(normalized)) {
    throw hubError('BAD_USER_INPUT', `Invalid enforcement case number in "${argument}": expected ${CASE_NUMBER_FORMAT}.`, {
      argument,
      expectedFormat: CASE_NUMBER_FORMAT,
    });
  }
  return normalized;
}

@Resolver(() => EnforcementCase)
export class EnforcementCaseResolver {
  @Query(() => EnforcementCase, { nullable: true, description: 'An enforcement case by its unique number, or null if there is none.' })
  async enforcementCase(@Arg('caseNumber') caseNumber: string, @Ctx() ctx: Context): Promise<EnforcementCase | null> {
    const record = await ctx.loaders.case.load(parseCaseNumber(caseNumber));
    if (!record) return null;
    const visibility = caseVisibility(ctx.caller, record);
    if (visibility === 'none') {
      throw hubError('FORBIDDEN', 'A citizen may read the enforcement cases where they are a party only.', { resource: 'enforcement' });
    }
    return ctx.outcome.found(caseView(record, visibility));
  }

  @FieldResolver(() => [EnforcementAction], { nullable: true, description: 'Enforcement actions taken, oldest first; null when the case is masked.' })
  async actions(@Root() view: EnforcementCase, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<EnforcementAction[] | null> {
    if (view.masked) return null;
    return ctx.outcome.found(pageOf(await ctx.loaders.actionsOf.load(view.caseNumber), page));
  }
}

@Resolver(() => Person)
export class PersonResolver {
  // Nullable: the entity belongs to another subgraph, so when this one fails only these fields are lost (issue 12).
  @FieldResolver(() => [EnforcementCase], { nullable: true, description: 'Enforcement cases where this person is the debtor, newest first.' })
  async enforcementCases(
    @Root() person: Person,
    @Args() page: PageArgs,
    @Arg('status', () => EnforcementCaseStatus, { nullable: true, description: 'Only cases in this state.' }) status: EnforcementCaseStatus | null,
    @Ctx() ctx: Context,
  ): Promise<EnforcementCase[]> {
    const records = (await ctx.loaders.casesOfDebtor.load(person.fin)).filter((r) => !status || r.status === status);
    const views = pageOf(records, page).flatMap((record) => {
      const visibility = caseVisibility(ctx.caller, record);
      return visibility === 'none' ? [] : [caseView(record, visibility)];
    });
    return ctx.outcome.found(views);
  }
}

export const referenceResolvers = {
  Person: {
    __resolveReference: (reference: { fin: string }) => ({ fin: reference.fin }),
  },
};
