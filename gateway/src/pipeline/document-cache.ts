import { Kind, visit, type DocumentNode, type OperationDefinitionNode, type ValueNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { AccessLevel } from '@hub/kit';
import { selectOperation, type GraphQLRequestBody, type SelectedOperation } from '../http/graphql-request';

/**
 * The rules' work on a document done once, not per request: callers send the same few
 * operations again and again. The parsed document is kept by its text; what the rules derive
 * from it (limits verdict, access decision, printed text) is kept per parsed document, so it
 * goes when the document does. Only what does not depend on the request's variables is kept,
 * and only successes: a refusal is worked out anew each time. Memory only, bounded; nothing
 * of it is written anywhere (R6).
 */

/** Documents kept; their texts together at most this many characters (a parsed document is some twenty times its text). */
export const DOCUMENTS_KEPT = 1_000;
export const DOCUMENT_TEXT_KEPT = 1_000_000;
/** Per document, one entry per set of limits or levels: a handful of agencies and roles send the same operation. */
export const VARIANTS_KEPT = 64;

/** Values kept by a request's text, keyed by the text itself: a map's own hash, no collision to reason about. */
export class TextCache<V extends NonNullable<unknown>> {
  private readonly entries = new LRUCache<string, V>({
    max: DOCUMENTS_KEPT,
    maxSize: DOCUMENT_TEXT_KEPT,
    sizeCalculation: (_v, text) => Math.max(1, text.length),
  });

  get(text: string): V | undefined {
    return this.entries.get(text);
  }

  set(text: string, value: V): void {
    this.entries.set(text, value);
  }
}

/** graphql-request.ts's selection, parsing a text only the first time it is seen; the SelectedOperation itself is each request's own. */
export class DocumentCache {
  private readonly documents = new TextCache<DocumentNode>();

  select(body: GraphQLRequestBody): SelectedOperation {
    const kept = this.documents.get(body.query);
    if (kept) return selectOperation(body, kept);
    const selected = selectOperation(body);
    this.documents.set(body.query, selected.document);
    return selected;
  }

  /** A text parsed before traffic (a registered operation's), found like any text seen before. */
  keep(text: string, document: DocumentNode): void {
    this.documents.set(text, document);
  }
}

/** Values derived from one parsed node, one per key (a set of limits, a set of levels); gone with the node. */
export class PerDocument<V> {
  private readonly byNode = new WeakMap<object, Map<string, V>>();

  get(node: object, key: string): V | undefined {
    return this.byNode.get(node)?.get(key);
  }

  set(node: object, key: string, value: V): void {
    let variants = this.byNode.get(node);
    if (!variants) {
      variants = new Map();
      this.byNode.set(node, variants);
    }
    // Oldest first out: the bound only matters to a caller cycling through made-up levels, which cannot happen.
    if (variants.size >= VARIANTS_KEPT) variants.delete(variants.keys().next().value as string);
    variants.set(key, value);
  }
}

const keysOfLevels = new WeakMap<ReadonlyMap<string, AccessLevel>, string>();

/** The caller's levels as a key: the access decision depends on nothing else of the caller. Levels maps are never changed once made. */
export function levelsKey(levels: ReadonlyMap<string, AccessLevel>): string {
  let key = keysOfLevels.get(levels);
  if (key === undefined) {
    key = [...levels]
      .map(([resource, level]) => `${resource}=${level}`)
      .sort()
      .join(',');
    keysOfLevels.set(levels, key);
  }
  return key;
}

const variableDependence = new WeakMap<DocumentNode, boolean>();

/**
 * Whether the limits verdict on a document can depend on the variables: the page size (a
 * `first` argument, see policy/operation-limits.ts) and @include / @skip decide the cost, and either may take a
 * variable. Every other argument leaves the measured values unchanged.
 */
export function limitsDependOnVariables(document: DocumentNode): boolean {
  let depends = variableDependence.get(document);
  if (depends === undefined) {
    let found = false;
    visit(document, {
      [Kind.DIRECTIVE]: (node) => {
        if (node.arguments?.some((a) => hasVariable(a.value))) found = true;
      },
      [Kind.ARGUMENT]: (node) => {
        if (node.name.value === 'first' && hasVariable(node.value)) found = true;
      },
    });
    depends = found;
    variableDependence.set(document, depends);
  }
  return depends;
}

function hasVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(hasVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((f) => hasVariable(f.value));
  return false;
}

/** The text Apollo executes for an operation the access stage changed; printed once per changed operation. */
const printed = new WeakMap<OperationDefinitionNode, string>();

export function printedOnce(operation: OperationDefinitionNode, print: (operation: OperationDefinitionNode) => string): string {
  let text = printed.get(operation);
  if (text === undefined) {
    text = print(operation);
    printed.set(operation, text);
  }
  return text;
}
