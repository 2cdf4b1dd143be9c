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

const RCU_DOC = new Set(['RCU+sync+free', 'RCU+sync+read']);

/** The project's own tests, with no kernel test of that name (RCU's and SRCU's rules, rings). */
const PROJECT_ONLY = new Set([
  'MP+rcu-rscs-nogp',
  'SB+rcu-sync-rscs',
  'RCU+sync+rcs-cumul',
  'RCU-ring+gp+rcs+rcs',
  'RCU-ring+gp+gp+rcs',
  'RCU-ring+gp+rcs+gp+rcs',
  'SRCU+sync+read',
  'SRCU+sync+read-other-domain',
  'SRCU-reader+sync-rcu',
  'SB+srcu-unlock-mb-after',
  'SB+mb-after-srcu-alone',
  'SB+srcu-rscs-nogp',
  // Dependencies from the syntax, and dependent stores in S shapes (issue 14, class 3).
  'LB+ctrlonceonces-always-true',
  'LB+ctrlonceonces-after-if',
  'LB+dataonceonces-false',
  'S+fencewmbonceonce+ctrlonce',
  'S+fencewmbonceonce+dataonce',
  'S+fencewmbonceonce+addronce',
  'S+fencewmbonceonce+addrctrlonce',
  'S+poonceonce+ctrlonce',
]);

/** The kernel's test of the same name (the shape this file was written from), if there is one. */
export function kernelUrl(name: string): string | undefined {
  if (ATOMIC.has(name)) return `${KERNEL_TREE}/Documentation/litmus-tests/atomic/${name}.litmus`;
  if (LOCKING.has(name)) return `${KERNEL_TREE}/Documentation/litmus-tests/locking/${name}.litmus`;
  if (RCU_DOC.has(name)) return `${KERNEL_TREE}/Documentation/litmus-tests/rcu/${name}.litmus`;
  if (name.endsWith('-nolock') || PROJECT_ONLY.has(name)) return undefined;
  return `${KERNEL_TREE}/tools/memory-model/litmus-tests/${name}.litmus`;
}

/** The kernel's litmus tests the engine cannot express yet, and why. */
export const NOT_EXPRESSIBLE: readonly { readonly name: string; readonly dir: string; readonly reason: string }[] = [
  {
    name: 'RM-broken',
    dir: 'Documentation/litmus-tests/locking',
    reason:
      'its stated result is DEADLOCK (herd7 finds no execution that passes the filter with both critical sections complete), which is not one of the outcomes Never, Sometimes, Always that the judge compares; the engine reaches no final state that passes the filter (Never 0/0)',
  },
];
