/**
 * From a compiled litmus test's threads to the events herd7 would give them under
 * tools/memory-model/linux-kernel.def, one *path* per choice of the values the thread's reads
 * return: the events in program order, their herd annotations (`once`, `acquire`, `release`,
 * `noreturn`, fence kinds), the rmw pairs, and the addr, data and ctrl dependencies, computed
 * from the syntax as herd does (a value depends on the reads it was computed from, whatever
 * the computation; a branch makes every event in its arms control-dependent on the reads in
 * its condition, even when the condition is always true).
 *
 * What each primitive becomes follows linux-kernel.def: a fully ordered RMW (xchg(),
 * cmpxchg(), atomic_*_return(), atomic_fetch_*(), test_and_*_bit()) is F[mb]; R; W; F[mb] when
 * it stores, and a lone R, still an RMW instruction's event, when it fails (a cmpxchg() whose
 * comparison fails): current LKMM gives a failed RMW no ordering of its own, but
 * smp_mb__after_atomic() still sees it (Documentation/litmus-tests/atomic/cmpxchg-fail-*).
 * The non-returning atomics (atomic_add(), set_bit()…) read with the `noreturn` annotation,
 * which smp_rmb() does not order (linux-kernel.cat: R4rmb).
 *
 * Spinlocks are lock.cat's events on the lock's location, given values so that the generic rf
 * and co choices of check.ts do what lock.cat's own generation does: spin_lock() is an LKR that
 * reads 0 (unlocked) and an LKW that writes 1, paired as an RMW; spin_unlock() a UL that
 * writes 0; spin_trylock() an LKR/LKW pair when it reads 0, else an LF; spin_is_locked() an LF
 * (lock.cat's RL) when it reads 1, else an RU. With the coherence and atomic axioms, reading 0
 * means reading the UL (or initial value) immediately co-before the LKW, and a UL follows its
 * own LKW in co with nothing between: lock.cat's rf-lf, rf-ru and co-merging of UL, and its
 * lock-nest, nested-is-locked and unmatched-locks axioms (an execution violating them has no
 * consistent values). RCU's calls are fences (rcu-lock, rcu-unlock, sync-rcu);
 * srcu_read_lock() is a read of its srcu_struct whose value is the cookie, srcu_read_unlock()
 * a write of the cookie (so the bell's srcu-rscs matches them through the data dependency),
 * synchronize_srcu() a Sync-srcu event with the srcu_struct's location. A plain C access (`*p`)
 * is an R or W with no annotation: linux-kernel.bell's Plain.
 */

import { binaryValue, type CompiledLitmus, type CompiledThread, LitmusRuntimeError, POINTER_BASE } from '../compile.ts';
import { type Expr, LitmusError, type Pos, type Stmt } from '../parse.ts';

/** herd's access annotations; `plain` is a C access with no marking (*x, r = *x). */
export type Annotation = 'once' | 'acquire' | 'release' | 'noreturn' | 'plain';
export type FenceKind =
  | 'mb'
  | 'rmb'
  | 'wmb'
  | 'before-atomic'
  | 'after-atomic'
  | 'after-spinlock'
  | 'after-unlock-lock'
  | 'after-srcu-read-unlock'
  | 'rcu-lock'
  | 'rcu-unlock'
  | 'sync-rcu'
  | 'sync-srcu';

/**
 * The special accesses of lock.cat and of SRCU (linux-kernel.def): LKR and LKW, the read and
 * write of a lock acquisition (spin_lock(), a successful spin_trylock()); UL, the write of
 * spin_unlock(); LF, a read of a held lock (a failed spin_trylock(), or a spin_is_locked() that
 * returns true, which current lock.cat folds into LF); RU, a spin_is_locked() that returns
 * false; srcu-lock and srcu-unlock, srcu_read_lock() as a read of its srcu_struct and
 * srcu_read_unlock() as a write of the cookie to it.
 */
export type Role = 'LKR' | 'LKW' | 'UL' | 'LF' | 'RU' | 'srcu-lock' | 'srcu-unlock';

export type ThreadEvent =
  | {
      readonly k: 'R';
      readonly loc: number;
      readonly value: number;
      readonly ann: Annotation;
      /** Part of an RMW instruction (the RMW set of linux-kernel.cat), even if it stores nothing. */
      readonly rmwInstr: boolean;
      readonly role?: Role;
      readonly line: number;
      readonly text: string;
    }
  | {
      readonly k: 'W';
      readonly loc: number;
      readonly value: number;
      readonly ann: Annotation;
      readonly rmwInstr: boolean;
      readonly role?: Role;
      readonly line: number;
      readonly text: string;
    }
  | {
      readonly k: 'F';
      readonly fence: FenceKind;
      /** synchronize_srcu()'s srcu_struct: herd's Sync-srcu event has a location (the `& loc` of rcu-order). */
      readonly loc?: number;
      readonly line: number;
      readonly text: string;
    };

