/**
 * Load buffering into a read-side critical section. LKMM gives rcu_read_lock() and
 * srcu_read_lock() no ordering of their own (linux-kernel.cat: Rcu-lock and Srcu-lock appear only
 * in rcu-order, through rscs), so a store inside the critical section that does not depend on a
 * load before the lock may become visible before that load (LB+rcu-lock: Sometimes). The relaxed
 * model used to perform no store early across the lock (Never). It now lets such a store pass the
 * lock together with the lock's nesting increment (threads.ts, AheadStore.locks): a grace period
 * then waits for the critical section from the moment its store is visible, and the store carries
 * what the grace periods started so far carried, so the grace-period guarantee still holds (the
 * shapes with synchronize_rcu() below, where LKMM's rcu-fence forbids the outcome, even through a
 * load before the lock: rscs relates every access before the unlock to every one after the lock).
 *
 * Each shape states LKMM's answer; the axioms must give it, and the operational relaxed model the
 * same outcome and the same final states, with and without partial-order reduction.
 */
import { describe, expect, it } from 'vitest';
import { checkAxiomatic } from '../../src/spec/litmus/axiomatic/check.ts';
import { checkLitmus } from '../../src/spec/litmus/compile.ts';
import { loadLitmus } from '../../src/spec/litmus/judge.ts';
import { expectLkmmAnswer, type LitmusShape, shapeSource } from '../support/litmus-shapes.ts';

type Shape = LitmusShape;

const PARAMS = 'int *x, int *y, int *z, int *a, struct srcu_struct *s';

const CS = (body: string): string => `rcu_read_lock(); ${body} rcu_read_unlock();`;

