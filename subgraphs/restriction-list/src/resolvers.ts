import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { hubError, PageArgs, pageOf, parseDocumentNumber, parseFin, parseVehicleNumber, type SubgraphContext } from '@hub/kit';
import { Document, Person, RestrictionCheck, RestrictionEntry, Vehicle } from './entities';
import { checkOf, entryAsSeenBy, refuseCitizens } from './access';
import type { Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;
type EntriesLoader = Loaders['entriesOfPerson'];

async function check(ctx: Context, loader: EntriesLoader, key: string): Promise<RestrictionCheck> {
  refuseCitizens(ctx.caller);
  const result = checkOf(await loader.load(key));
  // Only a hit is a positive result for the journal (R6).
  return result.hit ? ctx.outcome.found(result) : result;
}

async function entries(ctx: Context, loader: EntriesLoader, key: string, page: PageArgs, includeInactive: boolean): Promise<RestrictionEntry[]> {
  refuseCitizens(ctx.caller);
  const all = await loader.load(key);
  const chosen = pageOf(includeInactive ? all : all.filter((r) => r.active), page);
  return ctx.outcome.found(chosen.map((r) => entryAsSeenBy(ctx.caller, r)));
}

const CHECK_DESCRIPTION = 'Is it on the restriction list (any active entry), and which bodies to contact.';
const ENTRIES_DESCRIPTION = 'Its restriction entries, active first; entries of other bodies are masked for a restricted caller.';
const INACTIVE_DESCRIPTION = 'Also entries whose grounds have ended.';

@Resolver(() => RestrictionCheck)
export class RestrictionCheckResolver {
  @Query(() => RestrictionCheck, { description: 'Real-time border check (R12, 4.3.2) by exactly one of: FİN, document number, vehicle registration number.' })
  async restrictionCheck(
    @Arg('fin', () => ID, { nullable: true }) fin: string | null,
    @Arg('documentNumber', () => String, { nullable: true }) documentNumber: string | null,
    @Arg('registrationNumber', () => String, { nullable: true }) registrationNumber: string | null,
    @Ctx() ctx: Context,
  ): Promise<RestrictionCheck> {
    refuseCitizens(ctx.caller);
    const given = [fin, documentNumber, registrationNumber].filter((v) => v !== null && v !== undefined).length;
    if (given !== 1) {
      throw hubError('BAD_USER_INPUT', 'Give exactly one of "fin", "documentNumber", "registrationNumber".', {
        arguments: ['fin', 'documentNumber', 'registrationNumber'],
      });
    }
    if (fin) return check(ctx, ctx.loaders.entriesOfPerson, parseFin(fin));
    if (documentNumber) return check(ctx, ctx.loaders.entriesOfDocument, parseDocumentNumber(documentNumber, 'documentNumber'));
    return check(ctx, ctx.loaders.entriesOfVehicle, parseVehicleNumber(registrationNumber ?? ''));
  }
}

// Person, Document and Vehicle belong to other subgraphs: their fields here are nullable, so a failing list costs only them (issue 12).
@Resolver(() => Person)
export class PersonResolver {
  @FieldResolver(() => RestrictionCheck, { nullable: true, description: CHECK_DESCRIPTION })
  restrictionCheck(@Root() person: Person, @Ctx() ctx: Context): Promise<RestrictionCheck> {
    return check(ctx, ctx.loaders.entriesOfPerson, person.fin);
  }

  @FieldResolver(() => [RestrictionEntry], { nullable: true, description: ENTRIES_DESCRIPTION })
  restrictions(
    @Root() person: Person,
    @Args() page: PageArgs,
    @Arg('includeInactive', { defaultValue: false, description: INACTIVE_DESCRIPTION }) includeInactive: boolean,
    @Ctx() ctx: Context,
  ): Promise<RestrictionEntry[]> {
    return entries(ctx, ctx.loaders.entriesOfPerson, person.fin, page, includeInactive);
  }
}

@Resolver(() => Document)
export class DocumentResolver {
  @FieldResolver(() => RestrictionCheck, { nullable: true, description: CHECK_DESCRIPTION })
  restrictionCheck(@Root() document: Document, @Ctx() ctx: Context): Promise<RestrictionCheck> {
    return check(ctx, ctx.loaders.entriesOfDocument, document.number);
  }

  @FieldResolver(() => [RestrictionEntry], { nullable: true, description: ENTRIES_DESCRIPTION })
  restrictions(
    @Root() document: Document,
    @Args() page: PageArgs,
    @Arg('includeInactive', { defaultValue: false, description: INACTIVE_DESCRIPTION }) includeInactive: boolean,
    @Ctx() ctx: Context,
  ): Promise<RestrictionEntry[]> {
    return entries(ctx, ctx.loaders.entriesOfDocument, document.number, page, includeInactive);
  }
}

@Resolver(() => Vehicle)
export class VehicleResolver {
  @FieldResolver(() => RestrictionCheck, { nullable: true, description: CHECK_DESCRIPTION })
  restrictionCheck(@Root() vehicle: Vehicle, @Ctx() ctx: Context): Promise<RestrictionCheck> {
    return check(ctx, ctx.loaders.entriesOfVehicle, vehicle.registrationNumber);
  }

  @FieldResolver(() => [RestrictionEntry], { nullable: true, description: ENTRIES_DESCRIPTION })
  restrictions(
    @Root() vehicle: Vehicle,
    @Args() page: PageArgs,
    @Arg('includeInactive', { defaultValue: false, description: INACTIVE_DESCRIPTION }) includeInactive: boolean,
    @Ctx() ctx: Context,
  ): Promise<RestrictionEntry[]> {
    return entries(ctx, ctx.loaders.entriesOfVehicle, vehicle.registrationNumber, page, includeInactive);
  }
}

/** The keys are all the list needs: entries are found by them, so no lookup happens here. */
export const referenceResolvers = {
  Person: { __resolveReference: (reference: { fin: string }) => ({ fin: reference.fin }) },
  Document: { __resolveReference: (reference: { number: string }) => ({ number: reference.number }) },
  Vehicle: { __resolveReference: (reference: { registrationNumber: string }) => ({ registrationNumber: reference.registrationNumber }) },
};