/** One way a thread can run, given the values its reads return (indices are into `events`). */
export interface ThreadPath {
  readonly events: readonly ThreadEvent[];
  /** (read, write) pairs of the RMWs that stored. */
  readonly rmw: readonly (readonly [number, number])[];
  readonly addr: readonly (readonly [number, number])[];
  readonly data: readonly (readonly [number, number])[];
  readonly ctrl: readonly (readonly [number, number])[];
  /** rcu-rscs (linux-kernel.bell): each rcu_read_lock() with the rcu_read_unlock() that closes it. */
  readonly rcuRscs: readonly (readonly [number, number])[];
  /** Final register values. */
  readonly regs: ReadonlyMap<string, number>;
  /** The thread stopped on an error of the test (a dereference of a non-address…). */
  readonly fault?: LitmusRuntimeError;
}

// ---- The primitives, per linux-kernel.def -----------------------------------------------------

type ArgKind = 'lv' | 'ptr' | 'val' | 'bit' | 'out';

type Semantics =
  | { readonly k: 'load'; readonly ann: Annotation; readonly result?: (v: number, vals: readonly number[]) => number }
  | { readonly k: 'store'; readonly ann: Annotation; readonly mbAfter?: boolean }
  | { readonly k: 'fence'; readonly fence: FenceKind }
  | {
      readonly k: 'lock' | 'unlock';
      /**
       * The interrupt-disabling forms (spin_lock_irq(), spin_lock_irqsave()…): the same lock.cat
       * events (LKMM has no interrupts), and the interrupt state the flags record.
       */
      readonly irq?: 'disable' | 'save' | 'enable' | 'restore';
    }
  | { readonly k: 'trylock' | 'islocked' | 'srcu-lock' | 'srcu-unlock' | 'sync-srcu' }
  | {
      /**
       * A non-atomic bit operation (include/asm-generic/bitops/generic-non-atomic.h:
       * `*p = old | mask` and the rest): a plain read of the word, then a plain write of the new
       * value, data-dependent on the read, and not an RMW; the value is the old bit's.
       */
      readonly k: 'nonatomic';
      readonly update: (old: number, nr: number) => number;
    }
  | {
      readonly k: 'rmw';
      /** mb: fully ordered; once: _relaxed; acquire/release: those forms; noreturn: non-returning ops. */
      readonly order: 'mb' | 'once' | 'acquire' | 'release' | 'noreturn';
      /** The new value, or undefined when the RMW does not store (a failed cmpxchg). */
      readonly update: (old: number, vals: readonly number[]) => number | undefined;
      readonly result: (old: number, vals: readonly number[]) => number;
    };

interface AxPrimitive {
  readonly args: readonly ArgKind[];
  readonly sem: Semantics;
}

const bit = (nr: number): number => 1 << nr;
const old = (o: number): number => o;

