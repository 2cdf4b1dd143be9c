/**
 * The axiomatic LKMM checker on what lock.cat, linux-kernel.cat's RCU axiom and its
 * plain-access rules add: shapes of each, with LKMM's answer (and where it comes from) and
 * whether herd would print "Flag data-race", each cross-checked against the operational relaxed
 * model (same outcome, same final states, same data-race verdict) unless listed in
 * OPERATIONAL_DIFFERS with the reason.
 */
import { describe, expect, it } from 'vitest';
import { checkAxiomatic, valueDomain } from '../../src/spec/litmus/axiomatic/check.ts';
import { lkmm } from '../../src/spec/litmus/axiomatic/lkmm.ts';
import { EventSet, id, Relation, seq } from '../../src/spec/litmus/axiomatic/relation.ts';
import { checkLitmus } from '../../src/spec/litmus/compile.ts';
import { loadLitmus } from '../../src/spec/litmus/judge.ts';

interface Shape {
  readonly name: string;
  readonly lkmm: 'Never' | 'Sometimes' | 'Always';
  /** herd's "Flag data-race" (only shapes with plain accesses can set it). */
  readonly race?: boolean;
  readonly source: string;
  /** Parameters of every thread (all of them, so every thread sees every location). */
  readonly params: string;
  readonly threads: readonly string[];
  readonly exists: string;
  readonly init?: string;
}

const LOCK_PARAMS = 'spinlock_t *s, spinlock_t *t, int *x, int *y';
const RCU_PARAMS = 'int *x, int *y, int *z';
const SRCU_PARAMS = 'struct srcu_struct *s, struct srcu_struct *s2, int *x, int *y';
const PLAIN_PARAMS = 'int *x, int *y, spinlock_t *s';

const shapeSource = (s: Shape): string => {
  const threads = s.threads.map((body, i) => {
    const regs = [...new Set(body.match(/\br[0-9]\b/g) ?? [])].map((r) => `int ${r}; `).join('');
    return `P${i}(${s.params}) { ${regs}${body} }`;
  });
  return `C ${s.name}\n\n{ ${s.init ?? ''} }\n\n${threads.join('\n')}\n\nexists (${s.exists})\n`;
};

const outcomeKey = (states: readonly { values: Readonly<Record<string, string>>; satisfies: boolean }[]): string[] =>
  states.map((st) => `${JSON.stringify(st.values)}${st.satisfies ? ' *' : ''}`).sort();

