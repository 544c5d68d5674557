import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { hubError, maySeePerson, PageArgs, pageOf, type SubgraphContext } from '@hub/kit';
import { mayReadAppeal } from './access';
import { Appeal, AppealAuthority, Person } from './entities';
import type { Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;

/**
 * The generator's card number: the authority's three letters, the year received and a serial.
 * The serial grows past six digits once the population passes ~333,000 citizens.
 */
export const APPEAL_NUMBER_PATTERN = /^[A-Z]{3}-[0-9]{4}-[0-9]{6,8}$/;
const APPEAL_NUMBER_FORMAT = 'three capital Latin letters, the 4-digit year and a 6- to 8-digit serial, joined by hyphens (e.g. BAK-2024-000001)';

export function parseAppealNumber(value: string, argument = 'registrationNumber'): string {
  const normalized = value.trim().toUpperCase();
  if (!APPEAL_NUMBER_PATTERN.test(normalized)) {
    throw hubError('BAD_USER_INPUT', `Invalid appeal registration number in "${argument}": expected ${APPEAL_NUMBER_FORMAT}.`, {
      argument,
      expectedFormat: APPEAL_NUMBER_FORMAT,
    });
  }
  return normalized;
}

@Resolver(() => Person)
export class PersonResolver {
  // Nullable: the entity belongs to another subgraph, so when this one fails only these fields are lost (issue 12).
  @FieldResolver(() => [Appeal], { nullable: true, description: "The person's appeals that the caller may read, newest first." })
  async appeals(@Root() person: Person, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Appeal[]> {
    const readable = (await ctx.loaders.appealsOf.load(person.fin)).filter((a) => mayReadAppeal(ctx.caller, a));
    return ctx.outcome.found(pageOf(readable, page));
  }
}

@Resolver(() => Appeal)
export class AppealResolver {
  @Query(() => Appeal, {
    nullable: true,
    description: "An appeal by the number of its registration-control card; null if unknown or not within the caller's access.",
  })
  async appeal(@Arg('registrationNumber', () => String) registrationNumber: string, @Ctx() ctx: Context): Promise<Appeal | null> {
    const appeal = await ctx.loaders.appeal.load(parseAppealNumber(registrationNumber));
    if (!appeal) return null;
    if (!maySeePerson(ctx.caller, appeal.applicantFin)) {
      throw hubError('FORBIDDEN', 'A citizen may read their own appeals only.', { resource: 'appeals' });
    }
    return ctx.outcome.found(mayReadAppeal(ctx.caller, appeal) ? appeal : null);
  }

  @FieldResolver(() => Person, { description: 'The applicant, by FİN.' })
  applicant(@Root() appeal: Appeal): Person {
    return { fin: appeal.applicantFin };
  }

  @FieldResolver(() => AppealAuthority, { description: 'The local executive authority that received the appeal.' })
  receivingAuthority(@Root() appeal: Appeal): AppealAuthority {
    return { code: appeal.receivedBy, name: appeal.receivedByName };
  }
}

export const referenceResolvers = {
  Person: {
    __resolveReference: (reference: { fin: string }) => ({ fin: reference.fin }),
  },
};