const AX: Record<string, AxPrimitive> = {
  READ_ONCE: { args: ['lv'], sem: { k: 'load', ann: 'once' } },
  WRITE_ONCE: { args: ['lv', 'val'], sem: { k: 'store', ann: 'once' } },
  smp_load_acquire: { args: ['ptr'], sem: { k: 'load', ann: 'acquire' } },
  smp_store_release: { args: ['ptr', 'val'], sem: { k: 'store', ann: 'release' } },
  // linux-kernel.def: smp_store_mb(X, V) is WRITE_ONCE then smp_mb().
  smp_store_mb: { args: ['lv', 'val'], sem: { k: 'store', ann: 'once', mbAfter: true } },
  // linux-kernel.def: rcu_dereference() is READ_ONCE(), rcu_assign_pointer() a release store.
  rcu_dereference: { args: ['lv'], sem: { k: 'load', ann: 'once' } },
  rcu_assign_pointer: { args: ['lv', 'val'], sem: { k: 'store', ann: 'release' } },
  smp_mb: { args: [], sem: { k: 'fence', fence: 'mb' } },
  smp_rmb: { args: [], sem: { k: 'fence', fence: 'rmb' } },
  smp_wmb: { args: [], sem: { k: 'fence', fence: 'wmb' } },
  smp_mb__before_atomic: { args: [], sem: { k: 'fence', fence: 'before-atomic' } },
  smp_mb__after_atomic: { args: [], sem: { k: 'fence', fence: 'after-atomic' } },
  atomic_read: { args: ['ptr'], sem: { k: 'load', ann: 'once' } },
  atomic_read_acquire: { args: ['ptr'], sem: { k: 'load', ann: 'acquire' } },
  atomic_set: { args: ['ptr', 'val'], sem: { k: 'store', ann: 'once' } },
  atomic_set_release: { args: ['ptr', 'val'], sem: { k: 'store', ann: 'release' } },
  test_bit: {
    args: ['bit', 'ptr'],
    sem: { k: 'load', ann: 'once', result: (v, vals) => ((v & bit(vals[0] as number)) !== 0 ? 1 : 0) },
  },
  // linux-kernel.def: the spinlock calls are herd's __lock, __unlock, __trylock, __islocked (lock.cat).
  spin_lock: { args: ['ptr'], sem: { k: 'lock' } },
  spin_unlock: { args: ['ptr'], sem: { k: 'unlock' } },
  spin_trylock: { args: ['ptr'], sem: { k: 'trylock' } },
  spin_is_locked: { args: ['ptr'], sem: { k: 'islocked' } },
  smp_mb__after_spinlock: { args: [], sem: { k: 'fence', fence: 'after-spinlock' } },
  smp_mb__after_unlock_lock: { args: [], sem: { k: 'fence', fence: 'after-unlock-lock' } },
  // linux-kernel.def: RCU's calls are fences; the expedited grace period is the same Sync-rcu.
  rcu_read_lock: { args: [], sem: { k: 'fence', fence: 'rcu-lock' } },
  rcu_read_unlock: { args: [], sem: { k: 'fence', fence: 'rcu-unlock' } },
  synchronize_rcu: { args: [], sem: { k: 'fence', fence: 'sync-rcu' } },
  synchronize_rcu_expedited: { args: [], sem: { k: 'fence', fence: 'sync-rcu' } },
  // SRCU's read side reads and writes its srcu_struct (__load{srcu-lock}, __store{srcu-unlock}).
  srcu_read_lock: { args: ['ptr'], sem: { k: 'srcu-lock' } },
  srcu_read_unlock: { args: ['ptr', 'val'], sem: { k: 'srcu-unlock' } },
  synchronize_srcu: { args: ['ptr'], sem: { k: 'sync-srcu' } },
  synchronize_srcu_expedited: { args: ['ptr'], sem: { k: 'sync-srcu' } },
  smp_mb__after_srcu_read_unlock: { args: [], sem: { k: 'fence', fence: 'after-srcu-read-unlock' } },
};
// include/linux/spinlock_api_smp.h: the _irq and _irqsave forms are local_irq_disable() or
// local_irq_save() and spin_lock(), spin_unlock() and local_irq_enable() or local_irq_restore().
// linux-kernel.def does not list them; LKMM has no interrupts, so they are __lock and __unlock.
AX.spin_lock_irq = { args: ['ptr'], sem: { k: 'lock', irq: 'disable' } };
AX.spin_unlock_irq = { args: ['ptr'], sem: { k: 'unlock', irq: 'enable' } };
AX.spin_lock_irqsave = { args: ['ptr', 'out'], sem: { k: 'lock', irq: 'save' } };
AX.spin_unlock_irqrestore = { args: ['ptr', 'val'], sem: { k: 'unlock', irq: 'restore' } };
for (const name of [
  'spin_lock',
  'spin_unlock',
  'spin_trylock',
  'spin_is_locked',
  'spin_lock_irq',
  'spin_unlock_irq',
  'spin_lock_irqsave',
  'spin_unlock_irqrestore',
]) {
  AX[`raw_${name}`] = AX[name] as AxPrimitive;
}

// The non-atomic bit operations (generic-non-atomic.h; not in linux-kernel.def, which herd would
// need them spelled out for as C: `*p = *p | mask`).
const NON_ATOMIC_BITS: Record<string, (old: number, nr: number) => number> = {
  __set_bit: (o, nr) => o | bit(nr),
  __clear_bit: (o, nr) => o & ~bit(nr),
  __change_bit: (o, nr) => o ^ bit(nr),
  __test_and_set_bit: (o, nr) => o | bit(nr),
  __test_and_clear_bit: (o, nr) => o & ~bit(nr),
  __test_and_change_bit: (o, nr) => o ^ bit(nr),
};
for (const [name, update] of Object.entries(NON_ATOMIC_BITS)) {
  AX[name] = { args: ['bit', 'ptr'], sem: { k: 'nonatomic', update } };
}

/** local_irq_save()'s flags when interrupts were already off (engine/primitives.ts, IRQ_FLAGS_DISABLED). */
const IRQ_FLAGS_DISABLED = 1;

const RETURNING: Record<
  string,
  {
    readonly args: readonly ArgKind[];
    readonly update: (o: number, v: readonly number[]) => number | undefined;
    readonly result: (o: number, v: readonly number[]) => number;
  }
