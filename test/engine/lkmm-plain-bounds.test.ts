/**
 * What bounds a plain access in LKMM's data-race rules (linux-kernel.cat, "Plain accesses and
 * data races"): a plain read is r-pre-bounded only by a marked access followed by an address
 * dependency or a fence (nonrw-fence: a strong fence, an acquire before it; or smp_rmb() between
 * marked reads and it), a plain write w-pre-bounded by an address dependency or a fence. A read
 * or write of the same location before it (po-loc), a control dependency and a data dependency
 * bound nothing, so a plain access after them still races with another CPU's conflicting access.
 *
 * The operational check used to count a plain access as ordered after whatever its CPU had seen
 * (its view), and so missed the races of the first family (WR+once+ctrl-plain, found by the
 * axiomatic cross-check). Each shape here states LKMM's answer and herd's data-race flag; the
 * axioms must give them, and the operational relaxed model the same outcome, final states and
 * flag.
 */
import { describe, expect, it } from 'vitest';
import { checkAxiomatic } from '../../src/spec/litmus/axiomatic/check.ts';
import { checkLitmus } from '../../src/spec/litmus/compile.ts';
import { loadLitmus } from '../../src/spec/litmus/judge.ts';

interface Shape {
  readonly name: string;
  readonly lkmm: 'Never' | 'Sometimes' | 'Always';
  readonly race: boolean;
  /** Why, from linux-kernel.cat. */
  readonly why: string;
  readonly threads: readonly string[];
  readonly exists: string;
  readonly init?: string;
  /**
   * The operational model orders plain accesses as WRITE_ONCE() (memory/relaxed.ts, "stronger
   * than LKMM"), so in a racy shape it may miss final states the axioms allow (LKMM's
   * plain-coherence does not order an unbounded plain write): then its final states must be a
   * proper subset of the axioms', and the stated outcome the same.
   */
  readonly fewerFinals?: string;
}

const PARAMS = 'int *x, int *y, int *a, int **p';

const source = (s: Shape): string => {
  const threads = s.threads.map((body, i) => {
    const regs = [...new Set(body.match(/\br[0-9]\b/g) ?? [])].map((r) => `int ${r}; `).join('');
    return `P${i}(${PARAMS}) { ${regs}${body} }`;
  });
  return `C ${s.name}\n\n{ ${s.init ?? ''} }\n\n${threads.join('\n')}\n\nexists (${s.exists})\n`;
};

const key = (states: readonly { values: Readonly<Record<string, string>>; satisfies: boolean }[]): string[] =>
  states.map((st) => `${JSON.stringify(st.values)}${st.satisfies ? ' *' : ''}`).sort();

/** A plain access after something that is not a bound: a race. */
const UNBOUNDED: readonly Shape[] = [
  {
    name: 'WR+once+ctrl-plain',
    lkmm: 'Sometimes',
    race: true,
    why: 'a control dependency does not bound a plain read (r-pre-bounded: addr and fences only)',
    threads: ['WRITE_ONCE(*x, 1);', 'r0 = READ_ONCE(*x); if (r0) r1 = *x;'],
    exists: '1:r0=1 /\\ 1:r1=1',
  },
  {
    name: 'WR+once+po-plain',
    lkmm: 'Sometimes',
    race: true,
    why: 'READ_ONCE() of the same location just before (po-loc) is no bound either',
    threads: ['WRITE_ONCE(*x, 1);', 'r0 = READ_ONCE(*x); r1 = *x;'],
    exists: '1:r0=1 /\\ 1:r1=1',
  },
  {
    name: 'WW+once+ctrl-plainw',
    lkmm: 'Sometimes',
    race: true,
    why: 'a control dependency does not bound a plain write (w-pre-bounded: addr and fences only)',
    threads: ['WRITE_ONCE(*x, 1);', 'r0 = READ_ONCE(*x); if (r0) *x = 2;'],
    exists: '1:r0=1 /\\ x=2',
  },
  {
    name: 'WW+once+ctrl-rmb-plainw',
    lkmm: 'Sometimes',
    race: true,
    why: 'smp_rmb() orders reads only (rmb is R4rmb to R4rmb), so it does not bound a plain write',
    threads: ['WRITE_ONCE(*x, 1);', 'r0 = READ_ONCE(*x); if (r0) { smp_rmb(); *x = 2; }'],
    exists: '1:r0=1 /\\ x=2',
  },
  {
    name: 'WW+once+data-wmb-plainw',
    lkmm: 'Sometimes',
    race: true,
    why: 'smp_wmb() after a marked write makes the plain write w-pre-bounded, but ww-nonrace also needs wr-vis, whose r-pre-bounded has no wmb',
    threads: ['WRITE_ONCE(*x, 1);', 'r0 = READ_ONCE(*x); if (r0) { WRITE_ONCE(*y, r0); smp_wmb(); *x = 2; }'],
    exists: '1:r0=1 /\\ x=2',
  },
  {
    name: 'MP+release+ctrl-plainw',
    lkmm: 'Sometimes',
    race: true,
    why: 'the reader writes *a under a control dependency on the flag: not w-pre-bounded, so it races with the plain *a = 1',
    threads: ['*a = 1; smp_store_release(y, 1);', 'r0 = READ_ONCE(*y); if (r0) *a = 2;'],
    exists: '1:r0=1 /\\ a=2',
    fewerFinals:
      'LKMM lets the unbounded *a = 2 come before *a = 1 in coherence (a=1 at the end with r0=1); the engine keeps the control-dependent store after what the flag carried',
  },
  {
    name: 'WR+own-write+plain',
    lkmm: 'Sometimes',
    race: true,
    why: "a plain read of its own WRITE_ONCE() still races with another CPU's write coherence-before it (wr-race has co? ; rf)",
    threads: ['WRITE_ONCE(*x, 1);', 'WRITE_ONCE(*x, 2); r1 = *x;'],
    exists: 'x=2 /\\ 1:r1=2',
  },
];

