import { ArgsType, Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { hubError } from './errors';
import type { Caller } from './caller';

/** Largest page any nested list serves (R7: no bulk copying through long lists). */
export const MAX_PAGE_SIZE = 50;
const DEFAULT_PAGE_SIZE = 20;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, at most ${MAX_PAGE_SIZE}.` })
  first: number = DEFAULT_PAGE_SIZE;

  @Field(() => Int, { defaultValue: 0, description: 'How many items to skip.' })
  offset: number = 0;
}

function checkPage(page: PageArgs): { first: number; offset: number } {
  if (!Number.isInteger(page.first) || page.first < 1 || page.first > MAX_PAGE_SIZE) {
    throw hubError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: 'first', max: MAX_PAGE_SIZE });
  }
  if (!Number.isInteger(page.offset) || page.offset < 0 || page.offset > 10_000) {
    throw hubError('BAD_USER_INPUT', '"offset" must be between 0 and 10000.', { argument: 'offset' });
  }
  return { first: page.first, offset: page.offset };
}

export function pageOf<T>(items: readonly T[], page: PageArgs): T[] {
  const { first, offset } = checkPage(page);
  return items.slice(offset, offset + first);
}

/** R4: a citizen sees records about their own FİN only; every other caller is not limited here. */
export function isSelfOnly(caller: Caller): boolean {
  return caller.roles.includes('citizen');
}

export function maySeePerson(caller: Caller, fin: string | null | undefined): boolean {
  return !isSelfOnly(caller) || (fin !== null && fin !== undefined && caller.fin === fin);
}

/** R4 at a lookup: a citizen asking for another person's record is refused, not told "not found". */
export function forbidOthers(caller: Caller, fin: string | null | undefined, resource: string): void {
  if (!maySeePerson(caller, fin)) {
    throw hubError('FORBIDDEN', 'A citizen may read records about their own FİN only.', { resource });
  }
}

/**
 * For a resource Appendix 2 grants only unlimited access or none, `restricted` has no defined
 * reading, so it reads nothing; a citizen still reads records about their own FİN (R4).
 */
export function requireUnlimited(caller: Caller, resource: string): void {
  if (!isSelfOnly(caller) && caller.level !== 'unlimited') {
    throw hubError('FORBIDDEN', 'The access matrix grants this resource only unlimited access or none.', { resource });
  }
}

/**
 * The federation entities every subgraph declares with its own fields: one description each,
 * so composition sees them as the same type (R10: linked by FİN, document and vehicle number).
 */
export const ENTITY_DESCRIPTIONS = {
  Person: 'A natural person, identified by FİN (personal identification number).',
  Document: 'An identity or travel document, keyed by its number.',
  Vehicle: 'A vehicle, keyed by its registration (or board) number.',
} as const;

const ENTITY_KEYS = {
  Person: { key: 'fin', description: 'FİN: 7 characters, digits and capital Latin letters except I, O and Q.' },
  Document: { key: 'number', description: 'The document number, e.g. AA1234567 or C12345678.' },
  Vehicle: { key: 'registrationNumber', description: 'The registration plate, e.g. 10-AB-123.' },
} as const;

type EntityName = keyof typeof ENTITY_KEYS;
type EntityKey<N extends EntityName> = (typeof ENTITY_KEYS)[N]['key'];

/**
 * A federation entity as a subgraph that extends it declares it: its key only, with the one
 * name, key and description every subgraph shares. Each call makes a class of its own, so the
 * field resolvers one subgraph adds never reach another's schema, even in one process.
 */
export function entityReference<N extends EntityName>(name: N): new () => Record<EntityKey<N>, string> {
  const { key, description } = ENTITY_KEYS[name];
  const Reference = class {};
  Field(() => ID, { description })(Reference.prototype, key);
  ObjectType(name, { description: ENTITY_DESCRIPTIONS[name] })(Reference);
  Directive(`@key(fields: "${key}")`)(Reference);
  return Reference as new () => Record<EntityKey<N>, string>;
}