> = {
  xchg: { args: ['ptr', 'val'], update: (_o, v) => v[0] as number, result: old },
  cmpxchg: { args: ['ptr', 'val', 'val'], update: (o, v) => (o === v[0] ? (v[1] as number) : undefined), result: old },
  atomic_xchg: { args: ['ptr', 'val'], update: (_o, v) => v[0] as number, result: old },
  atomic_cmpxchg: {
    args: ['ptr', 'val', 'val'],
    update: (o, v) => (o === v[0] ? (v[1] as number) : undefined),
    result: old,
  },
  atomic_add_return: {
    args: ['val', 'ptr'],
    update: (o, v) => o + (v[0] as number),
    result: (o, v) => o + (v[0] as number),
  },
  atomic_sub_return: {
    args: ['val', 'ptr'],
    update: (o, v) => o - (v[0] as number),
    result: (o, v) => o - (v[0] as number),
  },
  atomic_inc_return: { args: ['ptr'], update: (o) => o + 1, result: (o) => o + 1 },
  atomic_dec_return: { args: ['ptr'], update: (o) => o - 1, result: (o) => o - 1 },
  atomic_fetch_add: { args: ['val', 'ptr'], update: (o, v) => o + (v[0] as number), result: old },
  atomic_fetch_sub: { args: ['val', 'ptr'], update: (o, v) => o - (v[0] as number), result: old },
  atomic_fetch_inc: { args: ['ptr'], update: (o) => o + 1, result: old },
  atomic_fetch_dec: { args: ['ptr'], update: (o) => o - 1, result: old },
  atomic_fetch_or: { args: ['val', 'ptr'], update: (o, v) => o | (v[0] as number), result: old },
  atomic_fetch_and: { args: ['val', 'ptr'], update: (o, v) => o & (v[0] as number), result: old },
  atomic_fetch_xor: { args: ['val', 'ptr'], update: (o, v) => o ^ (v[0] as number), result: old },
  atomic_fetch_andnot: { args: ['val', 'ptr'], update: (o, v) => o & ~(v[0] as number), result: old },
};

const RETURNING_ONLY_FULL: typeof RETURNING = {
  atomic_add_unless: {
    args: ['ptr', 'val', 'val'],
    update: (o, v) => (o === v[1] ? undefined : o + (v[0] as number)),
    result: (o, v) => (o === v[1] ? 0 : 1),
  },
  atomic_inc_not_zero: {
    args: ['ptr'],
    update: (o) => (o === 0 ? undefined : o + 1),
    result: (o) => (o === 0 ? 0 : 1),
  },
  atomic_dec_and_test: { args: ['ptr'], update: (o) => o - 1, result: (o) => (((o - 1) | 0) === 0 ? 1 : 0) },
  atomic_inc_and_test: { args: ['ptr'], update: (o) => o + 1, result: (o) => (((o + 1) | 0) === 0 ? 1 : 0) },
  atomic_sub_and_test: {
    args: ['val', 'ptr'],
    update: (o, v) => o - (v[0] as number),
    result: (o, v) => (((o - (v[0] as number)) | 0) === 0 ? 1 : 0),
  },
  atomic_add_negative: {
    args: ['val', 'ptr'],
    update: (o, v) => o + (v[0] as number),
    result: (o, v) => (((o + (v[0] as number)) | 0) < 0 ? 1 : 0),
  },
  // Documentation/atomic_bitops.txt: fully ordered whether or not the bit changes, so they store.
  test_and_set_bit: {
    args: ['bit', 'ptr'],
    update: (o, v) => o | bit(v[0] as number),
    result: (o, v) => ((o & bit(v[0] as number)) !== 0 ? 1 : 0),
  },
  test_and_clear_bit: {
    args: ['bit', 'ptr'],
    update: (o, v) => o & ~bit(v[0] as number),
    result: (o, v) => ((o & bit(v[0] as number)) !== 0 ? 1 : 0),
  },
  test_and_change_bit: {
    args: ['bit', 'ptr'],
    update: (o, v) => o ^ bit(v[0] as number),
    result: (o, v) => ((o & bit(v[0] as number)) !== 0 ? 1 : 0),
  },
};

const NON_RETURNING: Record<
  string,
  { readonly args: readonly ArgKind[]; readonly update: (o: number, v: readonly number[]) => number }
