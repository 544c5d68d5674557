import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { hubError, maySeePerson, PageArgs, pageOf, parseDate, parseDocumentNumber, parseFin, parseName, type SubgraphContext, forbidOthers } from '@hub/kit';
import { Citizen, IssuedDocument, Person, Registration } from './entities';
import type { Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;

@Resolver(() => Person)
export class PersonResolver {
  @Query(() => Person, { nullable: true, description: 'The person with this FİN, or null if no person has it.' })
  async person(@Arg('fin', () => ID) fin: string, @Ctx() ctx: Context): Promise<Person | null> {
    const key = parseFin(fin);
    forbidOthers(ctx.caller, key, 'citizens');
    const { registered } = await ctx.loaders.person.load(key);
    return ctx.outcome.found(registered ? { fin: key } : null);
  }

  @Query(() => [Person], {
    description: "Citizens with exactly this name and date of birth; more matches than the caller's search limit (policies/limits.json) is QUERY_TOO_BROAD.",
  })
  async personsByName(
    @Arg('firstName') firstName: string,
    @Arg('lastName') lastName: string,
    @Arg('birthDate', { description: 'YYYY-MM-DD' }) birthDate: string,
    @Ctx() ctx: Context,
  ): Promise<Person[]> {
    const where = {
      firstNameKey: parseName(firstName, 'firstName'),
      lastNameKey: parseName(lastName, 'lastName'),
      birthDate: parseDate(birthDate, 'birthDate'),
    };
    // A name search may match a few namesakes; more means it is too broad (R7), and no truncated list is given.
    const max = ctx.caller.searchLimit;
    const matches = await ctx.db.getRepository(Citizen).find({ where, select: { fin: true }, take: max + 1 });
    if (matches.length > max) {
      throw hubError('QUERY_TOO_BROAD', `More than ${max} persons match; search by FİN or document number instead.`, { max });
    }
    const visible = matches.filter((m) => maySeePerson(ctx.caller, m.fin)).map((m) => ({ fin: m.fin }));
    return ctx.outcome.found(visible);
  }

  @FieldResolver(() => Citizen, { nullable: true, description: 'The citizen record, if this person is a citizen.' })
  async citizen(@Root() person: Person, @Ctx() ctx: Context): Promise<Citizen | null> {
    if (!maySeePerson(ctx.caller, person.fin)) return null;
    return ctx.outcome.found((await ctx.loaders.person.load(person.fin)).citizen);
  }
}

@Resolver(() => Citizen)
export class CitizenResolver {
  @FieldResolver(() => Person)
  person(@Root() citizen: Citizen): Person {
    return { fin: citizen.fin };
  }

  @FieldResolver(() => [IssuedDocument], { description: 'Issued documents, active first.' })
  async documents(
    @Root() citizen: Citizen,
    @Args() page: PageArgs,
    @Arg('activeOnly', { defaultValue: false }) activeOnly: boolean,
    @Ctx() ctx: Context,
  ): Promise<IssuedDocument[]> {
    const { documents: all } = await ctx.loaders.person.load(citizen.fin);
    return ctx.outcome.found(pageOf(activeOnly ? all.filter((d) => d.active) : all, page));
  }

  @FieldResolver(() => [Registration], { description: 'Place-of-stay and consular registrations.' })
  async registrations(@Root() citizen: Citizen, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Registration[]> {
    return ctx.outcome.found(pageOf(await ctx.loaders.registrationsOf.load(citizen.fin), page));
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Father of a minor, by FİN (6.4).' })
  father(@Root() citizen: Citizen): Person | null {
    return citizen.fatherFin ? { fin: citizen.fatherFin } : null;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Mother of a minor, by FİN (6.4).' })
  mother(@Root() citizen: Citizen): Person | null {
    return citizen.motherFin ? { fin: citizen.motherFin } : null;
  }
}

@Resolver(() => IssuedDocument)
export class DocumentResolver {
  @Query(() => IssuedDocument, { nullable: true, description: 'A document issued to a citizen, by its number.' })
  async document(@Arg('number') number: string, @Ctx() ctx: Context): Promise<IssuedDocument | null> {
    const document = await ctx.loaders.document.load(parseDocumentNumber(number));
    if (document) forbidOthers(ctx.caller, document.holderFin, 'citizens');
    return ctx.outcome.found(document);
  }

  @FieldResolver(() => Person, { description: 'The holder of the document.' })
  holder(@Root() document: IssuedDocument): Person {
    return { fin: document.holderFin };
  }
}

export const referenceResolvers = {
  Person: {
    __resolveReference: (reference: { fin: string }) => ({ fin: reference.fin }),
  },
  Document: {
    __resolveReference: async (reference: { number: string }, ctx: Context) => {
      const document = await ctx.loaders.document.load(reference.number);
      return document && maySeePerson(ctx.caller, document.holderFin) ? ctx.outcome.found(document) : null;
    },
  },
};
