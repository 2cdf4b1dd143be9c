/**
 * What each primitive orders, under each memory model, through small litmus tests run with the
 * engine: store buffering (SB: does anything order a store before a later load?) and message
 * passing (MP: are two stores seen in order by two loads?). The expected outcomes follow
 * tools/memory-model (relaxed), x86 (tso: every atomic is LOCK-prefixed and therefore fully
 * ordered, smp_rmb/smp_wmb/acquire/release are compiler barriers) and sequential consistency,
 * with Documentation/atomic_t.txt and atomic_bitops.txt for the atomics.
 */
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/spec/engine/actions.ts';
import type { MemoryModelName } from '../../src/spec/engine/model.ts';
import {
  atomic_inc,
  atomic_inc_return,
  cmpxchg,
  type Loc,
  READ_ONCE,
  set_bit,
  smp_load_acquire,
  smp_mb,
  smp_mb__after_atomic,
  smp_mb__after_srcu_read_unlock,
  smp_mb__before_atomic,
  smp_rmb,
  smp_store_mb,
  smp_store_release,
  smp_wmb,
  test_and_clear_bit,
  test_and_set_bit,
  test_bit,
  WRITE_ONCE,
  xchg,
} from '../../src/spec/engine/primitives.ts';
import type { LitmusTest, Outcome } from '../../src/spec/litmus/litmus.ts';
import { runLitmus } from '../../src/spec/litmus/litmus.ts';

type Expect = Readonly<Record<MemoryModelName, Outcome>>;
const MMS: readonly MemoryModelName[] = ['sc', 'tso', 'relaxed'];

/** Store buffering: each CPU does `store(mine)` (the primitive under test), then reads the other's flag. */
function sb(
  name: string,
  store: (mine: Loc, spare: Loc) => Op<unknown>,
  expected: Expect,
): { test: LitmusTest; expected: Expect } {
  return {
    expected,
    test: {
      name,
      shows: name,
      locations: ['x', 'y', 'z0', 'z1'],
      threads: [
        function* ({ x, y, z0 }, r) {
          yield* store(x as Loc, z0 as Loc);
          r.r0 = yield* READ_ONCE(y as Loc);
        },
        function* ({ x, y, z1 }, r) {
          yield* store(y as Loc, z1 as Loc);
          r.r0 = yield* READ_ONCE(x as Loc);
        },
      ],
      exists: (f) => f.r(0, 'r0') === 0 && f.r(1, 'r0') === 0,
      existsText: '0:r0=0 /\\ 1:r0=0',
      expected: { lkmm: expected.relaxed, tso: expected.tso, sc: expected.sc },
    },
  };
}

/**
 * Message passing: the writer stores data x = 1 then flag y (through `between` and `flag`);
 * the reader reads the flag (with `readFlag`), runs `readerBetween`, then reads x.
 */
function mp(
  name: string,
  parts: {
    between?: () => Op;
    flag?: (y: Loc) => Op;
    readFlag?: (y: Loc) => Op<number>;
    readerBetween?: () => Op;
  },
  expected: Expect,
): { test: LitmusTest; expected: Expect } {
  const between = parts.between ?? function* () {};
  const flag = parts.flag ?? ((y: Loc) => WRITE_ONCE(y, 1));
  const readFlag = parts.readFlag ?? ((y: Loc) => READ_ONCE(y));
  const readerBetween = parts.readerBetween ?? function* () {};
  return {
    expected,
    test: {
      name,
      shows: name,
      locations: ['x', 'y'],
      threads: [
        function* ({ x, y }) {
          yield* WRITE_ONCE(x as Loc, 1);
          yield* between();
          yield* flag(y as Loc);
        },
        function* ({ x, y }, r) {
          r.r0 = (yield* readFlag(y as Loc)) ? 1 : 0;
          yield* readerBetween();
          r.r1 = yield* READ_ONCE(x as Loc);
        },
      ],
      exists: (f) => f.r(1, 'r0') === 1 && f.r(1, 'r1') === 0,
      existsText: '1:r0=1 /\\ 1:r1=0',
      expected: { lkmm: expected.relaxed, tso: expected.tso, sc: expected.sc },
    },
  };
}