> = {
  atomic_add: { args: ['val', 'ptr'], update: (o, v) => o + (v[0] as number) },
  atomic_sub: { args: ['val', 'ptr'], update: (o, v) => o - (v[0] as number) },
  atomic_inc: { args: ['ptr'], update: (o) => o + 1 },
  atomic_dec: { args: ['ptr'], update: (o) => o - 1 },
  atomic_or: { args: ['val', 'ptr'], update: (o, v) => o | (v[0] as number) },
  atomic_and: { args: ['val', 'ptr'], update: (o, v) => o & (v[0] as number) },
  atomic_xor: { args: ['val', 'ptr'], update: (o, v) => o ^ (v[0] as number) },
  atomic_andnot: { args: ['val', 'ptr'], update: (o, v) => o & ~(v[0] as number) },
  set_bit: { args: ['bit', 'ptr'], update: (o, v) => o | bit(v[0] as number) },
  clear_bit: { args: ['bit', 'ptr'], update: (o, v) => o & ~bit(v[0] as number) },
  change_bit: { args: ['bit', 'ptr'], update: (o, v) => o ^ bit(v[0] as number) },
};

for (const [name, p] of Object.entries(RETURNING)) {
  AX[name] = { args: p.args, sem: { k: 'rmw', order: 'mb', update: p.update, result: p.result } };
  AX[`${name}_relaxed`] = { args: p.args, sem: { k: 'rmw', order: 'once', update: p.update, result: p.result } };
  AX[`${name}_acquire`] = { args: p.args, sem: { k: 'rmw', order: 'acquire', update: p.update, result: p.result } };
  AX[`${name}_release`] = { args: p.args, sem: { k: 'rmw', order: 'release', update: p.update, result: p.result } };
}
for (const [name, p] of Object.entries(RETURNING_ONLY_FULL)) {
  AX[name] = { args: p.args, sem: { k: 'rmw', order: 'mb', update: p.update, result: p.result } };
}
for (const [name, p] of Object.entries(NON_RETURNING)) {
  AX[name] = { args: p.args, sem: { k: 'rmw', order: 'noreturn', update: p.update, result: () => 0 } };
}

/** Why a call is not in the axiomatic checker (the litmus compiler rejects these too). */
function unsupported(name: string): string {
  return `${name}(): not supported by the axiomatic checker`;
}

/** Whether the axiomatic checker knows a primitive (for tests and error messages). */
export function axiomaticPrimitive(name: string): boolean {
  return AX[name] !== undefined;
}

// ---- The interpreter ------------------------------------------------------------------------------

/** A value and the reads (event indices of this thread) it was computed from. */
interface Val {
  readonly v: number;
  readonly deps: ReadonlySet<number>;
}

const NO_DEPS: ReadonlySet<number> = new Set();
const join = (a: ReadonlySet<number>, b: ReadonlySet<number>): ReadonlySet<number> =>
  a.size === 0 ? b : b.size === 0 ? a : new Set([...a, ...b]);

/** The interpreter asks for the value of its next read and there is no choice for it yet. */
class NeedChoice {
  readonly loc: number;
  constructor(loc: number) {
    this.loc = loc;
  }
}

class ThreadRun {
  readonly events: ThreadEvent[] = [];
  readonly rmw: [number, number][] = [];
  readonly addr: [number, number][] = [];
  readonly data: [number, number][] = [];
  readonly ctrl: [number, number][] = [];
  readonly rcuRscs: [number, number][] = [];
  /** The rcu_read_lock() events not closed yet, innermost last (the bell's nesting match). */
  readonly #openRcu: number[] = [];
  readonly regs = new Map<string, Val>();
  /** Reads the current branch conditions depend on. */
  ctrlDeps: ReadonlySet<number> = NO_DEPS;
  /** Whether the thread has disabled interrupts (spin_lock_irq(), spin_lock_irqsave()): the flags' value. */
  #irqsOff = false;
  #reads = 0;
  readonly test: CompiledLitmus;
  readonly thread: CompiledThread;
  readonly choices: readonly number[];

  constructor(test: CompiledLitmus, thread: CompiledThread, choices: readonly number[]) {
    this.test = test;
    this.thread = thread;
    this.choices = choices;
  }

  push(e: ThreadEvent, addrDeps: ReadonlySet<number>, dataDeps: ReadonlySet<number>): number {
    const i = this.events.length;
    this.events.push(e);
    for (const r of addrDeps) this.addr.push([r, i]);
    for (const r of dataDeps) this.data.push([r, i]);
    for (const r of this.ctrlDeps) this.ctrl.push([r, i]);
    return i;
  }

