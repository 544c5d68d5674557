/** The audit journal is read by filters, not by entity keys: nothing to batch. */
export function createLoaders(): Record<string, never> {
  return {};
}

export type Loaders = ReturnType<typeof createLoaders>;