const SHAPES: readonly Shape[] = [
  {
    name: 'LB+rcu-lock',
    lkmm: 'Sometimes',
    why: 'rcu_read_lock() is no barrier, and there is no grace period',
    threads: [`r0 = READ_ONCE(*x); ${CS('WRITE_ONCE(*y, 1);')}`, `r0 = READ_ONCE(*y); ${CS('WRITE_ONCE(*x, 1);')}`],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+srcu-lock',
    lkmm: 'Sometimes',
    why: 'srcu_read_lock() is no barrier either',
    threads: [
      'r0 = READ_ONCE(*x); i = srcu_read_lock(s); WRITE_ONCE(*y, 1); srcu_read_unlock(s, i);',
      'r0 = READ_ONCE(*y); i = srcu_read_lock(s); WRITE_ONCE(*x, 1); srcu_read_unlock(s, i);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+rcu-lock+read-between',
    lkmm: 'Sometimes',
    why: 'a load inside the critical section before the store: the store passes it and the lock',
    threads: [
      `r0 = READ_ONCE(*x); ${CS('r1 = READ_ONCE(*z); WRITE_ONCE(*y, 1);')}`,
      `r0 = READ_ONCE(*y); ${CS('WRITE_ONCE(*x, 1);')}`,
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+rcu-lock+datas',
    lkmm: 'Never',
    why: 'the stores depend on the loads (rwdep), locks or not',
    threads: [`r0 = READ_ONCE(*x); ${CS('WRITE_ONCE(*y, r0);')}`, `r0 = READ_ONCE(*y); ${CS('WRITE_ONCE(*x, r0);')}`],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+rcu-lock+sync',
    lkmm: 'Never',
    why: 'the critical section precedes the grace period (its store was read before it), so the load before the lock cannot see a write after it',
    threads: [
      `r0 = READ_ONCE(*x); ${CS('WRITE_ONCE(*y, 1);')}`,
      'r0 = READ_ONCE(*y); synchronize_rcu(); WRITE_ONCE(*x, 1);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'LB+rcu-lock+sync-3',
    lkmm: 'Never',
    why: 'the same through a third CPU',
    threads: [
      `r0 = READ_ONCE(*x); ${CS('WRITE_ONCE(*y, 1);')}`,
      'r0 = READ_ONCE(*y); WRITE_ONCE(*z, r0);',
      'r0 = READ_ONCE(*z); synchronize_rcu(); WRITE_ONCE(*x, 1);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1 /\\ 2:r0=1',
  },
  {
    name: 'RCU+early-store+read-after',
    lkmm: 'Never',
    why: 'a read after the store inside the critical section cannot see a write after the grace period its store preceded',
    threads: [
      `r0 = READ_ONCE(*x); ${CS('WRITE_ONCE(*y, 1); r1 = READ_ONCE(*z);')}`,
      'r0 = READ_ONCE(*y); synchronize_rcu(); WRITE_ONCE(*z, 1);',
    ],
    exists: '1:r0=1 /\\ 0:r1=1',
  },
  {
    name: 'RCU+early-store+read-before',
    lkmm: 'Never',
    why: 'the same with the read before the store inside the critical section',
    threads: [
      `r0 = READ_ONCE(*x); ${CS('r1 = READ_ONCE(*z); WRITE_ONCE(*y, 1);')}`,
      'r0 = READ_ONCE(*y); synchronize_rcu(); WRITE_ONCE(*z, 1);',
    ],
    exists: '1:r0=1 /\\ 0:r1=1',
  },
  {
    name: 'MP+rcu-lock-early+gp',
    lkmm: 'Sometimes',
    why: 'the critical section may start after the grace period started; nothing orders a before y for a third CPU',
    threads: [
      `r0 = READ_ONCE(*x); ${CS('WRITE_ONCE(*y, 1);')}`,
      'WRITE_ONCE(*a, 1); synchronize_rcu(); r0 = READ_ONCE(*z);',
      'r0 = READ_ONCE(*y); smp_rmb(); r1 = READ_ONCE(*a);',
    ],
    exists: '2:r0=1 /\\ 2:r1=0',
  },
  {
    name: 'RCU-MP+early-store+sync',
    lkmm: 'Never',
    why: 'a store in a critical section seen before a grace period orders the critical section before its end: the reader after the grace period sees what the section wrote before',
    threads: [
      `r0 = READ_ONCE(*x); ${CS('WRITE_ONCE(*z, 1); WRITE_ONCE(*y, 1);')}`,
      'r0 = READ_ONCE(*y); synchronize_rcu(); r1 = READ_ONCE(*z);',
    ],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'LB+rcu-lock-nested',
    lkmm: 'Sometimes',
    why: 'nested locks are no barrier either (here the other side goes early)',
    threads: [`r0 = READ_ONCE(*x); ${CS(CS('WRITE_ONCE(*y, 1);'))}`, 'r0 = READ_ONCE(*y); WRITE_ONCE(*x, 1);'],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
];

describe('load buffering into read-side critical sections, as in LKMM', () => {
  it.each(SHAPES.map((s) => [s.name, s] as const))('%s', (_n, shape) => {
    expectLkmmAnswer(shape, PARAMS);
  });
});

/**
 * Still stronger than LKMM (memory/relaxed.ts): a store does not pass two nested locks of the same
 * domain, so LB with both sides' stores inside nested critical sections stays Never.
 */
describe('STRONGER THAN LKMM TODAY: load buffering across nested rcu_read_lock()s', () => {
  it('LB+rcu-lock-nesteds: LKMM Sometimes, the engine Never', () => {
    const shape: Shape = {
      name: 'LB+rcu-lock-nesteds',
      lkmm: 'Sometimes',
      why: 'two nested locks are no barrier',
      threads: [
        `r0 = READ_ONCE(*x); ${CS(CS('WRITE_ONCE(*y, 1);'))}`,
        `r0 = READ_ONCE(*y); ${CS(CS('WRITE_ONCE(*x, 1);'))}`,
      ],
      exists: '0:r0=1 /\\ 1:r0=1',
    };
    const test = loadLitmus(shapeSource(shape, PARAMS), `${shape.name}.litmus`);
    expect(checkAxiomatic(test).observation, shape.why).toBe('Sometimes');
    expect(checkLitmus(test, 'relaxed').observation).toBe('Never');
  });
});