  /**
   * lock.cat's acquisition of a free lock: an LKR (acquire) that reads it free (0) and an LKW
   * that takes it (1), paired as an RMW. Returns the LKR.
   */
  lockAcquisition(loc: number, addrDeps: ReadonlySet<number>, line: number, text: string): number {
    const r = this.push(
      { k: 'R', loc, value: 0, ann: 'acquire', rmwInstr: false, role: 'LKR', line, text },
      addrDeps,
      NO_DEPS,
    );
    const w = this.push(
      { k: 'W', loc, value: 1, ann: 'once', rmwInstr: false, role: 'LKW', line, text },
      addrDeps,
      NO_DEPS,
    );
    this.rmw.push([r, w]);
    return r;
  }

  /** The value the next read returns: the next choice, or NeedChoice when the path is not decided yet. */
  readValue(loc: number): number {
    const v = this.choices[this.#reads];
    if (v === undefined) throw new NeedChoice(loc);
    this.#reads++;
    return v;
  }

  locOf(v: Val, pos: Pos): number {
    const i = v.v - POINTER_BASE;
    if (!Number.isInteger(i) || this.test.locations[i] === undefined) {
      throw new LitmusRuntimeError(
        `${this.thread.name} dereferences ${v.v}, which is not the address of a location`,
        pos,
        this.test.file,
      );
    }
    return i;
  }

  eval(e: Expr): Val {
    switch (e.k) {
      case 'num':
        return { v: e.value, deps: NO_DEPS };
      case 'name': {
        const p = this.thread.params.get(e.name);
        if (p !== undefined) return { v: POINTER_BASE + p, deps: NO_DEPS };
        return this.regs.get(e.name) ?? { v: 0, deps: NO_DEPS };
      }
      case 'unary': {
        const x = this.eval(e.e);
        const v = e.op === '!' ? (x.v === 0 ? 1 : 0) : e.op === '-' ? -x.v | 0 : e.op === '~' ? ~x.v : x.v;
        return { v, deps: x.deps };
      }
      case 'binary': {
        const l = this.eval(e.l);
        if (e.op === '&&' || e.op === '||') {
          const short = e.op === '&&' ? l.v === 0 : l.v !== 0;
          if (short) return { v: e.op === '&&' ? 0 : 1, deps: l.deps };
          const r = this.eval(e.r);
          return { v: r.v !== 0 ? 1 : 0, deps: join(l.deps, r.deps) };
        }
        const r = this.eval(e.r);
        return { v: binary(this, e, l.v, r.v), deps: join(l.deps, r.deps) };
      }
      case 'call':
        return this.call(e);
      case 'deref': {
        // A plain C read (`r = *p`): an R with no annotation, in Plain (linux-kernel.bell).
        const a = this.eval(e.e);
        const loc = this.locOf(a, e.pos);
        const v = this.readValue(loc);
        const r = this.push(
          { k: 'R', loc, value: v, ann: 'plain', rmwInstr: false, line: e.pos.line, text: 'plain read' },
          a.deps,
          NO_DEPS,
        );
        return { v, deps: new Set([r]) };
      }
      case 'addr':
        throw new LitmusError(`"&" outside a primitive's argument`, e.pos, this.test.file);
    }
  }

  call(e: Expr & { k: 'call' }): Val {
    const p = AX[e.name];
    if (p === undefined) throw new LitmusError(unsupported(e.name), e.pos, this.test.file);
    const locs: number[] = [];
    let addrDeps: ReadonlySet<number> = NO_DEPS;
    let dataDeps: ReadonlySet<number> = NO_DEPS;
    const vals: number[] = [];
    let out: string | undefined;
    for (const [i, arg] of e.args.entries()) {
      const kind = p.args[i] as ArgKind;
      if (kind === 'out') {
        // The register the call assigns (spin_lock_irqsave()'s flags), as compile.ts checks it.
        if (arg.k !== 'name')
          throw new LitmusError(`${e.name}(): argument ${i + 1} must be a register`, arg.pos, this.test.file);
        out = arg.name;
      } else if (kind === 'lv' || kind === 'ptr') {
        const a = this.eval(kind === 'lv' ? (arg as Expr & { k: 'deref' }).e : arg);
        locs.push(this.locOf(a, arg.pos));
        addrDeps = join(addrDeps, a.deps);
      } else {
        const a = this.eval(arg);
        if (kind === 'bit' && (a.v < 0 || a.v > 30)) {
          throw new LitmusRuntimeError(`${e.name}(): bit number ${a.v} is out of range 0..30`, arg.pos, this.test.file);
        }
        vals.push(a.v);
        dataDeps = join(dataDeps, a.deps);
      }
    }
    const line = e.pos.line;
    const text = e.name;
    const loc = locs[0] as number;
    const s = p.sem;
    switch (s.k) {
      case 'fence': {
        const f = this.push({ k: 'F', fence: s.fence, line, text }, NO_DEPS, NO_DEPS);
        if (s.fence === 'rcu-lock') this.#openRcu.push(f);
        if (s.fence === 'rcu-unlock') {
          const open = this.#openRcu.pop();
          // An unmatched rcu_read_unlock() is not in rcu-rscs (the bell flags it, unmatched-rcu-unlock).
          if (open !== undefined) this.rcuRscs.push([open, f]);
        }
        return { v: 0, deps: NO_DEPS };
      }
      case 'lock': {
        // The interrupt state first, as local_irq_save() comes before the lock: the flags are
        // what it was (no memory access, so no dependency).
        if (s.irq === 'save' && out !== undefined) {
          this.regs.set(out, { v: this.#irqsOff ? IRQ_FLAGS_DISABLED : 0, deps: NO_DEPS });
        }
        if (s.irq !== undefined) this.#irqsOff = true;
        // lock.cat: the LKR reads the unlocked value from the UL (or initial write) just before
        // its LKW in co, so its value is not a choice; the pair is an RMW (lk-rmw).
        this.lockAcquisition(loc, addrDeps, line, text);
        return { v: 0, deps: NO_DEPS };
      }
      case 'unlock':
        this.push(
          { k: 'W', loc, value: 0, ann: 'release', rmwInstr: false, role: 'UL', line, text },
          addrDeps,
          NO_DEPS,
        );
        if (s.irq === 'enable') this.#irqsOff = false;
        if (s.irq === 'restore') this.#irqsOff = ((vals[0] as number) & IRQ_FLAGS_DISABLED) !== 0;
        return { v: 0, deps: NO_DEPS };
      case 'nonatomic': {
        const v = this.readValue(loc);
        const r = this.push({ k: 'R', loc, value: v, ann: 'plain', rmwInstr: false, line, text }, addrDeps, NO_DEPS);
        this.push(
          { k: 'W', loc, value: s.update(v, vals[0] as number) | 0, ann: 'plain', rmwInstr: false, line, text },
          addrDeps,
          join(dataDeps, new Set([r])),
        );
        return { v: (v & bit(vals[0] as number)) !== 0 ? 1 : 0, deps: new Set([r]) };
      }
      case 'trylock': {
        // Success is a lock acquisition (LKR, LKW); failure an LF that read the held lock.
        const v = this.readValue(loc);
        if (v !== 0) {
          const r = this.push(
            { k: 'R', loc, value: v, ann: 'once', rmwInstr: false, role: 'LF', line, text },
            addrDeps,
            NO_DEPS,
          );
          return { v: 0, deps: new Set([r]) };
        }
        const r = this.lockAcquisition(loc, addrDeps, line, text);
        return { v: 1, deps: new Set([r]) };
      }
      case 'islocked': {
        // True: a read of an LKW (lock.cat's RL, treated as LF); false: an RU, which reads a UL or the initial value.
        const v = this.readValue(loc);
        const r = this.push(
          { k: 'R', loc, value: v, ann: 'once', rmwInstr: false, role: v !== 0 ? 'LF' : 'RU', line, text },
          addrDeps,
          NO_DEPS,
        );
        return { v: v !== 0 ? 1 : 0, deps: new Set([r]) };
      }
      case 'srcu-lock': {
        const v = this.readValue(loc);
        const r = this.push(
          { k: 'R', loc, value: v, ann: 'once', rmwInstr: false, role: 'srcu-lock', line, text },
          addrDeps,
          NO_DEPS,
        );
        return { v, deps: new Set([r]) };
      }
      case 'srcu-unlock':
        this.push(
          { k: 'W', loc, value: vals[0] as number, ann: 'once', rmwInstr: false, role: 'srcu-unlock', line, text },
          addrDeps,
          dataDeps,
        );
        return { v: 0, deps: NO_DEPS };
      case 'sync-srcu':
        this.push({ k: 'F', fence: 'sync-srcu', loc, line, text }, NO_DEPS, NO_DEPS);
        return { v: 0, deps: NO_DEPS };
      case 'load': {
        const v = this.readValue(loc);
        const r = this.push({ k: 'R', loc, value: v, ann: s.ann, rmwInstr: false, line, text }, addrDeps, NO_DEPS);
        return { v: s.result ? s.result(v, vals) : v, deps: new Set([r]) };
      }
      case 'store': {
        this.push(
          { k: 'W', loc, value: vals[0] as number, ann: s.ann, rmwInstr: false, line, text },
          addrDeps,
          dataDeps,
        );
        if (s.mbAfter) this.push({ k: 'F', fence: 'mb', line, text }, NO_DEPS, NO_DEPS);
        return { v: 0, deps: NO_DEPS };
      }
      case 'rmw': {
        const v = this.readValue(loc);
        const next = s.update(v, vals);
        const full = s.order === 'mb' && next !== undefined;
        if (full) this.push({ k: 'F', fence: 'mb', line, text }, NO_DEPS, NO_DEPS);
        // linux-kernel.bell: Acquire = ACQUIRE \ W \ FailedRMW, so a failed _acquire RMW (a
        // cmpxchg_acquire() whose comparison fails) is an unordered read.
        const rAnn: Annotation =
          s.order === 'noreturn' ? 'noreturn' : s.order === 'acquire' && next !== undefined ? 'acquire' : 'once';
        const r = this.push({ k: 'R', loc, value: v, ann: rAnn, rmwInstr: true, line, text }, addrDeps, NO_DEPS);
        if (next !== undefined) {
          const w = this.push(
            {
              k: 'W',
              loc,
              value: next | 0,
              ann: s.order === 'release' ? 'release' : 'once',
              rmwInstr: true,
              line,
              text,
            },
            addrDeps,
            dataDeps,
          );
          this.rmw.push([r, w]);
        }
        if (full) this.push({ k: 'F', fence: 'mb', line, text }, NO_DEPS, NO_DEPS);
        return { v: s.result(v, vals) | 0, deps: new Set([r]) };
      }
    }
  }

  block(stmts: readonly Stmt[]): void {
    for (const st of stmts) {
      switch (st.k) {
        case 'decl':
          this.regs.set(st.name, st.init ? this.eval(st.init) : { v: 0, deps: NO_DEPS });
          break;
        case 'assign':
          if (st.target.k === 'deref') {
            // A plain C write (`*p = v`): the value first, then the address, as compile.ts runs it.
            const value = this.eval(st.e);
            const a = this.eval(st.target.e);
            const loc = this.locOf(a, st.target.pos);
            this.push(
              { k: 'W', loc, value: value.v, ann: 'plain', rmwInstr: false, line: st.pos.line, text: 'plain write' },
              a.deps,
              value.deps,
            );
          } else if (st.target.k === 'name') this.regs.set(st.target.name, this.eval(st.e));
          else
            throw new LitmusError('assignment to something that is neither a register nor *p', st.pos, this.test.file);
          break;
        case 'expr':
          this.eval(st.e);
          break;
        case 'if': {
          const c = this.eval(st.cond);
          const outer = this.ctrlDeps;
          this.ctrlDeps = join(outer, c.deps);
          if (c.v !== 0) this.block(st.then);
          else if (st.else) this.block(st.else);
          this.ctrlDeps = outer;
          break;
        }
      }
    }
  }

  path(fault?: LitmusRuntimeError): ThreadPath {
    const regs = new Map<string, number>();
    for (const [k, v] of this.regs) regs.set(k, v.v);
    return {
      events: this.events,
      rmw: this.rmw,
      addr: this.addr,
      data: this.data,
      ctrl: this.ctrl,
      rcuRscs: this.rcuRscs,
      regs,
      ...(fault ? { fault } : {}),
    };
  }
}

function binary(run: ThreadRun, e: Expr & { k: 'binary' }, l: number, r: number): number {
  if ((e.op === '/' || e.op === '%') && r === 0) {
    throw new LitmusRuntimeError(`${run.thread.name} divides by zero`, e.pos, run.test.file);
  }
  const v = binaryValue(e.op, l, r);
  if (v === undefined) throw new LitmusError(`operator ${e.op}`, e.pos, run.test.file);
  return v;
}

/**
 * Every path of a thread whose reads return values from `domain` (per location): a
 * depth-first search over the read values, re-running the thread from the start for each
 * prefix of choices (threads are a handful of statements).
 */
export function threadPaths(
  test: CompiledLitmus,
  thread: CompiledThread,
  domain: readonly ReadonlySet<number>[],
  maxPaths: number,
): ThreadPath[] {
  const out: ThreadPath[] = [];
  const stack: number[][] = [[]];
  while (stack.length > 0) {
    const choices = stack.pop() as number[];
    const run = new ThreadRun(test, thread, choices);
    try {
      run.block(thread.body);
      out.push(run.path());
    } catch (e) {
      if (e instanceof NeedChoice) {
        const values = [...(domain[e.loc] as ReadonlySet<number>)].sort((a, b) => b - a);
        for (const v of values) stack.push([...choices, v]);
      } else if (e instanceof LitmusRuntimeError) out.push(run.path(e));
      else throw e;
    }
    if (out.length > maxPaths) {
      throw new LitmusError(
        `${thread.name} has more than ${maxPaths} paths over the values its reads can return: too large for the axiomatic checker`,
        { line: 1, col: 1 },
        test.file,
      );
    }
  }
  return out.reverse();
}