const N = 'Never';
const S = 'Sometimes';
const outcomes = (sc: Outcome, tso: Outcome, relaxed: Outcome): Expect => ({ sc, tso, relaxed });

const SB_CASES = [
  sb('SB: WRITE_ONCE (no ordering)', (x) => WRITE_ONCE(x, 1), outcomes(N, S, S)),
  sb(
    'SB: WRITE_ONCE; smp_mb()',
    function* (x) {
      yield* WRITE_ONCE(x, 1);
      yield* smp_mb();
    },
    outcomes(N, N, N),
  ),
  sb('SB: smp_store_mb() (store + full barrier)', (x) => smp_store_mb(x, 1), outcomes(N, N, N)),
  sb('SB: smp_store_release() does not order a later load', (x) => smp_store_release(x, 1), outcomes(N, S, S)),
  sb(
    'SB: smp_wmb() does not order a store before a load',
    function* (x) {
      yield* WRITE_ONCE(x, 1);
      yield* smp_wmb();
    },
    outcomes(N, S, S),
  ),
  sb(
    'SB: smp_rmb() does not order a store before a load',
    function* (x) {
      yield* WRITE_ONCE(x, 1);
      yield* smp_rmb();
    },
    outcomes(N, S, S),
  ),
  // Non-value-returning atomics: unordered in LKMM; LOCK-prefixed (full) on x86.
  sb('SB: set_bit() is unordered (full on x86)', (x) => set_bit(0, x), outcomes(N, N, S)),
  sb('SB: atomic_inc() is unordered (full on x86)', (x) => atomic_inc(x), outcomes(N, N, S)),
  sb(
    'SB: set_bit(); smp_mb__after_atomic()',
    function* (x) {
      yield* set_bit(0, x);
      yield* smp_mb__after_atomic();
    },
    outcomes(N, N, N),
  ),
  sb(
    'SB: WRITE_ONCE; smp_mb__before_atomic(); atomic_inc(other)',
    function* (x, z) {
      yield* WRITE_ONCE(x, 1);
      yield* smp_mb__before_atomic();
      yield* atomic_inc(z);
    },
    outcomes(N, N, N),
  ),
  sb(
    'SB: WRITE_ONCE; smp_mb__after_srcu_read_unlock()',
    function* (x) {
      yield* WRITE_ONCE(x, 1);
      yield* smp_mb__after_srcu_read_unlock();
    },
    outcomes(N, N, N),
  ),
  // Value-returning atomics: fully ordered.
  sb(
    'SB: test_and_set_bit() is fully ordered',
    function* (x) {
      yield* test_and_set_bit(0, x);
    },
    outcomes(N, N, N),
  ),
  sb(
    'SB: xchg() is fully ordered',
    function* (x) {
      yield* xchg(x, 1);
    },
    outcomes(N, N, N),
  ),
  sb(
    'SB: atomic_inc_return() is fully ordered',
    function* (x) {
      yield* atomic_inc_return(x);
    },
    outcomes(N, N, N),
  ),
  sb(
    'SB: a successful cmpxchg() is fully ordered',
    function* (x) {
      yield* cmpxchg(x, 0, 1);
    },
    outcomes(N, N, N),
  ),
  // A failed cmpxchg orders nothing in LKMM; on x86 LOCK CMPXCHG is a full barrier even when it fails.
  sb(
    'SB: WRITE_ONCE; failed cmpxchg() on another variable',
    function* (x, z) {
      yield* WRITE_ONCE(x, 1);
      yield* cmpxchg(z, 1, 2);
    },
    outcomes(N, N, S),
  ),
  sb(
    'SB: WRITE_ONCE; successful cmpxchg() on another variable',
    function* (x, z) {
      yield* WRITE_ONCE(x, 1);
      yield* cmpxchg(z, 0, 1);
    },
    outcomes(N, N, N),
  ),
  // Since Linux 6.0 (atomic_bitops.txt: "the test_and_{}_bit() operations are treated as
  // unconditional"), a test_and_{set,clear}_bit() that finds the bit already in place is still
  // fully ordered; only test_and_set_bit_lock() is unordered on failure.
  sb(
    'SB: WRITE_ONCE; test_and_set_bit() of a bit already set',
    function* (x, z) {
      yield* set_bit(0, z);
      yield* WRITE_ONCE(x, 1);
      yield* test_and_set_bit(0, z);
    },
    outcomes(N, N, N),
  ),
  sb(
    'SB: WRITE_ONCE; test_and_clear_bit() of a bit already clear',
    function* (x, z) {
      yield* WRITE_ONCE(x, 1);
      yield* test_and_clear_bit(0, z);
    },
    outcomes(N, N, N),
  ),
];