const LOCKS: readonly Shape[] = [
  {
    name: 'SB+locked-both',
    lkmm: 'Never',
    source: 'lock.cat: the two critical sections of one lock are ordered (co of LKW/UL), so one sees the other',
    params: LOCK_PARAMS,
    threads: [
      'spin_lock(s); WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); spin_unlock(s);',
      'spin_lock(s); WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); spin_unlock(s);',
    ],
    exists: '0:r0=0 /\\ 1:r0=0',
  },
  {
    name: 'SB+locked-different-locks',
    lkmm: 'Sometimes',
    source: 'lock.cat: critical sections of two different locks order nothing between the CPUs',
    params: LOCK_PARAMS,
    threads: [
      'spin_lock(s); WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); spin_unlock(s);',
      'spin_lock(t); WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); spin_unlock(t);',
    ],
    exists: '0:r0=0 /\\ 1:r0=0',
  },
  {
    name: 'counter+locked',
    lkmm: 'Never',
    source: 'lock.cat: mutual exclusion, so the second increment reads the first',
    params: LOCK_PARAMS,
    threads: [
      'spin_lock(s); r0 = READ_ONCE(*x); WRITE_ONCE(*x, r0 + 1); spin_unlock(s);',
      'spin_lock(s); r0 = READ_ONCE(*x); WRITE_ONCE(*x, r0 + 1); spin_unlock(s);',
    ],
    exists: 'x=1',
  },
  {
    name: 'counter+unlocked',
    lkmm: 'Sometimes',
    source: 'linux-kernel.cat: READ_ONCE then WRITE_ONCE is no RMW; both may read 0',
    params: LOCK_PARAMS,
    threads: ['r0 = READ_ONCE(*x); WRITE_ONCE(*x, r0 + 1);', 'r0 = READ_ONCE(*x); WRITE_ONCE(*x, r0 + 1);'],
    exists: 'x=1',
  },
  {
    name: 'trylock+both-succeed',
    lkmm: 'Never',
    source: 'lock.cat: a successful spin_trylock() is an LKR/LKW pair, atomic; nobody unlocks',
    params: LOCK_PARAMS,
    threads: ['r0 = spin_trylock(s);', 'r0 = spin_trylock(s);'],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'trylock+both-fail',
    lkmm: 'Never',
    source: 'lock.cat: a failed spin_trylock() is an LF, which reads from some LKW: one of them must succeed',
    params: LOCK_PARAMS,
    threads: ['r0 = spin_trylock(s);', 'r0 = spin_trylock(s);'],
    exists: '0:r0=0 /\\ 1:r0=0',
  },
  {
    name: 'MP+trylock',
    lkmm: 'Never',
    source: 'lock.cat: a successful trylock after the unlock it read from acquires what the critical section wrote',
    params: LOCK_PARAMS,
    threads: [
      'spin_lock(s); WRITE_ONCE(*x, 1); spin_unlock(s); WRITE_ONCE(*y, 1);',
      'r0 = READ_ONCE(*y); r1 = spin_trylock(s); if (r1) { r2 = READ_ONCE(*x); spin_unlock(s); }',
    ],
    exists: '1:r0=1 /\\ 1:r1=1 /\\ 1:r2=0',
  },
  {
    name: 'SB+unlock-lock',
    lkmm: 'Sometimes',
    source: 'linux-kernel.cat: po-unlock-lock-po is in ppo and cumul-fence but is not a strong fence',
    params: LOCK_PARAMS,
    threads: [
      'spin_lock(s); WRITE_ONCE(*x, 1); spin_unlock(s); spin_lock(s); r0 = READ_ONCE(*y); spin_unlock(s);',
      'WRITE_ONCE(*y, 1); smp_mb(); r0 = READ_ONCE(*x);',
    ],
    exists: '0:r0=0 /\\ 1:r0=0',
  },
  {
    name: 'SB+unlock-lock-mb',
    lkmm: 'Never',
    source:
      'linux-kernel.cat mb: [M] ; po-unlock-lock-po ; [After-unlock-lock] ; po ; [M], so smp_mb__after_unlock_lock() makes it a full barrier',
    params: LOCK_PARAMS,
    threads: [
      'spin_lock(s); WRITE_ONCE(*x, 1); spin_unlock(s); spin_lock(s); smp_mb__after_unlock_lock(); r0 = READ_ONCE(*y); spin_unlock(s);',
      'WRITE_ONCE(*y, 1); smp_mb(); r0 = READ_ONCE(*x);',
    ],
    exists: '0:r0=0 /\\ 1:r0=0',
  },
  {
    name: 'SB+lock-mb-after-spinlock',
    lkmm: 'Never',
    source: 'linux-kernel.cat mb: [M] ; po? ; [LKW] ; fencerel(After-spinlock) ; [M] orders the store before the lock',
    params: LOCK_PARAMS,
    threads: [
      'WRITE_ONCE(*x, 1); spin_lock(s); smp_mb__after_spinlock(); r0 = READ_ONCE(*y); spin_unlock(s);',
      'WRITE_ONCE(*y, 1); smp_mb(); r0 = READ_ONCE(*x);',
    ],
    exists: '0:r0=0 /\\ 1:r0=0',
  },
  {
    name: 'SB+lock-no-mb',
    lkmm: 'Sometimes',
    source:
      'linux-kernel.cat: a store before spin_lock() and a load inside are unordered (acquire orders only later accesses)',
    params: LOCK_PARAMS,
    threads: [
      'WRITE_ONCE(*x, 1); spin_lock(s); r0 = READ_ONCE(*y); spin_unlock(s);',
      'WRITE_ONCE(*y, 1); smp_mb(); r0 = READ_ONCE(*x);',
    ],
    exists: '0:r0=0 /\\ 1:r0=0',
  },
  {
    name: 'is_locked+inside',
    lkmm: 'Always',
    source: 'lock.cat: spin_is_locked() inside the critical section reads its own LKW (rfi-lf)',
    params: LOCK_PARAMS,
    threads: ['spin_lock(s); r0 = spin_is_locked(s); spin_unlock(s);'],
    exists: '0:r0=1',
  },
];

