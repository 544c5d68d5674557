import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { AccessLevel } from '@hub/kit';
import { selectOperation, type GraphQLRequestBody, type SelectedOperation } from '../http/graphql-request';

/**
 * The rules' work on a document done once, not per request: callers send the same few
 * operations again and again, and registered operations are decided before traffic (Stage.warm).
 * The parsed document is kept by its text; what each stage derives from it (limits verdict,
 * access decision, what it reads, the printed text) is kept by the parsed document or executable,
 * all in the one Cache below. Only what does not depend on the request's variables is kept.
 * Memory only, bounded; nothing of it is written anywhere (R6).
 */

/** Keys kept per cache: documents, or texts together at most DOCUMENT_TEXT_KEPT characters (a parsed document is some twenty times its text). */
export const DOCUMENTS_KEPT = 1_000;
export const DOCUMENT_TEXT_KEPT = 1_000_000;
/** Per key, one entry per set of limits or levels: a handful of agencies and roles send the same operation. */
export const VARIANTS_KEPT = 64;

export interface CacheStats {
  readonly name: string;
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
}

/**
 * The one cache of the request path: a value per key (a text, a parsed document, an executable)
 * and variant (a set of limits, of levels), least recently used out first, every lookup counted
 * (hub_gateway_cache_lookups_total). Text keys are bounded by their length as well.
 */
export class Cache<K extends object | string, V> implements CacheStats {
  hits = 0;
  misses = 0;
  private readonly entries: LRUCache<K, Map<string, V>>;

  constructor(
    readonly name: string,
    texts = false,
  ) {
    this.entries = new LRUCache<K, Map<string, V>>(
      texts
        ? { max: DOCUMENTS_KEPT, maxSize: DOCUMENT_TEXT_KEPT, sizeCalculation: (_v, text) => Math.max(1, (text as string).length) }
        : { max: DOCUMENTS_KEPT },
    );
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K, variant = ''): V | undefined {
    const value = this.entries.get(key)?.get(variant);
    if (value === undefined) this.misses += 1;
    else this.hits += 1;
    return value;
  }

  set(key: K, variant: string, value: V): void {
    let variants = this.entries.get(key);
    if (!variants) {
      variants = new Map();
      this.entries.set(key, variants);
    }
    // Oldest first out: the bound only matters to a caller cycling through made-up levels, which cannot happen.
    if (variants.size >= VARIANTS_KEPT && !variants.has(variant)) variants.delete(variants.keys().next().value as string);
    variants.set(variant, value);
  }
}

/** Every cache of one gateway, for its metrics. */
export class Caches {
  private readonly all: Array<Cache<never, unknown>> = [];

  create<K extends object | string, V>(name: string, texts = false): Cache<K, V> {
    const cache = new Cache<K, V>(name, texts);
    this.all.push(cache as unknown as Cache<never, unknown>);
    return cache;
  }

  stats(): CacheStats[] {
    return this.all;
  }
}

/** graphql-request.ts's selection, parsing a text only the first time it is seen; the SelectedOperation itself is each request's own. */
export class DocumentCache {
  private readonly documents: Cache<string, DocumentNode>;

  constructor(caches: Caches) {
    this.documents = caches.create('documents', true);
  }

  select(body: GraphQLRequestBody): SelectedOperation {
    const kept = this.documents.get(body.query);
    if (kept) return selectOperation(body, kept);
    const selected = selectOperation(body);
    this.documents.set(body.query, '', selected.document);
    return selected;
  }

  /** A text parsed before traffic (a registered operation's), found like any text seen before. */
  keep(text: string, document: DocumentNode): void {
    this.documents.set(text, '', document);
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
