import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { hubError, isSelfOnly, parseFin, type SubgraphContext } from '@hub/kit';
import { profileView, visibleSections } from './access';
import { ChildProfile, Person } from './entities';
import type { Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;

async function profileFor(ctx: Context, fin: string): Promise<ChildProfile | null> {
  const record = await ctx.loaders.profile.load(fin);
  const sections = record && visibleSections(ctx.caller, record);
  return ctx.outcome.found(record && sections ? profileView(record, sections) : null);
}

@Resolver(() => ChildProfile)
export class ChildProfileResolver {
  @Query(() => ChildProfile, {
    nullable: true,
    description: "A child's e-profile by the child's FİN; null if there is none or it is not for this caller (archived).",
  })
  async childProfile(@Arg('fin', () => ID) fin: string, @Ctx() ctx: Context): Promise<ChildProfile | null> {
    const key = parseFin(fin);
    const profile = await profileFor(ctx, key);
    // A citizen learns nothing about another FİN, not even whether it has a profile.
    if (isSelfOnly(ctx.caller) && key !== ctx.caller.fin && !profile) {
      throw hubError('FORBIDDEN', "A citizen may read their own profile and, as a parent or guardian, their child's only.", { resource: 'childData' });
    }
    return profile;
  }
}

@Resolver(() => Person)
export class PersonResolver {
  @FieldResolver(() => ChildProfile, {
    nullable: true,
    description: "The person's e-profile in the child data bank (archived once they turn 18, 1.8); null if there is none or it is not for this caller.",
  })
  childProfile(@Root() person: Person, @Ctx() ctx: Context): Promise<ChildProfile | null> {
    return profileFor(ctx, person.fin);
  }
}

export const referenceResolvers = {
  Person: {
    __resolveReference: (reference: { fin: string }) => ({ fin: reference.fin }),
  },
};