const MP_CASES = [
  mp('MP: no barriers', {}, outcomes(N, N, S)),
  mp('MP: smp_wmb() only', { between: smp_wmb }, outcomes(N, N, S)),
  mp('MP: smp_rmb() only', { readerBetween: smp_rmb }, outcomes(N, N, S)),
  mp('MP: smp_wmb() and smp_rmb()', { between: smp_wmb, readerBetween: smp_rmb }, outcomes(N, N, N)),
  mp('MP: smp_mb() and smp_rmb()', { between: smp_mb, readerBetween: smp_rmb }, outcomes(N, N, N)),
  mp('MP: smp_wmb() and smp_mb()', { between: smp_wmb, readerBetween: smp_mb }, outcomes(N, N, N)),
  mp('MP: release only', { flag: (y) => smp_store_release(y, 1) }, outcomes(N, N, S)),
  mp('MP: acquire only', { readFlag: (y) => smp_load_acquire(y) }, outcomes(N, N, S)),
  // linux-kernel.def: smp_store_mb(X, V) is WRITE_ONCE(X, V) then smp_mb(): the store is not a
  // release, so it does not carry the earlier store (on x86 it is xchg, fully ordered).
  mp(
    'MP: smp_store_mb() as the flag orders nothing before the store',
    { flag: (y) => smp_store_mb(y, 1), readFlag: (y) => smp_load_acquire(y) },
    outcomes(N, N, S),
  ),
  mp(
    'MP: release and acquire',
    { flag: (y) => smp_store_release(y, 1), readFlag: (y) => smp_load_acquire(y) },
    outcomes(N, N, N),
  ),
  // kvm_make_request(): smp_wmb() then set_bit(); kvm_check_request(): test_bit() then smp_rmb().
  mp(
    'MP: smp_wmb(); set_bit() and test_bit(); smp_rmb()',
    {
      between: smp_wmb,
      flag: (y) => set_bit(0, y),
      readFlag: function* (y) {
        return (yield* test_bit(0, y)) ? 1 : 0;
      },
      readerBetween: smp_rmb,
    },
    outcomes(N, N, N),
  ),
  mp('MP: set_bit() without smp_wmb()', { flag: (y) => set_bit(0, y), readerBetween: smp_rmb }, outcomes(N, N, S)),
  mp(
    'MP: test_and_set_bit() as the flag and smp_rmb()',
    {
      flag: function* (y) {
        yield* test_and_set_bit(0, y);
      },
      readerBetween: smp_rmb,
    },
    outcomes(N, N, N),
  ),
  mp(
    'MP: smp_mb__before_atomic(); set_bit() and smp_rmb()',
    { between: smp_mb__before_atomic, flag: (y) => set_bit(0, y), readerBetween: smp_rmb },
    outcomes(N, N, N),
  ),
];

describe.each([
  ['store buffering', SB_CASES],
  ['message passing', MP_CASES],
])('primitive ordering: %s', (_shape, cases) => {
  for (const { test, expected } of cases) {
    describe(test.name, () => {
      for (const mm of MMS) {
        it(`${mm}: ${expected[mm]}`, () => {
          expect(runLitmus(test, mm).outcome).toBe(expected[mm]);
        });
      }
    });
  }
});