/** The same shapes with a bound: no race. */
const BOUNDED: readonly Shape[] = [
  {
    name: 'WR+once+ctrl-rmb-plain',
    lkmm: 'Never',
    race: false,
    why: 'a marked read, smp_rmb(), then the plain read: r-pre-bounded',
    threads: ['WRITE_ONCE(*x, 1);', 'r1 = 2; r0 = READ_ONCE(*x); if (r0) { smp_rmb(); r1 = *x; }'],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'WR+acquire+ctrl-plain',
    lkmm: 'Never',
    race: false,
    why: 'an acquire before the plain read (acq-po, a nonrw-fence): r-pre-bounded',
    threads: ['WRITE_ONCE(*x, 1);', 'r1 = 2; r0 = smp_load_acquire(x); if (r0) r1 = *x;'],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'WW+once+ctrl-mb-plainw',
    lkmm: 'Never',
    race: false,
    why: 'a marked read, smp_mb(), then the plain write: w-pre-bounded (a strong fence)',
    threads: ['WRITE_ONCE(*x, 1);', 'r0 = READ_ONCE(*x); if (r0) { smp_mb(); *x = 2; }'],
    exists: '1:r0=1 /\\ x=1',
  },
  {
    name: 'MP+release+acquire-plainw',
    lkmm: 'Never',
    race: false,
    why: 'the acquire of the flag bounds the plain write, and the release bounds *a = 1 (w-post-bounded)',
    threads: ['*a = 1; smp_store_release(y, 1);', 'r0 = smp_load_acquire(y); if (r0) *a = 2;'],
    exists: '1:r0=1 /\\ a=1',
  },
  {
    name: 'MP+assign+deref-plainw',
    lkmm: 'Never',
    race: false,
    why: 'a plain write through the pointer rcu_dereference() returned: the address dependency bounds it (w-pre-bounded: addr)',
    init: 'p=x;',
    threads: ['*a = 1; rcu_assign_pointer(*p, a);', 'r0 = rcu_dereference(*p); *r0 = 2;'],
    exists: 'a=1 /\\ 1:r0=a',
  },
  {
    name: 'MP+assign+deref-plain',
    lkmm: 'Never',
    race: false,
    why: 'a plain read through the pointer: the address dependency bounds it (r-pre-bounded: addr)',
    init: 'p=x;',
    threads: ['*a = 1; rcu_assign_pointer(*p, a);', 'r1 = 2; r0 = rcu_dereference(*p); r1 = *r0;'],
    exists: '1:r0=a /\\ 1:r1=0',
  },
];

function check(shape: Shape): void {
  const test = loadLitmus(source(shape), `${shape.name}.litmus`);
  const ax = checkAxiomatic(test);
  expect(ax.observation, `axioms (${shape.why})`).toBe(shape.lkmm);
  expect(ax.dataRace, `axioms' data-race flag (${shape.why})`).toBe(shape.race);
  for (const reduction of [true, false]) {
    const op = checkLitmus(test, 'relaxed', { reduction });
    expect(op.problem).toBeUndefined();
    expect(op.observation, `relaxed, reduction ${reduction}`).toBe(shape.lkmm);
    expect(op.dataRace, `relaxed data-race flag, reduction ${reduction} (${shape.why})`).toBe(shape.race);
    if (shape.fewerFinals === undefined) {
      expect(key(op.finalStates), 'relaxed final states = the axioms').toEqual(key(ax.finalStates));
    } else {
      const all = key(ax.finalStates);
      const mine = key(op.finalStates);
      expect(
        mine.every((k) => all.includes(k)),
        shape.fewerFinals,
      ).toBe(true);
      expect(mine.length, shape.fewerFinals).toBeLessThan(all.length);
    }
  }
}

describe('a plain access after po-loc, a control dependency or smp_rmb() (for a write) races, as in LKMM', () => {
  it.each(UNBOUNDED.map((s) => [s.name, s] as const))('%s', (_n, s) => check(s));
});

describe('a plain access bounded by smp_rmb(), smp_mb(), an acquire or an address dependency does not', () => {
  it.each(BOUNDED.map((s) => [s.name, s] as const))('%s', (_n, s) => check(s));
});
