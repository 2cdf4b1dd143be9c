/**
 * Load buffering across the end of a read-side critical section. LKMM gives rcu_read_unlock()
 * and srcu_read_unlock() no ordering of their own (linux-kernel.cat: Rcu-unlock and Srcu-unlock
 * appear only in rcu-order), so a store after the unlock that does not depend on a load inside
 * the critical section may become visible before that load (LB+rcu-unlock: Sometimes). The
 * relaxed model used to perform no store early across the unlock (Never). It now lets such a
 * store pass the unlock as it passes smp_rmb() (threads.ts, earlyStore), performs the unlock after
 * the load, and keeps the store out of the unlock's release, since a store after the critical
 * section is not part of it (LB+rcu-unlock+gp: a grace period that waits for the critical section
 * need not see the store).
 *
 * Each shape states LKMM's answer; the axioms must give it, and the operational relaxed model the
 * same outcome and the same final states.
 */
import { describe, it } from 'vitest';
import { expectLkmmAnswer, type LitmusShape } from '../support/litmus-shapes.ts';

type Shape = LitmusShape;

const PARAMS = 'int *x, int *y, int *z, struct srcu_struct *s';

const SHAPES: readonly Shape[] = [
  {
    name: 'LB+rcu-unlock',
    lkmm: 'Sometimes',
    why: 'rcu_read_unlock() is no barrier, and there is no grace period',
    threads: [
      'rcu_read_lock(); r0 = READ_ONCE(*x); rcu_read_unlock(); WRITE_ONCE(*y, 1);',
      'rcu_read_lock(); r0 = READ_ONCE(*y); rcu_read_unlock(); WRITE_ONCE(*x, 1);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+rcu-unlock-nested',
    lkmm: 'Sometimes',
    why: 'two nested unlocks are no barrier either',
    threads: [
      'rcu_read_lock(); rcu_read_lock(); r0 = READ_ONCE(*x); rcu_read_unlock(); rcu_read_unlock(); WRITE_ONCE(*y, 1);',
      'r0 = READ_ONCE(*y); WRITE_ONCE(*x, 1);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+srcu-unlock',
    lkmm: 'Sometimes',
    why: 'srcu_read_unlock() is no barrier (Srcu-unlock is only in rcu-order)',
    threads: [
      'i = srcu_read_lock(s); r0 = READ_ONCE(*x); srcu_read_unlock(s, i); WRITE_ONCE(*y, 1);',
      'i = srcu_read_lock(s); r0 = READ_ONCE(*y); srcu_read_unlock(s, i); WRITE_ONCE(*x, 1);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+rcu-unlock-datas',
    lkmm: 'Never',
    why: 'a store whose value depends on the load stays after it (rwdep in ppo), unlock or not',
    threads: [
      'rcu_read_lock(); r0 = READ_ONCE(*x); rcu_read_unlock(); WRITE_ONCE(*y, r0);',
      'rcu_read_lock(); r0 = READ_ONCE(*y); rcu_read_unlock(); WRITE_ONCE(*x, r0);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+rcu-unlock+sync',
    lkmm: 'Never',
    why: 'the other side has a grace period between its load and its store (a strong fence, gp)',
    threads: [
      'rcu_read_lock(); r0 = READ_ONCE(*x); rcu_read_unlock(); WRITE_ONCE(*y, 1);',
      'r0 = READ_ONCE(*y); synchronize_rcu(); WRITE_ONCE(*x, 1);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+rcu-unlock+gp',
    lkmm: 'Sometimes',
    why:
      'the grace period waits for the critical section (it read z, written inside it), but the store after the ' +
      'unlock is not in the critical section, so it need not be visible after the grace period',
    threads: [
      'rcu_read_lock(); WRITE_ONCE(*z, 1); r0 = READ_ONCE(*x); rcu_read_unlock(); WRITE_ONCE(*y, 1);',
      'r1 = READ_ONCE(*y); WRITE_ONCE(*x, r1);',
      'r3 = READ_ONCE(*z); synchronize_rcu(); r2 = READ_ONCE(*y);',
    ],
    exists: '0:r0=1 /\\ 1:r1=1 /\\ 2:r3=1 /\\ 2:r2=0',
  },
  {
    name: 'MP+rcu-unlock+gp',
    lkmm: 'Never',
    why:
      'a store inside the critical section is ordered before what follows a grace period that waits for it ' +
      '(rcu-fence), early stores after the unlock notwithstanding',
    threads: [
      'rcu_read_lock(); WRITE_ONCE(*z, 1); r0 = READ_ONCE(*x); rcu_read_unlock(); WRITE_ONCE(*y, 1);',
      'r3 = READ_ONCE(*y); synchronize_rcu(); r2 = READ_ONCE(*z);',
    ],
    exists: '1:r3=1 /\\ 1:r2=0',
  },
];

describe('load buffering across rcu_read_unlock() and srcu_read_unlock(), as in LKMM', () => {
  it.each(SHAPES.map((s) => [s.name, s] as const))('%s', (_n, shape) => {
    expectLkmmAnswer(shape, PARAMS);
  });
});
