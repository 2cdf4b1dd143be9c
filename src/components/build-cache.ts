/**
 * Build-time results shared by every page of one build: a check or a simulation that several
 * components show runs once.
 */
const cache = new Map<string, unknown>();

export function buildCheck<T>(key: string, compute: () => T): T {
  if (!cache.has(key)) cache.set(key, compute());
  return cache.get(key) as T;
}
