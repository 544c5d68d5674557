import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { hubError, type SubgraphContext } from '@hub/kit';
import { Document, DocumentBlank } from './entities';
import { refuseUnlessUnlimited } from './access';
import { blankKey, type Loaders } from './loaders';

type Context = SubgraphContext<Loaders>;

const SERIES_FORMAT = '1 to 3 capital Latin letters (e.g. AA)';
const NUMBER_FORMAT = '7 or 8 digits (e.g. 0001234)';

/** Blank series and number are the two halves of a document number (kit DOCUMENT_PATTERN). */
function parseBlankKey(series: string, number: string): string {
  const s = series.trim().toUpperCase();
  const n = number.trim();
  if (!/^[A-Z]{1,3}$/.test(s))
    throw hubError('BAD_USER_INPUT', `Invalid blank series in "series": expected ${SERIES_FORMAT}.`, { argument: 'series', expectedFormat: SERIES_FORMAT });
  if (!/^[0-9]{7,8}$/.test(n))
    throw hubError('BAD_USER_INPUT', `Invalid blank number in "number": expected ${NUMBER_FORMAT}.`, { argument: 'number', expectedFormat: NUMBER_FORMAT });
  return blankKey(s, n);
}

@Resolver(() => DocumentBlank)
export class BlankResolver {
  @Query(() => DocumentBlank, { nullable: true, description: 'A document blank by its series and number, or null if the accounting has no such blank.' })
  async blank(@Arg('series') series: string, @Arg('number') number: string, @Ctx() ctx: Context): Promise<DocumentBlank | null> {
    refuseUnlessUnlimited(ctx.caller);
    return ctx.outcome.found(await ctx.loaders.blank.load(parseBlankKey(series, number)));
  }

  @FieldResolver(() => Document, { nullable: true, description: 'The document personalised on the blank.' })
  document(@Root() blank: DocumentBlank): Document | null {
    return blank.documentNumber ? { number: blank.documentNumber } : null;
  }
}

@Resolver(() => Document)
export class DocumentResolver {
  @FieldResolver(() => DocumentBlank, { nullable: true, description: 'The blank the document was personalised on (5.7, 6.8.1.3).' })
  async blank(@Root() document: Document, @Ctx() ctx: Context): Promise<DocumentBlank | null> {
    refuseUnlessUnlimited(ctx.caller);
    return ctx.outcome.found(await ctx.loaders.blankOfDocument.load(document.number));
  }
}

/** The document number is all the blank accounting needs; no lookup happens here. */
export const referenceResolvers = {
  Document: { __resolveReference: (reference: { number: string }) => ({ number: reference.number }) },
};
