/**
 * The project's litmus corpus: the .litmus files in ./tests, written for this project in the
 * shapes (and under the names) of the kernel's tools/memory-model/litmus-tests and
 * Documentation/litmus-tests at v6.12, each stating LKMM's documented result and the x86 and SC
 * answers in its header comment. They are bundled with Vite's `?raw` glob import (site, Web
 * Worker and Vitest); the CLI reads the same files from disk.
 *
 * NOT_EXPRESSIBLE lists the kernel's tests that need constructs the engine cannot express yet.
 */
import type { CompiledLitmus } from './compile.ts';
import { loadLitmus } from './judge.ts';

export const KERNEL_TREE = 'https://github.com/torvalds/linux/blob/v6.12';

const FILES = import.meta.glob<string>('./tests/*.litmus', { query: '?raw', import: 'default', eager: true });

/** The corpus's texts by file name (`SB+poonceonces.litmus`), in name order. */
export const CORPUS_SOURCES: readonly { readonly file: string; readonly source: string }[] = Object.entries(FILES)
  .map(([p, source]) => ({ file: p.replace(/^.*\//, ''), source }))
  .sort((a, b) => (a.file < b.file ? -1 : 1));

export const CORPUS: readonly CompiledLitmus[] = CORPUS_SOURCES.map(({ file, source }) =>
  loadLitmus(source, `src/spec/litmus/tests/${file}`),
);

const LOCKING = new Set(['DCL-broken', 'DCL-fixed', 'RM-broken', 'RM-fixed']);

const ATOMIC = new Set([
  'Atomic-RMW+mb__after_atomic-is-stronger-than-acquire',
  'Atomic-RMW-ops-are-atomic-WRT-atomic_set',
  'cmpxchg-fail-ordered-1',
  'cmpxchg-fail-ordered-2',
  'cmpxchg-fail-unordered-1',
  'cmpxchg-fail-unordered-2',
]);

/** The kernel's test of the same name (the shape this file was written from), if there is one. */
export function kernelUrl(name: string): string | undefined {
  if (ATOMIC.has(name)) return `${KERNEL_TREE}/Documentation/litmus-tests/atomic/${name}.litmus`;
  if (LOCKING.has(name)) return `${KERNEL_TREE}/Documentation/litmus-tests/locking/${name}.litmus`;
  if (name.endsWith('-nolock')) return undefined;
  return `${KERNEL_TREE}/tools/memory-model/litmus-tests/${name}.litmus`;
}

/** The kernel's litmus tests the engine cannot express yet, and why. */
export const NOT_EXPRESSIBLE: readonly { readonly name: string; readonly dir: string; readonly reason: string }[] = [
  {
    name: 'MP+onceassign+derefonce',
    dir: 'tools/memory-model/litmus-tests',
    reason:
      'rcu_read_lock() and rcu_read_unlock() (RCU is not an engine primitive yet); the table has the same shape without them, MP+onceassign+derefonce-nolock',
  },
  {
    name: 'RM-broken',
    dir: 'Documentation/litmus-tests/locking',
    reason:
      'its stated result is DEADLOCK (herd7 finds no execution that passes the filter with both critical sections complete), which is not one of the outcomes Never, Sometimes, Always that the judge compares; the engine reaches no final state that passes the filter (Never 0/0)',
  },
  {
    name: 'RCU+sync+free',
    dir: 'Documentation/litmus-tests/rcu',
    reason: 'RCU (rcu_read_lock(), synchronize_rcu())',
  },
  {
    name: 'RCU+sync+read',
    dir: 'Documentation/litmus-tests/rcu',
    reason: 'RCU (rcu_read_lock(), synchronize_rcu())',
  },
];