const RCU: readonly Shape[] = [
  {
    name: 'RCU+sync+read-nested',
    lkmm: 'Never',
    source: 'linux-kernel.bell rcu-rscs matches the outermost pair; the grace period orders the whole section',
    params: RCU_PARAMS,
    threads: [
      'rcu_read_lock(); WRITE_ONCE(*x, 1); rcu_read_lock(); rcu_read_unlock(); WRITE_ONCE(*y, 1); rcu_read_unlock();',
      'r0 = READ_ONCE(*x); synchronize_rcu(); r1 = READ_ONCE(*y);',
    ],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'LB+rcu-unlock',
    lkmm: 'Sometimes',
    source:
      'linux-kernel.cat: rcu_read_unlock() is no barrier (Rcu-unlock is only in rcu-order), and there is no grace period',
    params: RCU_PARAMS,
    threads: [
      'rcu_read_lock(); r0 = READ_ONCE(*x); rcu_read_unlock(); WRITE_ONCE(*y, 1);',
      'rcu_read_lock(); r0 = READ_ONCE(*y); rcu_read_unlock(); WRITE_ONCE(*x, 1);',
    ],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
  {
    name: 'RCU+sync-expedited+read',
    lkmm: 'Never',
    source: 'linux-kernel.def: synchronize_rcu_expedited() is the same Sync-rcu event',
    params: RCU_PARAMS,
    threads: [
      'rcu_read_lock(); WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 1); rcu_read_unlock();',
      'r0 = READ_ONCE(*x); synchronize_rcu_expedited(); r1 = READ_ONCE(*y);',
    ],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'RCU+sync+read-outside',
    lkmm: 'Sometimes',
    source: 'linux-kernel.cat: without a critical section the grace period is only a strong fence on its CPU',
    params: RCU_PARAMS,
    threads: ['WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 1);', 'r0 = READ_ONCE(*x); synchronize_rcu(); r1 = READ_ONCE(*y);'],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'RCU+sync+two-sections',
    lkmm: 'Sometimes',
    source:
      'linux-kernel.cat rcu-order: the first section may end before the grace period and the second begin after it',
    params: RCU_PARAMS,
    threads: [
      'rcu_read_lock(); WRITE_ONCE(*x, 1); rcu_read_unlock(); rcu_read_lock(); WRITE_ONCE(*y, 1); rcu_read_unlock();',
      'r0 = READ_ONCE(*x); synchronize_rcu(); r1 = READ_ONCE(*y);',
    ],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'RCU+sync+two-sections-reversed',
    lkmm: 'Never',
    source:
      'linux-kernel.cat rcu-order: the second section began before the grace period ended, so the first (po-before it) ended before',
    params: RCU_PARAMS,
    threads: [
      'rcu_read_lock(); WRITE_ONCE(*x, 1); rcu_read_unlock(); rcu_read_lock(); WRITE_ONCE(*y, 1); rcu_read_unlock();',
      'r0 = READ_ONCE(*y); synchronize_rcu(); r1 = READ_ONCE(*x);',
    ],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'RCU-ring+gp+gp+rcs+rcs',
    lkmm: 'Never',
    source: 'linux-kernel.cat rcu-order: two grace periods cover two critical sections',
    params: 'int *x0, int *x1, int *x2, int *x3',
    threads: [
      'r0 = READ_ONCE(*x0); synchronize_rcu(); WRITE_ONCE(*x1, 1);',
      'r0 = READ_ONCE(*x1); synchronize_rcu(); WRITE_ONCE(*x2, 1);',
      'rcu_read_lock(); r0 = READ_ONCE(*x2); WRITE_ONCE(*x3, 1); rcu_read_unlock();',
      'rcu_read_lock(); r0 = READ_ONCE(*x3); WRITE_ONCE(*x0, 1); rcu_read_unlock();',
    ],
    exists: '0:r0=1 /\\ 1:r0=1 /\\ 2:r0=1 /\\ 3:r0=1',
  },
  {
    name: 'SRCU+sync+read-nested-domains',
    lkmm: 'Never',
    source: 'linux-kernel.bell srcu-rscs per srcu_struct (& loc): the s section is matched inside an s2 section',
    params: SRCU_PARAMS,
    threads: [
      'r0 = srcu_read_lock(s2); r1 = srcu_read_lock(s); WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 1); srcu_read_unlock(s, r1); srcu_read_unlock(s2, r0);',
      'r0 = READ_ONCE(*x); synchronize_srcu(s); r1 = READ_ONCE(*y);',
    ],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'SRCU+sync-rcu+rcu-reader',
    lkmm: 'Never',
    source: 'linux-kernel.cat: an RCU reader inside an SRCU reader is still ordered by synchronize_rcu()',
    params: SRCU_PARAMS,
    threads: [
      'r0 = srcu_read_lock(s); rcu_read_lock(); WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 1); rcu_read_unlock(); srcu_read_unlock(s, r0);',
      'r0 = READ_ONCE(*x); synchronize_rcu(); r1 = READ_ONCE(*y);',
    ],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
];

const PLAIN: readonly Shape[] = [
  {
    name: 'MP+plain+release-acquire',
    lkmm: 'Never',
    race: false,
    source:
      'linux-kernel.cat: the plain write is w-post-bounded by the release, the plain read r-pre-bounded by the acquire',
    params: PLAIN_PARAMS,
    threads: ['*x = 1; smp_store_release(y, 1);', 'r0 = smp_load_acquire(y); if (r0) r1 = *x;'],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'MP+plain+once',
    lkmm: 'Sometimes',
    race: true,
    source: 'linux-kernel.cat: nothing orders the plain read after the plain write (wr-race)',
    params: PLAIN_PARAMS,
    threads: ['*x = 1; WRITE_ONCE(*y, 1);', 'r0 = READ_ONCE(*y); if (r0) r1 = *x;'],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'SB+plain',
    lkmm: 'Sometimes',
    race: true,
    source: 'linux-kernel.cat: plain accesses of other CPUs with nothing between them race',
    params: PLAIN_PARAMS,
    threads: ['*x = 1; r0 = *y;', '*y = 1; r0 = *x;'],
    exists: '0:r0=0 /\\ 1:r0=0',
  },
  {
    name: 'counter+plain+locked',
    lkmm: 'Never',
    race: false,
    source: 'lock.cat and linux-kernel.cat: critical sections of one lock bound plain accesses (release, acquire)',
    params: PLAIN_PARAMS,
    threads: [
      'spin_lock(s); r0 = *x; *x = r0 + 1; spin_unlock(s);',
      'spin_lock(s); r0 = *x; *x = r0 + 1; spin_unlock(s);',
    ],
    exists: 'x=1',
  },
  {
    name: 'counter+plain',
    lkmm: 'Sometimes',
    race: true,
    source: 'linux-kernel.cat: ww-race and rw-race between the two unlocked increments',
    params: PLAIN_PARAMS,
    threads: ['r0 = *x; *x = r0 + 1;', 'r0 = *x; *x = r0 + 1;'],
    exists: 'x=1',
  },
  {
    name: 'plain-read+plain-read',
    lkmm: 'Never',
    race: false,
    source: 'linux-kernel.cat: two reads never race (pre-race needs a write: rf, co or fr)',
    params: PLAIN_PARAMS,
    threads: ['r0 = *x;', 'r0 = *x;'],
    exists: '0:r0=1',
  },
  {
    name: 'MP+plain+mb',
    lkmm: 'Never',
    race: false,
    source:
      'linux-kernel.cat: the plain write is w-post-bounded and the guarded plain read r-pre-bounded by smp_mb()s (wr-vis)',
    params: PLAIN_PARAMS,
    threads: ['*x = 1; smp_mb(); WRITE_ONCE(*y, 1);', 'r0 = READ_ONCE(*y); smp_mb(); if (r0) r1 = *x;'],
    exists: '1:r0=1 /\\ 1:r1=0',
  },
  {
    name: 'WR+once+ctrl-plain',
    lkmm: 'Sometimes',
    race: true,
    source:
      'linux-kernel.cat: a control dependency does not bound a plain read (r-pre-bounded has addr and fences only), so it races with the WRITE_ONCE()',
    params: PLAIN_PARAMS,
    threads: ['WRITE_ONCE(*x, 1);', 'r0 = READ_ONCE(*x); if (r0) r1 = *x;'],
    exists: '1:r0=1 /\\ 1:r1=1',
  },
  {
    name: 'LB+plain+mb',
    lkmm: 'Never',
    race: true,
    source:
      'linux-kernel.cat: the smp_mb()s forbid the cycle, but where P1 reads y before P0 writes it nothing orders the two (rw-race)',
    params: PLAIN_PARAMS,
    threads: ['r0 = READ_ONCE(*x); smp_mb(); *y = 1;', 'r0 = *y; smp_mb(); WRITE_ONCE(*x, 1);'],
    exists: '0:r0=1 /\\ 1:r0=1',
  },
];

/**
 * Shapes on which the operational relaxed model answers differently, with what it answers and
 * why. Each entry must be a real disagreement (checked), and every other shape must agree.
 */
const OPERATIONAL_DIFFERS: Readonly<
  Record<string, { readonly operational: string; readonly operationalRace: boolean; readonly why: string }>
> = {
  // None today: LB+rcu-unlock (the engine performed no store early across rcu_read_unlock()) and
  // WR+once+ctrl-plain (the race check counted a plain access after a control dependency as
  // ordered) were listed here until the engine was fixed for both (test/engine/lkmm-rcu-unlock.test.ts,
  // test/engine/lkmm-plain-bounds.test.ts).
};

function check(shape: Shape): void {
  const test = loadLitmus(shapeSource(shape), `${shape.name}.litmus`);
  const ax = checkAxiomatic(test);
  expect(ax.observation, shape.source).toBe(shape.lkmm);
  expect(ax.dataRace, `data race (${shape.source})`).toBe(shape.race ?? false);
  const op = checkLitmus(test, 'relaxed');
  expect(op.problem, 'operational relaxed answers').toBeUndefined();
  const known = OPERATIONAL_DIFFERS[shape.name];
  const same =
    op.observation === ax.observation &&
    op.dataRace === ax.dataRace &&
    outcomeKey(op.finalStates).join('\n') === outcomeKey(ax.finalStates).join('\n');
  if (known === undefined) {
    expect(outcomeKey(ax.finalStates), 'axiomatic final states = operational relaxed').toEqual(
      outcomeKey(op.finalStates),
    );
    expect(op.observation).toBe(ax.observation);
    expect(op.dataRace, 'operational data-race verdict').toBe(ax.dataRace);
  } else {
    expect(same, `listed in OPERATIONAL_DIFFERS (${known.why}) but the checkers agree`).toBe(false);
    expect(op.observation).toBe(known.operational);
    expect(op.dataRace).toBe(known.operationalRace);
  }
}

it('has the 31 shapes the Memory model page counts (12 spinlock, 9 RCU, 9 plain, 1 value-domain)', () => {
  expect([LOCKS.length, RCU.length, PLAIN.length]).toEqual([12, 9, 9]);
});

describe('axiomatic checker: spinlocks (lock.cat)', () => {
  it.each(LOCKS.map((s) => [s.name, s] as const))('%s', (_n, s) => check(s));

  it('a thread that takes a lock it holds has no execution (lock.cat lock-nest): Never 0/0', () => {
    const test = loadLitmus(
      'C self-deadlock\n{}\nP0(spinlock_t *s, int *x) { spin_lock(s); spin_lock(s); WRITE_ONCE(*x, 1); }\nexists (x=1)\n',
      'self-deadlock.litmus',
    );
    const ax = checkAxiomatic(test);
    expect([ax.consistent, ax.total, ax.observation]).toEqual([0, 0, 'Never']);
    // The candidates exist; the coherence and atomic axioms refute every one.
    expect(ax.candidates).toBeGreaterThan(0);
    expect(ax.refutedBy.coherence + ax.refutedBy.atomic).toBe(ax.candidates);
  });

  it('two lockers that never unlock: one of them has no execution, so the test has none', () => {
    const test = loadLitmus(
      'C lock-held\n{}\nP0(spinlock_t *s) { spin_lock(s); }\nP1(spinlock_t *s) { spin_lock(s); }\nexists (true)\n',
      'lock-held.litmus',
    );
    expect(checkAxiomatic(test).total).toBe(0);
  });
});

describe('axiomatic checker: RCU and SRCU (rcu-order, rcu-fence, rb)', () => {
  it.each(RCU.map((s) => [s.name, s] as const))('%s', (_n, s) => check(s));

  it('the rcu axiom (rb), not hb or pb, is what refutes some of the ring candidates', () => {
    const ring = RCU.find((s) => s.name === 'RCU-ring+gp+gp+rcs+rcs') as Shape;
    const ax = checkAxiomatic(loadLitmus(shapeSource(ring), 'ring.litmus'));
    // The rcu axiom, not hb or pb, is what forbids the ring's cycle.
    expect(ax.refutedBy.rcu).toBeGreaterThan(0);
  });
});

describe('axiomatic checker: plain accesses and data races', () => {
  it.each(PLAIN.map((s) => [s.name, s] as const))('%s', (_n, s) => check(s));

  it('reports mixed accesses (a plain write po-before a marked access of the location, no barrier)', () => {
    const test = loadLitmus(
      'C mixed\n{}\nP0(int *x) { int r0; *x = 1; r0 = READ_ONCE(*x); }\nexists (0:r0=1)\n',
      'mixed.litmus',
    );
    const ax = checkAxiomatic(test);
    expect([ax.mixedAccesses, ax.dataRace, ax.observation]).toEqual([true, false, 'Always']);
    const clean = loadLitmus(
      'C unmixed\n{}\nP0(int *x) { int r0; *x = 1; r0 = *x; }\nexists (0:r0=1)\n',
      'unmixed.litmus',
    );
    expect(checkAxiomatic(clean).mixedAccesses).toBe(false);
  });
});

describe('value domain', () => {
  // herdtools7 catalogue/linux C-WWC+o-cgt-o+o-cgt-o+o's shape: herd7 says Sometimes. Each store
  // is enabled only by a value another store makes, so the chain of values is longer than the
  // writes an execution has when every read returns an initial value.
  const wwc: Shape = {
    name: 'WWC+ctrl-gt+ctrl-gt',
    lkmm: 'Sometimes',
    source: 'herd7 (catalogue/linux C-WWC+o-cgt-o+o-cgt-o+o.litmus.expected): Sometimes',
    params: 'int *x, int *y',
    threads: [
      'r0 = READ_ONCE(*x); if (r0 > 0) WRITE_ONCE(*y, 1);',
      'r0 = READ_ONCE(*y); if (r0 > 0) WRITE_ONCE(*x, 1);',
      'WRITE_ONCE(*x, 2);',
    ],
    exists: '0:r0=2 /\\ 1:r0=1 /\\ x=2',
  };

  it('follows values that only other values enable (the write bound grows with the domain)', () => {
    const test = loadLitmus(shapeSource(wwc), 'wwc.litmus');
    expect(valueDomain(test).map((d) => [...d].sort())).toEqual([
      [0, 1, 2],
      [0, 1],
    ]);
    check(wwc);
  });
});

describe('failed RMWs', () => {
  it('a failed cmpxchg_acquire() does not acquire (linux-kernel.bell: Acquire excludes FailedRMW)', () => {
    const mp = (rmw: string): Shape => ({
      name: `MP+pooncerelease+${rmw}`,
      lkmm: rmw.includes('fail') ? 'Sometimes' : 'Never',
      source: 'linux-kernel.bell: FailedRMW = RMW \\ (domain(rmw) | range(rmw)); Acquire = ACQUIRE \\ W \\ FailedRMW',
      params: 'int *x, int *y',
      threads: [
        'WRITE_ONCE(*x, 1); smp_store_release(y, 1);',
        rmw.includes('fail')
          ? 'r0 = cmpxchg_acquire(y, 5, 6); r1 = READ_ONCE(*x);'
          : 'r0 = cmpxchg_acquire(y, 1, 6); r1 = READ_ONCE(*x);',
      ],
      exists: '1:r0=1 /\\ 1:r1=0',
    });
    check(mp('cmpxchgacquire-fail'));
    check(mp('cmpxchgacquire-success'));
  });
});

describe('lkmm() relations', () => {
  it('po-unlock-lock-po is in ppo: a lock handover orders the reads', () => {
    // A hand-built execution of one thread: UL (W s=0), LKR (R s), LKW (W s=1), then a read.
    const n = 5;
    const events = [
      { thread: -1, k: 'W', loc: 0, value: 0, rmwInstr: false },
      { thread: 0, k: 'R', loc: 1, value: 0, ann: 'once', rmwInstr: false },
      { thread: 0, k: 'W', loc: 0, value: 0, ann: 'release', rmwInstr: false, role: 'UL' },
      { thread: 0, k: 'R', loc: 0, value: 0, ann: 'acquire', rmwInstr: false, role: 'LKR' },
      { thread: 0, k: 'R', loc: 1, value: 0, ann: 'once', rmwInstr: false },
    ] as const;
    const po = Relation.of(n, (a, b) => a >= 1 && b > a);
    const rf = new Relation(n);
    rf.add(2, 3);
    const none = Relation.empty(n);
    const r = lkmm({
      n,
      events,
      po,
      rf,
      co: Relation.of(n, (a, b) => a === 0 && b === 2),
      rmw: none,
      addr: none,
      data: none,
      ctrl: none,
      rcuRscs: none,
    });
    expect(r.violated).toBeUndefined();
    expect(r.relations?.ppo.has(1, 4)).toBe(true);
    // Without the unlock's role the pair is unordered (no acquire before the first read).
    const plainEvents = events.map((e, i) => (i === 2 ? { ...e, role: undefined } : e));
    const r2 = lkmm({
      n,
      events: plainEvents,
      po,
      rf,
      co: Relation.of(n, (a, b) => a === 0 && b === 2),
      rmw: none,
      addr: none,
      data: none,
      ctrl: none,
      rcuRscs: none,
    });
    expect(seq(id(EventSet.of(n, (e) => e === 1)), r2.relations?.ppo ?? none).has(1, 4)).toBe(false);
  });
});
