import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { maySeePerson, PageArgs, pageOf, parseDocumentNumber, parseForeignerNumber, type SubgraphContext, forbidOthers, requireUnlimited } from '@hub/kit';
import { DocumentReference, Foreigner, ForeignerPassport, Permit, Person, RESIDENCE_CARD_KINDS } from './entities';
import type { Loaders } from './loaders';

const RESOURCE = 'foreigners';

type Context = SubgraphContext<Loaders>;

@Resolver(() => Foreigner)
export class ForeignerResolver {
  @Query(() => Foreigner, { nullable: true, description: 'The foreigner or stateless person with this system number, or null.' })
  async foreigner(@Arg('systemNumber') systemNumber: string, @Ctx() ctx: Context): Promise<Foreigner | null> {
    requireUnlimited(ctx.caller, RESOURCE);
    const foreigner = await ctx.loaders.foreigner.load(parseForeignerNumber(systemNumber));
    if (foreigner) forbidOthers(ctx.caller, foreigner.fin, RESOURCE);
    return ctx.outcome.found(foreigner);
  }

  @Query(() => Foreigner, { nullable: true, description: 'The foreigner holding this passport or residence card, or null.' })
  async foreignerByDocument(@Arg('number') number: string, @Ctx() ctx: Context): Promise<Foreigner | null> {
    requireUnlimited(ctx.caller, RESOURCE);
    const key = parseDocumentNumber(number);
    const [byPassport, permit] = await Promise.all([ctx.loaders.foreignerByPassport.load(key), ctx.loaders.permit.load(key)]);
    const foreigner = byPassport ?? (permit && RESIDENCE_CARD_KINDS.includes(permit.kind) ? await ctx.loaders.foreigner.load(permit.systemNumber) : null);
    if (foreigner) forbidOthers(ctx.caller, foreigner.fin, RESOURCE);
    return ctx.outcome.found(foreigner);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The person by FİN, if a FİN was assigned.' })
  person(@Root() foreigner: Foreigner): Person | null {
    return foreigner.fin ? { fin: foreigner.fin } : null;
  }

  @FieldResolver(() => Boolean, { description: 'True for a stateless person (no nationality).' })
  stateless(@Root() foreigner: Foreigner): boolean {
    return foreigner.nationality === null;
  }

  @FieldResolver(() => ForeignerPassport)
  passport(@Root() foreigner: Foreigner): ForeignerPassport {
    return { number: foreigner.passportNumber, issuingCountry: foreigner.passportIssuingCountry, expiresAt: foreigner.passportExpiresAt };
  }

  @FieldResolver(() => [Permit], { description: 'Visas, residence cards, work permits, stay extensions and refugee status; active first.' })
  async permits(
    @Root() foreigner: Foreigner,
    @Args() page: PageArgs,
    @Arg('activeOnly', { defaultValue: false }) activeOnly: boolean,
    @Ctx() ctx: Context,
  ): Promise<Permit[]> {
    const all = await ctx.loaders.permitsOf.load(foreigner.systemNumber);
    return ctx.outcome.found(pageOf(activeOnly ? all.filter((p) => p.active) : all, page));
  }
}

@Resolver(() => ForeignerPassport)
export class PassportResolver {
  @FieldResolver(() => DocumentReference, { description: 'The passport as a federated Document, e.g. for its border crossings (R10).' })
  document(@Root() passport: ForeignerPassport): DocumentReference {
    return { number: passport.number };
  }
}

@Resolver(() => Person)
export class PersonResolver {
  @FieldResolver(() => Foreigner, { nullable: true, description: 'The foreigner record of the foreigner or stateless person holding this FİN.' })
  async foreigner(@Root() person: Person, @Ctx() ctx: Context): Promise<Foreigner | null> {
    requireUnlimited(ctx.caller, RESOURCE);
    if (!maySeePerson(ctx.caller, person.fin)) return null;
    return ctx.outcome.found(await ctx.loaders.foreignerByFin.load(person.fin));
  }
}

export const referenceResolvers = {
  Person: {
    __resolveReference: (reference: { fin: string }) => ({ fin: reference.fin }),
  },
  Document: {
    __resolveReference: (reference: { number: string }) => ({ number: reference.number }),
  },
  Foreigner: {
    __resolveReference: async (reference: { systemNumber: string }, ctx: Context) => {
      requireUnlimited(ctx.caller, RESOURCE);
      const foreigner = await ctx.loaders.foreigner.load(reference.systemNumber);
      return foreigner && maySeePerson(ctx.caller, foreigner.fin) ? ctx.outcome.found(foreigner) : null;
    },
  },
};
