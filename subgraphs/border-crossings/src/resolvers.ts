import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { hubError, maySeePerson, PageArgs, pageOf, parseVehicleNumber, type SubgraphContext, requireUnlimited } from '@hub/kit';
import { visibleTo } from './access';
import { Crossing, DocumentReference, Person, Vehicle } from './entities';
import type { Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;

/** The vehicle as its crossing recorded it; no crossing leaves only the key. */
function vehicleAsRecorded(registrationNumber: string, crossing: Crossing | undefined): Vehicle {
  return { registrationNumber, type: crossing?.vehicleType ?? null, make: crossing?.vehicleMake ?? null, model: crossing?.vehicleModel ?? null };
}

@Resolver(() => Crossing)
export class CrossingResolver {
  @FieldResolver(() => String, { description: 'Date and time of the crossing, ISO 8601 in UTC (6.6.1.4).' })
  crossedAt(@Root() crossing: Crossing): string {
    return crossing.crossedAt.toISOString();
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The person by FİN, where one was assigned.' })
  person(@Root() crossing: Crossing): Person | null {
    return crossing.fin ? { fin: crossing.fin } : null;
  }

  @FieldResolver(() => DocumentReference, { description: 'The document presented.' })
  document(@Root() crossing: Crossing): DocumentReference {
    return { number: crossing.documentNumber };
  }

  @FieldResolver(() => Vehicle, { nullable: true, description: 'The vehicle the person crossed in, as recorded at this crossing (6.6.1.2).' })
  vehicle(@Root() crossing: Crossing): Vehicle | null {
    return crossing.vehicleRegistrationNumber ? vehicleAsRecorded(crossing.vehicleRegistrationNumber, crossing) : null;
  }
}

@Resolver(() => Person)
export class PersonResolver {
  // Nullable: the entity belongs to another subgraph, so when this one fails only these fields are lost (issue 12).
  @FieldResolver(() => [Crossing], { nullable: true, description: 'Border crossings of the person, newest first.' })
  async borderCrossings(@Root() person: Person, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Crossing[]> {
    requireUnlimited(ctx.caller, 'borderCrossings');
    const crossings = maySeePerson(ctx.caller, person.fin) ? await ctx.loaders.crossingsOfPerson.load(person.fin) : [];
    return ctx.outcome.found(pageOf(crossings, page));
  }
}

@Resolver(() => DocumentReference)
export class DocumentResolver {
  @FieldResolver(() => [Crossing], { nullable: true, description: 'Border crossings made on this document, newest first.' })
  async crossings(@Root() document: DocumentReference, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Crossing[]> {
    requireUnlimited(ctx.caller, 'borderCrossings');
    return ctx.outcome.found(pageOf(visibleTo(ctx.caller, await ctx.loaders.crossingsOfDocument.load(document.number)), page));
  }
}

@Resolver(() => Vehicle)
export class VehicleResolver {
  @Query(() => Vehicle, { nullable: true, description: 'The vehicle with this registration number, or null if it never crossed the border.' })
  async vehicle(@Arg('registrationNumber') registrationNumber: string, @Ctx() ctx: Context): Promise<Vehicle | null> {
    requireUnlimited(ctx.caller, 'borderCrossings');
    const key = parseVehicleNumber(registrationNumber);
    const crossings = await ctx.loaders.crossingsOfVehicle.load(key);
    if (crossings.length === 0) return null;
    const visible = visibleTo(ctx.caller, crossings);
    if (visible.length === 0) {
      throw hubError('FORBIDDEN', 'A citizen may read records about their own FİN only.', { resource: 'borderCrossings' });
    }
    return ctx.outcome.found(vehicleAsRecorded(key, visible[0]));
  }

  @FieldResolver(() => [Crossing], { description: 'Border crossings of this vehicle, newest first.' })
  async crossings(@Root() vehicle: Vehicle, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Crossing[]> {
    return ctx.outcome.found(pageOf(visibleTo(ctx.caller, await ctx.loaders.crossingsOfVehicle.load(vehicle.registrationNumber)), page));
  }
}

export const referenceResolvers = {
  Person: {
    __resolveReference: (reference: { fin: string }) => ({ fin: reference.fin }),
  },
  Document: {
    __resolveReference: (reference: { number: string }) => ({ number: reference.number }),
  },
  Vehicle: {
    // Always an object: a vehicle another subgraph knows (e.g. a wanted one) may never have crossed.
    __resolveReference: async (reference: { registrationNumber: string }, ctx: Context) => {
      requireUnlimited(ctx.caller, 'borderCrossings');
      const newest = visibleTo(ctx.caller, await ctx.loaders.crossingsOfVehicle.load(reference.registrationNumber))[0];
      if (newest) ctx.outcome.found(newest);
      return vehicleAsRecorded(reference.registrationNumber, newest);
    },
  },
};
