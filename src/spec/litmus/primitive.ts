/**
 * What a litmus test may call, as the compiler (compile.ts) and the RCU calls (rcu.ts) declare
 * it: the argument kinds, whether the call has a value, and the engine step(s) it runs.
 */
import type { Op } from '../engine/actions.ts';
import type { Loc } from '../engine/primitives.ts';
import type { CallContext } from './rcu.ts';

/**
 * How an argument is written: `lv` an lvalue `*p` (READ_ONCE(*x)), `ptr` a pointer (smp_load_acquire(x),
 * atomic_inc(v)), `val` a value, `bit` a bit number 0..30, `out` a register the call assigns, as
 * the macro spin_lock_irqsave(l, flags) does (at most one; the call then has no value, and what
 * its `run` returns goes into the register).
 */
export type ArgKind = 'lv' | 'ptr' | 'val' | 'bit' | 'out';

export interface Primitive {
  readonly args: readonly ArgKind[];
  /** Whether the call has a value (r = call(...)). */
  readonly value: boolean;
  /** The call makes plain C accesses (the non-atomic __*_bit() operations). */
  readonly plain?: boolean;
  /**
   * The step(s): `locs` are the locations of the lv/ptr arguments in order, `vals` the other
   * arguments; `ctx` the calling thread's CPU and RCU state (rcu.ts's calls need them).
   */
  readonly run: (
    locs: readonly Loc[],
    vals: readonly number[],
    show: (v: number) => string,
    ctx: CallContext,
  ) => Op<number>;
}

/** A call without a value: its steps, then 0. */
export function* none(op: Op): Op<number> {
  yield* op;
  return 0;
}
