/**
 * From a parsed C litmus test (parse.ts) to an engine model, and checking it.
 *
 * Every construct is checked before anything runs: a call the engine cannot express (an RCU
 * callback, a sleeping lock, an _irqsave spinlock) is a LitmusError naming it and its line:col, never
 * approximated. Plain C accesses (`r = *x`, `*x = v`) are plain loads and stores, checked for
 * data races (LitmusCheck.dataRace, herd's "Flag data-race"). Thread bodies are *interpreted* (this file walks the syntax
 * tree inside each thread's generator); the test text is never turned into code.
 *
 * Values are 32-bit integers. A pointer (`y=&z`, a parameter `x` used as a value, a register
 * holding what `rcu_dereference()` returned) is the number POINTER_BASE + the location's index,
 * so it can travel through memory and registers like any value; dereferencing a register that
 * holds no address is an error of the test, reported with its place.
 *
 * The outcome is computed herd-style: the distinct final states, projected on the registers and
 * locations the condition (and `filter`, `locations`) mention; `k` of the `n` states that pass
 * the filter satisfy the condition's proposition; Never (k = 0), Always (k = n) or Sometimes.
 */
import { action, Kind, NO_WRITE, type Op, Order } from '../engine/actions.ts';
import { Exploration, type RawPath } from '../engine/explore.ts';
import {
  type Lock,
  smp_mb__after_spinlock,
  smp_mb__after_unlock_lock,
  spin_is_locked,
  spin_lock,
  spin_lock_irq,
  spin_lock_irqsave,
  spin_trylock,
  spin_unlock,
  spin_unlock_irq,
  spin_unlock_irqrestore,
} from '../engine/locks.ts';
import { Machine } from '../engine/machine.ts';
import { type MemoryModelName, ModelBuilder, type ModelInstance } from '../engine/model.ts';
import {
  __clear_bit,
  __set_bit,
  __test_and_clear_bit,
  __test_and_set_bit,
  type Ghost,
  ghost,
  type Loc,
  plain_load,
  plain_store,
  READ_ONCE,
  RMW_ORDER,
  type RmwOrdering,
  smp_load_acquire,
  smp_mb,
  smp_mb__after_atomic,
  smp_mb__before_atomic,
  smp_rmb,
  smp_store_mb,
  smp_store_release,
  smp_wmb,
  WRITE_ONCE,
} from '../engine/primitives.ts';
import { replay, type Trace } from '../engine/trace.ts';
import {
  type CondRef,
  type CondValue,
  type Expr,
  type LitmusAst,
  LitmusError,
  type Observation,
  type Pos,
  type Prop,
  type Stmt,
} from './parse.ts';
import { type ArgKind, none, type Primitive } from './primitive.ts';
import { type CallContext, checkRcuCalls, isSrcuType, LitmusRcu, RCU_PRIMITIVES } from './rcu.ts';

/**
 * Addresses: location i is the value POINTER_BASE + i, above every literal a test may write
 * (parse.ts's MAX_LITERAL) and within the 24-bit values the TSO store buffer holds.
 */
export const POINTER_BASE = 2 ** 22;

// ---- The primitives a test may call ------------------------------------------------------------

/**
 * One read-modify-write step; `result` turns (old value, new value or NO_WRITE) into the call's
 * value. `ptrFirst`: the call is written (ptr, vals…), as xchg(p, v) and cmpxchg(p, o, n), rather
 * than (vals…, ptr), as atomic_add(v, p).
 */
function rmwStep(
  ptrFirst: boolean,
  name: string,
  order: Order,
  update: (old: number, vals: readonly number[]) => number,
  result: (old: number, vals: readonly number[]) => number,
): Primitive['run'] {
  return function* (locs, vals, show) {
    const x = locs[0] as Loc;
    const args = ptrFirst ? [`&${x.name}`, ...vals.map(show)] : [...vals.map(show), `&${x.name}`];
    const old: number = yield action(Kind.Rmw, `${name}(${args.join(', ')})`, {
      a: x.id,
      order,
      rmw: (cur) => {
        const next = update(cur, vals);
        return next === NO_WRITE ? NO_WRITE : next | 0;
      },
    });
    return result(old, vals);
  };
}

const rmw = rmwStep.bind(null, false);
const rmwPtrFirst = rmwStep.bind(null, true);

const oldValue = (old: number): number => old;
const bit = (nr: number): number => 1 << nr;

const PRIMITIVES: Record<string, Primitive> = {
  READ_ONCE: { args: ['lv'], value: true, run: (l) => READ_ONCE(l[0] as Loc) },
  WRITE_ONCE: {
    args: ['lv', 'val'],
    value: false,
    run: (l, v, s) => none(WRITE_ONCE(l[0] as Loc, v[0] as number, s(v[0] as number))),
  },
  smp_load_acquire: { args: ['ptr'], value: true, run: (l) => smp_load_acquire(l[0] as Loc) },
  smp_store_release: {
    args: ['ptr', 'val'],
    value: false,
    run: (l, v, s) => none(smp_store_release(l[0] as Loc, v[0] as number, s(v[0] as number))),
  },
  smp_store_mb: {
    args: ['lv', 'val'],
    value: false,
    run: (l, v, s) => none(smp_store_mb(l[0] as Loc, v[0] as number, s(v[0] as number))),
  },
  // linux-kernel.def: rcu_dereference() is a READ_ONCE(), rcu_assign_pointer() a release store.
  rcu_dereference: {
    args: ['lv'],
    value: true,
    run: function* (l) {
      const x = l[0] as Loc;
      return yield action(Kind.Read, `rcu_dereference(${x.name})`, { a: x.id });
    },
  },
  rcu_assign_pointer: {
    args: ['lv', 'val'],
    value: false,
    run: function* (l, v, s) {
      const x = l[0] as Loc;
      yield action(Kind.Write, `rcu_assign_pointer(${x.name}, ${s(v[0] as number)})`, {
        a: x.id,
        b: v[0] as number,
        order: Order.AcqRel,
      });
      return 0;
    },
  },
  smp_mb: { args: [], value: false, run: () => none(smp_mb()) },
  smp_rmb: { args: [], value: false, run: () => none(smp_rmb()) },
  smp_wmb: { args: [], value: false, run: () => none(smp_wmb()) },
  smp_mb__before_atomic: { args: [], value: false, run: () => none(smp_mb__before_atomic()) },
  smp_mb__after_atomic: { args: [], value: false, run: () => none(smp_mb__after_atomic()) },

  atomic_read: {
    args: ['ptr'],
    value: true,
    run: function* (l) {
      const x = l[0] as Loc;
      return yield action(Kind.Read, `atomic_read(&${x.name})`, { a: x.id });
    },
  },
  atomic_read_acquire: {
    args: ['ptr'],
    value: true,
    run: function* (l) {
      const x = l[0] as Loc;
      return yield action(Kind.Read, `atomic_read_acquire(&${x.name})`, { a: x.id, order: Order.AcqRel });
    },
  },
  atomic_set: {
    args: ['ptr', 'val'],
    value: false,
    run: function* (l, v, s) {
      const x = l[0] as Loc;
      yield action(Kind.Write, `atomic_set(&${x.name}, ${s(v[0] as number)})`, { a: x.id, b: v[0] as number });
      return 0;
    },
  },
  atomic_set_release: {
    args: ['ptr', 'val'],
    value: false,
    run: function* (l, v, s) {
      const x = l[0] as Loc;
      yield action(Kind.Write, `atomic_set_release(&${x.name}, ${s(v[0] as number)})`, {
        a: x.id,
        b: v[0] as number,
        order: Order.AcqRel,
      });
      return 0;
    },
  },
  test_bit: {
    args: ['bit', 'ptr'],
    value: true,
    run: function* (l, v) {
      const x = l[0] as Loc;
      const nr = v[0] as number;
      const cur: number = yield action(Kind.Read, `test_bit(${nr}, &${x.name})`, { a: x.id });
      return (cur & bit(nr)) !== 0 ? 1 : 0;
    },
  },
};

/** The value-returning atomics: fully ordered; their _relaxed forms are unordered RMWs. */
const RETURNING: Record<
  string,
  {
    args: readonly ArgKind[];
    ptrFirst?: boolean;
    update: (o: number, v: readonly number[]) => number;
    result: (o: number, v: readonly number[]) => number;
  }
> = {
  xchg: { args: ['ptr', 'val'], ptrFirst: true, update: (_o, v) => v[0] as number, result: oldValue },
  cmpxchg: {
    args: ['ptr', 'val', 'val'],
    ptrFirst: true,
    update: (o, v) => (o === v[0] ? (v[1] as number) : NO_WRITE),
    result: oldValue,
  },
  atomic_xchg: { args: ['ptr', 'val'], ptrFirst: true, update: (_o, v) => v[0] as number, result: oldValue },
  atomic_cmpxchg: {
    args: ['ptr', 'val', 'val'],
    ptrFirst: true,
    update: (o, v) => (o === v[0] ? (v[1] as number) : NO_WRITE),
    result: oldValue,
  },
  atomic_add_return: {
    args: ['val', 'ptr'],
    update: (o, v) => o + (v[0] as number),
    result: (o, v) => (o + (v[0] as number)) | 0,
  },
  atomic_sub_return: {
    args: ['val', 'ptr'],
    update: (o, v) => o - (v[0] as number),
    result: (o, v) => (o - (v[0] as number)) | 0,
  },
  atomic_inc_return: { args: ['ptr'], update: (o) => o + 1, result: (o) => (o + 1) | 0 },
  atomic_dec_return: { args: ['ptr'], update: (o) => o - 1, result: (o) => (o - 1) | 0 },
  atomic_fetch_add: { args: ['val', 'ptr'], update: (o, v) => o + (v[0] as number), result: oldValue },
  atomic_fetch_sub: { args: ['val', 'ptr'], update: (o, v) => o - (v[0] as number), result: oldValue },
  atomic_fetch_inc: { args: ['ptr'], update: (o) => o + 1, result: oldValue },
  atomic_fetch_dec: { args: ['ptr'], update: (o) => o - 1, result: oldValue },
  atomic_fetch_or: { args: ['val', 'ptr'], update: (o, v) => o | (v[0] as number), result: oldValue },
  atomic_fetch_and: { args: ['val', 'ptr'], update: (o, v) => o & (v[0] as number), result: oldValue },
  atomic_fetch_xor: { args: ['val', 'ptr'], update: (o, v) => o ^ (v[0] as number), result: oldValue },
  atomic_fetch_andnot: { args: ['val', 'ptr'], update: (o, v) => o & ~(v[0] as number), result: oldValue },
};

/** Value-returning atomics with no _relaxed form in the kernel (conditional or test forms). */
const RETURNING_ONLY_FULL: Record<
  string,
  {
    args: readonly ArgKind[];
    update: (o: number, v: readonly number[]) => number;
    result: (o: number, v: readonly number[]) => number;
  }
> = {
  // atomic_add_unless(v, a, u): adds a unless the value is u; on failure no store and no ordering.
  atomic_add_unless: {
    args: ['ptr', 'val', 'val'],
    update: (o, v) => (o === v[1] ? NO_WRITE : o + (v[0] as number)),
    result: (o, v) => (o === v[1] ? 0 : 1),
  },
  atomic_inc_not_zero: { args: ['ptr'], update: (o) => (o === 0 ? NO_WRITE : o + 1), result: (o) => (o === 0 ? 0 : 1) },
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
  // Fully ordered even when the bit was already set/clear (Documentation/atomic_bitops.txt), so
  // they always store, as in primitives.ts.
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

/** Non-value-returning atomics: atomic but unordered (Documentation/atomic_t.txt). */
const UNORDERED: Record<string, { args: readonly ArgKind[]; update: (o: number, v: readonly number[]) => number }> = {
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

// Every value-returning atomic in its four forms (linux-kernel.def: {mb}, {acquire}, {release},
// {once}); engine/primitives.ts's RMW_ORDER says which Order each form is.
for (const [name, p] of Object.entries(RETURNING)) {
  const make = p.ptrFirst ? rmwPtrFirst : rmw;
  for (const [suffix, order] of Object.entries(RMW_ORDER) as [RmwOrdering, Order][]) {
    PRIMITIVES[`${name}${suffix}`] = {
      args: p.args,
      value: true,
      run: make(`${name}${suffix}`, order, p.update, p.result),
    };
  }
}
for (const [name, p] of Object.entries(RETURNING_ONLY_FULL)) {
  const make = p.args[0] === 'ptr' ? rmwPtrFirst : rmw;
  PRIMITIVES[name] = { args: p.args, value: true, run: make(name, Order.Full, p.update, p.result) };
}
for (const [name, p] of Object.entries(UNORDERED)) {
  const make = p.args[0] === 'ptr' ? rmwPtrFirst : rmw;
  const run = make(name, Order.Once, p.update, () => 0);
  PRIMITIVES[name] = { args: p.args, value: false, run };
}

// ---- Non-atomic bit operations (engine/primitives.ts, generic-non-atomic.h) -------------------------

/** __change_bit() and __test_and_change_bit(), which the engine has no atomic form of: load, then store. */
function* nonAtomicChange(x: Loc, nr: number, name: string): Op<number> {
  const old: number = yield action(Kind.Read, `${name}(${nr}, &${x.name}): *${x.name}`, {
    a: x.id,
    order: Order.Plain,
  });
  yield* plain_store(x, old ^ bit(nr));
  return (old & bit(nr)) !== 0 ? 1 : 0;
}

// Plain accesses of the word (a load, then a store), so checked for data races, and not atomic.
PRIMITIVES.__set_bit = {
  args: ['bit', 'ptr'],
  plain: true,
  value: false,
  run: (l, v) => none(__set_bit(v[0] as number, l[0] as Loc)),
};
PRIMITIVES.__clear_bit = {
  args: ['bit', 'ptr'],
  plain: true,
  value: false,
  run: (l, v) => none(__clear_bit(v[0] as number, l[0] as Loc)),
};
PRIMITIVES.__change_bit = {
  args: ['bit', 'ptr'],
  plain: true,
  value: false,
  run: function* (l, v) {
    yield* nonAtomicChange(l[0] as Loc, v[0] as number, '__change_bit');
    return 0;
  },
};
PRIMITIVES.__test_and_set_bit = {
  args: ['bit', 'ptr'],
  plain: true,
  value: true,
  run: function* (l, v) {
    return (yield* __test_and_set_bit(v[0] as number, l[0] as Loc)) ? 1 : 0;
  },
};
PRIMITIVES.__test_and_clear_bit = {
  args: ['bit', 'ptr'],
  plain: true,
  value: true,
  run: function* (l, v) {
    return (yield* __test_and_clear_bit(v[0] as number, l[0] as Loc)) ? 1 : 0;
  },
};
PRIMITIVES.__test_and_change_bit = {
  args: ['bit', 'ptr'],
  plain: true,
  value: true,
  run: (l, v) => nonAtomicChange(l[0] as Loc, v[0] as number, '__test_and_change_bit'),
};

// ---- Bit locks (Documentation/atomic_bitops.txt) -----------------------------------------------------

// test_and_set_bit_lock(): an acquire when it sets the bit, and no ordering when the bit was
// already set (it then writes nothing); clear_bit_unlock(): a release RMW. Not in
// linux-kernel.def: the project's reading of atomic_bitops.txt.
PRIMITIVES.test_and_set_bit_lock = {
  args: ['bit', 'ptr'],
  value: true,
  run: rmw(
    'test_and_set_bit_lock',
    Order.AcqRel,
    (o, v) => ((o & bit(v[0] as number)) !== 0 ? NO_WRITE : o | bit(v[0] as number)),
    (o, v) => ((o & bit(v[0] as number)) !== 0 ? 1 : 0),
  ),
};
PRIMITIVES.clear_bit_unlock = {
  args: ['bit', 'ptr'],
  value: false,
  run: rmw(
    'clear_bit_unlock',
    Order.Release,
    (o, v) => o & ~bit(v[0] as number),
    () => 0,
  ),
};

// ---- Spinlocks (linux-kernel.def: __lock, __unlock, __trylock, __islocked; engine/locks.ts) ----------

/**
 * The spinlock calls. Their argument must be a location declared spinlock_t (a parameter
 * `spinlock_t *l` or an initialiser `spinlock_t l;`), and a spinlock may be touched by nothing
 * else: lock.cat flags any other access to one (mixed-lock-accesses), so both are errors here.
 */
const LOCK_PRIMITIVES: Record<string, Primitive> = {
  spin_lock: { args: ['ptr'], value: false, run: (l) => none(spin_lock(l[0] as Lock)) },
  spin_unlock: { args: ['ptr'], value: false, run: (l) => none(spin_unlock(l[0] as Lock)) },
  spin_trylock: {
    args: ['ptr'],
    value: true,
    run: function* (l) {
      return (yield* spin_trylock(l[0] as Lock)) ? 1 : 0;
    },
  },
  spin_is_locked: {
    args: ['ptr'],
    value: true,
    run: function* (l) {
      return (yield* spin_is_locked(l[0] as Lock)) ? 1 : 0;
    },
  },
  // The interrupt-disabling forms order as spin_lock()/spin_unlock() do (engine/locks.ts); litmus
  // threads take no interrupts, so only the flags a test passes along are observable.
  spin_lock_irq: { args: ['ptr'], value: false, run: (l) => none(spin_lock_irq(l[0] as Lock)) },
  spin_unlock_irq: { args: ['ptr'], value: false, run: (l) => none(spin_unlock_irq(l[0] as Lock)) },
  spin_lock_irqsave: { args: ['ptr', 'out'], value: false, run: (l) => spin_lock_irqsave(l[0] as Lock) },
  spin_unlock_irqrestore: {
    args: ['ptr', 'val'],
    value: false,
    run: (l, v) => none(spin_unlock_irqrestore(l[0] as Lock, v[0] as number)),
  },
};
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
  LOCK_PRIMITIVES[`raw_${name}`] = LOCK_PRIMITIVES[name] as Primitive;
}
for (const [name, p] of Object.entries(LOCK_PRIMITIVES)) PRIMITIVES[name] = p;
PRIMITIVES.smp_mb__after_spinlock = { args: [], value: false, run: () => none(smp_mb__after_spinlock()) };
PRIMITIVES.smp_mb__after_unlock_lock = { args: [], value: false, run: () => none(smp_mb__after_unlock_lock()) };

// RCU and SRCU (rcu.ts).
Object.assign(PRIMITIVES, RCU_PRIMITIVES);

/** Calls that exist in LKMM but that this engine cannot express yet, and why. */
function unsupported(name: string): string | undefined {
  if (/^(raw_)?spin_(lock|unlock|trylock)_bh$|^(raw_)?spin_trylock_irq(save)?$/.test(name)) {
    return `${name}(): not supported (litmus threads take no interrupts or softirqs: use ${name.replace(/_(irq|irqsave|bh)$/, '')}())`;
  }
  if (/^mutex_/.test(name)) {
    // A model's mutex_lock() is an engine primitive, ordered as spin_lock() (engine/locks.ts).
    return `${name}(): sleeping locks are not in the litmus language (LKMM models none)`;
  }
  if (/^(down_|up_|read_lock|write_lock|read_unlock|write_unlock)/.test(name)) {
    return `${name}(): semaphores and rwlocks are not an engine primitive yet`;
  }
  if (/^(call_rcu|rcu_barrier|srcu_down_read|srcu_up_read|call_srcu|srcu_barrier)$/.test(name)) {
    return `${name}(): not an engine primitive yet (callbacks and srcu_down_read()/srcu_up_read() are not modelled)`;
  }
  const base = name.replace(/_(acquire|release|relaxed)$/, '');
  if (base !== name && base in RETURNING_ONLY_FULL) {
    return `${name}(): ${base}() has only its fully ordered form in the kernel`;
  }
  if (name === 'barrier') return 'barrier(): compiler barriers are not modelled';
  if (/^(atomic64_|atomic_long_)/.test(name)) return `${name}(): only atomic_t operations are supported`;
  if (name === '__clear_bit_unlock') {
    return `${name}(): not supported (a release store of the word; write it as smp_store_release())`;
  }
  return undefined;
}

// ---- Validation and compilation -------------------------------------------------------------------

export interface CompiledThread {
  readonly name: string;
  /** Parameter name → location index. */
  readonly params: ReadonlyMap<string, number>;
  /** Every register of the thread (declared, or assigned as herd allows), in order of appearance. */
  readonly registers: readonly string[];
  readonly body: readonly Stmt[];
}

/** A register or location whose final value the condition, filter or locations clause observes. */
export interface Observed {
  readonly text: string;
  readonly ref: CondRef;
}

export interface CompiledLitmus {
  readonly ast: LitmusAst;
  readonly file: string;
  readonly locations: readonly { readonly name: string; readonly init: number }[];
  /** Indices of the locations declared spinlock_t: only the spinlock calls may touch them. */
  readonly spinlocks: ReadonlySet<number>;
  readonly threads: readonly CompiledThread[];
  readonly observed: readonly Observed[];
}

const refText = (r: CondRef): string => (r.k === 'reg' ? `${r.thread}:${r.name}` : r.name);

class Checker {
  readonly #file: string;
  readonly locIndex = new Map<string, number>();
  readonly locs: { name: string; init: number }[] = [];
  constructor(file: string) {
    this.#file = file;
  }

  error(detail: string, pos: Pos): LitmusError {
    return new LitmusError(detail, pos, this.#file);
  }

  loc(name: string): number {
    let i = this.locIndex.get(name);
    if (i === undefined) {
      i = this.locs.length;
      this.locIndex.set(name, i);
      this.locs.push({ name, init: 0 });
    }
    return i;
  }
}

/** Validates a parsed test against what the engine can express and prepares it for checking. */
export function compileLitmus(ast: LitmusAst): CompiledLitmus {
  const file = ast.file ?? `${ast.name}.litmus`;
  const c = new Checker(file);
  if (ast.threads.length > 16) throw c.error('at most 16 threads', (ast.threads[16] as { pos: Pos }).pos);
  // Locations: those of the init block first (in order), then every thread parameter.
  const initialised = new Set<string>();
  const spinlocks = new Set<number>();
  const isSpinlockType = (type: string): boolean => /\b(raw_)?spinlock_t\b/.test(type);
  for (const item of ast.init) {
    if (/struct/.test(item.type)) throw c.error(`${item.type} ${item.name}: structures are not supported`, item.pos);
    if (isSpinlockType(item.type)) {
      if (item.type.includes('*') || item.value.k !== 'num' || item.value.value !== 0) {
        throw c.error(`${item.type} ${item.name}: a spinlock starts unlocked and takes no initial value`, item.pos);
      }
      spinlocks.add(c.loc(item.name));
    }
    if (initialised.has(item.name)) throw c.error(`${item.name} is initialised twice`, item.pos);
    initialised.add(item.name);
    c.loc(item.name);
  }
  for (const item of ast.init) {
    const i = c.loc(item.name);
    const slot = c.locs[i] as { name: string; init: number };
    slot.init = item.value.k === 'num' ? item.value.value : POINTER_BASE + c.loc(item.value.loc);
  }
  // Every thread's spinlock_t parameters first: a body may not touch a lock another thread declares.
  for (const t of ast.threads) for (const p of t.params) if (isSpinlockType(p.type)) spinlocks.add(c.loc(p.name));
  // A location declared spinlock_t by one thread and int by another, or initialised as int.
  for (const t of ast.threads) {
    for (const p of t.params) {
      const i = c.locIndex.get(p.name) as number;
      if (spinlocks.has(i) && !isSpinlockType(p.type)) {
        throw c.error(`parameter ${p.name} is a spinlock_t elsewhere in the test, ${p.type.trim()} here`, p.pos);
      }
    }
  }
  for (const item of ast.init) {
    if (spinlocks.has(c.locIndex.get(item.name) as number) && !isSpinlockType(item.type)) {
      throw c.error(
        `${item.name} is a spinlock (a thread's spinlock_t parameter) and cannot be initialised as ${item.type || 'a value'}`,
        item.pos,
      );
    }
  }
  const threads: CompiledThread[] = ast.threads.map((t) => {
    const params = new Map<string, number>();
    for (const p of t.params) {
      if (/struct/.test(p.type) && !isSrcuType(p.type)) {
        throw c.error(
          `parameter ${p.type}${p.name}: structures other than struct srcu_struct are not supported`,
          p.pos,
        );
      }
      if (!p.type.includes('*')) {
        throw c.error(`parameter ${p.name} must be a pointer to a shared variable (such as int *${p.name})`, p.pos);
      }
      params.set(p.name, c.loc(p.name));
    }
    const registers: string[] = [];
    const name = `P${t.index}`;
    const scope = { name, params, registers, spinlocks };
    checkBlock(c, scope, t.body);
    return { name, params, registers, body: t.body };
  });
  checkRcuCalls(ast, (detail, pos) => c.error(detail, pos));
  const observed: Observed[] = [];
  const observe = (r: CondRef): void => {
    if (r.k === 'reg') {
      const t = threads[r.thread];
      if (t === undefined) throw c.error(`${refText(r)}: there is no thread P${r.thread}`, r.pos);
      if (!t.registers.includes(r.name)) throw c.error(`${refText(r)}: P${r.thread} has no register ${r.name}`, r.pos);
    } else if (!c.locIndex.has(r.name)) {
      throw c.error(`${r.name}: no such location (not initialised, and no thread's parameter)`, r.pos);
    } else if (spinlocks.has(c.locIndex.get(r.name) as number)) {
      throw c.error(`${r.name} is a spinlock: its final value may not be tested (lock.cat flags lock-final)`, r.pos);
    }
    const text = refText(r);
    if (!observed.some((o) => o.text === text)) observed.push({ text, ref: r });
  };
  const observeProp = (p: Prop): void => {
    if (p.k === 'and' || p.k === 'or') {
      observeProp(p.l);
      observeProp(p.r);
    } else if (p.k === 'not') observeProp(p.p);
    else if (p.k === 'atom') {
      observe(p.ref);
      if (p.value.k === 'addr' && !c.locIndex.has(p.value.loc)) {
        throw c.error(`${p.value.loc}: no such location`, p.value.pos);
      }
    }
  };
  for (const r of ast.locations) observe(r);
  if (ast.filter) observeProp(ast.filter);
  observeProp(ast.prop);
  for (const item of ast.init) {
    if (item.value.k === 'addr' && !c.locIndex.has(item.value.loc)) {
      throw c.error(`${item.value.loc}: no such location`, item.value.pos);
    }
  }
  return { ast, file, locations: c.locs, spinlocks, threads, observed };
}

interface Scope {
  readonly name: string;
  readonly params: ReadonlyMap<string, number>;
  readonly registers: string[];
  /** Locations declared spinlock_t (see checkLockArg). */
  readonly spinlocks: ReadonlySet<number>;
}

function addRegister(c: Checker, s: Scope, name: string, pos: Pos): void {
  if (s.params.has(name)) throw c.error(`${name} is a parameter of ${s.name}, not a register`, pos);
  if (PRIMITIVES[name] !== undefined) throw c.error(`${name} is a primitive, not a register`, pos);
  if (!s.registers.includes(name)) s.registers.push(name);
}

function checkBlock(c: Checker, s: Scope, stmts: readonly Stmt[]): void {
  for (const st of stmts) checkStmt(c, s, st);
}

function checkStmt(c: Checker, s: Scope, st: Stmt): void {
  switch (st.k) {
    case 'decl':
      if (st.init) checkValue(c, s, st.init);
      addRegister(c, s, st.name, st.pos);
      return;
    case 'assign': {
      const t = st.target;
      if (t.k === 'deref') {
        checkLockArg(c, s, t.e, undefined);
        // A plain C store (checked for data races). Its address and its value may not both
        // access shared memory (C leaves their order unspecified).
        if (checkValue(c, s, t.e) > 0 && checkValue(c, s, st.e) > 0) {
          throw c.error(
            'both sides of "=" access shared memory, in an order C leaves unspecified: use a register',
            t.pos,
          );
        }
        return;
      }
      if (t.k !== 'name') throw c.error('the left of "=" must be a register or a plain store *p', t.pos);
      checkValue(c, s, st.e);
      addRegister(c, s, t.name, t.pos);
      return;
    }
    case 'expr':
      if (st.e.k !== 'call') throw c.error('an expression statement must be a call such as smp_mb()', st.e.pos);
      checkCall(c, s, st.e, false);
      return;
    case 'if':
      checkValue(c, s, st.cond);
      checkBlock(c, s, st.then);
      if (st.else) checkBlock(c, s, st.else);
      return;
  }
}

/** Checks an expression used as a value; returns how many shared-memory accesses it makes. */
function checkValue(c: Checker, s: Scope, e: Expr): number {
  switch (e.k) {
    case 'num':
      return 0;
    case 'name':
      if (!s.params.has(e.name) && !s.registers.includes(e.name)) {
        // herd allows registers that are only assigned later in program order; they read 0 before.
        if (PRIMITIVES[e.name] !== undefined) throw c.error(`${e.name} is a primitive: call it, ${e.name}(…)`, e.pos);
        s.registers.push(e.name);
      }
      return 0;
    case 'unary':
      return checkValue(c, s, e.e);
    case 'binary': {
      const l = checkValue(c, s, e.l);
      const r = checkValue(c, s, e.r);
      if (l > 0 && r > 0 && e.op !== '&&' && e.op !== '||') {
        throw c.error(
          `both operands of "${e.op}" access shared memory, in an order C leaves unspecified: use a register`,
          e.pos,
        );
      }
      return l + r;
    }
    case 'deref':
      // A plain C load (checked for data races).
      checkLockArg(c, s, e.e, undefined);
      return checkValue(c, s, e.e) + 1;
    case 'addr':
      throw c.error(
        'the address-of operator & is not supported in thread code (parameters are already addresses)',
        e.pos,
      );
    case 'call':
      return checkCall(c, s, e, true);
  }
}

/**
 * The compile-time half of checkLockUse, where the address is a parameter named directly:
 * `lockCall` (a spinlock call's name) must be given a spinlock, anything else must not.
 */
function checkLockArg(c: Checker, s: Scope, address: Expr, lockCall: string | undefined): void {
  if (address.k !== 'name') return;
  const loc = s.params.get(address.name);
  if (loc === undefined) return;
  const isLock = s.spinlocks.has(loc);
  if (isLock && lockCall === undefined) {
    throw c.error(
      `${address.name} is a spinlock: only the spinlock calls may access it (lock.cat: mixed-lock-accesses)`,
      address.pos,
    );
  }
  if (!isLock && lockCall !== undefined) {
    throw c.error(`${lockCall}: ${address.name} is not declared spinlock_t`, address.pos);
  }
}

function checkCall(c: Checker, s: Scope, e: Expr & { k: 'call' }, asValue: boolean): number {
  const p = PRIMITIVES[e.name];
  if (p === undefined) {
    throw c.error(unsupported(e.name) ?? `${e.name}(): unknown primitive (not one the engine models)`, e.pos);
  }
  if (e.args.length !== p.args.length) {
    throw c.error(
      `${e.name}() takes ${p.args.length} argument${p.args.length === 1 ? '' : 's'}, not ${e.args.length}`,
      e.pos,
    );
  }
  if (asValue && !p.value) throw c.error(`${e.name}() has no value`, e.pos);
  let accessing = 0;
  const lockCall = LOCK_PRIMITIVES[e.name] !== undefined ? `${e.name}()` : undefined;
  e.args.forEach((arg, i) => {
    const kind = p.args[i] as ArgKind;
    if (kind === 'ptr') checkLockArg(c, s, arg, lockCall);
    if (kind === 'lv' && arg.k === 'deref') checkLockArg(c, s, arg.e, lockCall);
    let n: number;
    if (kind === 'out') {
      if (arg.k !== 'name' || s.params.has(arg.name)) {
        throw c.error(`${e.name}(): argument ${i + 1} must be a register, which the call assigns`, arg.pos);
      }
      addRegister(c, s, arg.name, arg.pos);
      n = 0;
    } else if (kind === 'lv') {
      if (arg.k !== 'deref') {
        throw c.error(`${e.name}(): argument ${i + 1} must be a dereferenced pointer such as *x`, arg.pos);
      }
      n = checkValue(c, s, arg.e);
    } else {
      if (kind === 'ptr' && arg.k === 'deref') {
        throw c.error(`${e.name}(): argument ${i + 1} must be a pointer such as x, not *…`, arg.pos);
      }
      if (kind === 'bit' && arg.k === 'num' && (arg.value < 0 || arg.value > 30)) {
        throw c.error(`${e.name}(): bit number ${arg.value} is out of range 0..30`, arg.pos);
      }
      n = checkValue(c, s, arg);
    }
    if (n > 0 && accessing > 0) {
      throw c.error(`${e.name}(): two arguments access shared memory, in an order C leaves unspecified`, arg.pos);
    }
    accessing += n;
  });
  return accessing + 1;
}

// ---- Running: the interpreter inside each thread ----------------------------------------------------

/** An error of the test found while it runs (a dereference of a non-address, a division by zero). */
export class LitmusRuntimeError extends LitmusError {}

interface Env {
  readonly test: CompiledLitmus;
  readonly thread: CompiledThread;
  readonly locs: readonly Loc[];
  readonly regs: Map<string, Val>;
  readonly ctx: CallContext;
  /** The history index of the thread's next step: how many actions it has yielded so far. */
  steps: number;
  /** The reads the enclosing `if` conditions depend on (LKMM's ctrl, from the syntax). */
  ctrl: Deps;
}

/**
 * The reads a value was computed from, as history indices of the thread (Action.deps), and
 * transitively the reads those were address-dependent on (hb is transitive in LKMM, and the
 * engine orders an access only after the reads it names). Computed from the syntax, as herd
 * does: `r0 || 1` and `r0 + 1` depend on the read of r0 whatever their value (LKMM's data,
 * addr and ctrl relations; axiomatic/events.ts computes the same).
 */
type Deps = ReadonlySet<number>;
interface Val {
  readonly v: number;
  readonly deps: Deps;
}
const NO_DEPS: Deps = new Set();
const joinDeps = (a: Deps, b: Deps): Deps => (a.size === 0 ? b : b.size === 0 ? a : new Set([...a, ...b]));
const val = (v: number, deps: Deps = NO_DEPS): Val => ({ v, deps });

export function formatValue(test: CompiledLitmus, v: number): string {
  const i = v - POINTER_BASE;
  const loc = test.locations[i];
  return Number.isInteger(i) && loc !== undefined ? loc.name : String(v);
}

/**
 * A spinlock is touched only by the spinlock calls (`lockCall`, their name), and they touch
 * only spinlocks: lock.cat flags mixed-lock-accesses, and a lock word read as an int would
 * expose this engine's encoding of it.
 */
function checkLockUse(env: Env, loc: Loc, lockCall: string | undefined, pos: Pos): void {
  const isLock = env.test.spinlocks.has(loc.id);
  if (isLock && lockCall === undefined) {
    throw new LitmusRuntimeError(
      `${env.thread.name} accesses spinlock ${loc.name} other than through the spinlock calls (lock.cat: mixed-lock-accesses)`,
      pos,
      env.test.file,
    );
  }
  if (!isLock && lockCall !== undefined) {
    throw new LitmusRuntimeError(`${lockCall}: ${loc.name} is not declared spinlock_t`, pos, env.test.file);
  }
}

function locOf(env: Env, v: number, pos: Pos): Loc {
  const loc = env.locs[v - POINTER_BASE];
  if (loc === undefined) {
    throw new LitmusRuntimeError(
      `${env.thread.name} dereferences ${v}, which is not the address of a location`,
      pos,
      env.test.file,
    );
  }
  return loc;
}

function* evalExpr(env: Env, e: Expr): Op<Val> {
  switch (e.k) {
    case 'num':
      return val(e.value);
    case 'name': {
      const p = env.thread.params.get(e.name);
      if (p !== undefined) return val(POINTER_BASE + p);
      return env.regs.get(e.name) ?? val(0);
    }
    case 'unary': {
      const x = yield* evalExpr(env, e.e);
      const v = x.v;
      if (e.op === '!') return val(v === 0 ? 1 : 0, x.deps);
      if (e.op === '-') return val(-v | 0, x.deps);
      if (e.op === '~') return val(~v, x.deps);
      return x;
    }
    case 'binary': {
      const l = yield* evalExpr(env, e.l);
      if (e.op === '&&' || e.op === '||') {
        // A short-circuited right operand is not evaluated, so the value depends on the left only.
        if (e.op === '&&' ? l.v === 0 : l.v !== 0) return val(e.op === '&&' ? 0 : 1, l.deps);
        const r = yield* evalExpr(env, e.r);
        return val(r.v !== 0 ? 1 : 0, joinDeps(l.deps, r.deps));
      }
      const r = yield* evalExpr(env, e.r);
      if ((e.op === '/' || e.op === '%') && r.v === 0) {
        throw new LitmusRuntimeError(`${env.thread.name} divides by zero`, e.pos, env.test.file);
      }
      const v = binaryValue(e.op, l.v, r.v);
      if (v !== undefined) return val(v, joinDeps(l.deps, r.deps));
      throw new LitmusRuntimeError(`operator ${e.op}`, e.pos, env.test.file);
    }
    case 'call':
      return yield* callPrimitive(env, e);
    case 'deref': {
      const address = yield* evalExpr(env, e.e);
      const loc = locOf(env, address.v, e.pos);
      checkLockUse(env, loc, undefined, e.pos);
      return yield* atLine(env, e.pos.line, plain_load(loc), address.deps, NO_DEPS);
    }
    case 'addr':
      // compileLitmus rejects this; reaching here would be a bug in this file.
      throw new LitmusRuntimeError(`unexpected ${e.k}`, e.pos, env.test.file);
  }
}

function* callPrimitive(env: Env, e: Expr & { k: 'call' }): Op<Val> {
  const p = PRIMITIVES[e.name] as Primitive;
  const locs: Loc[] = [];
  const vals: number[] = [];
  let addr = NO_DEPS;
  let data = NO_DEPS;
  let out: string | undefined;
  const lockCall = LOCK_PRIMITIVES[e.name] !== undefined;
  for (const [i, arg] of e.args.entries()) {
    const kind = p.args[i] as ArgKind;
    if (kind === 'out') out = (arg as Expr & { k: 'name' }).name;
    else if (kind === 'lv' || kind === 'ptr') {
      const address = yield* evalExpr(env, kind === 'lv' ? (arg as Expr & { k: 'deref' }).e : arg);
      const loc = locOf(env, address.v, arg.pos);
      checkLockUse(env, loc, lockCall ? `${e.name}()` : undefined, arg.pos);
      locs.push(loc);
      addr = joinDeps(addr, address.deps);
    } else {
      const v = yield* evalExpr(env, arg);
      if (kind === 'bit' && (v.v < 0 || v.v > 30)) {
        throw new LitmusRuntimeError(`${e.name}(): bit number ${v.v} is out of range 0..30`, arg.pos, env.test.file);
      }
      vals.push(v.v);
      data = joinDeps(data, v.deps);
    }
  }
  const result = yield* atLine(
    env,
    e.pos.line,
    p.run(locs, vals, (v) => formatValue(env.test, v), env.ctx),
    addr,
    data,
  );
  if (out === undefined) return result;
  // The register the call assigns (spin_lock_irqsave()'s flags: the interrupt state, no read).
  env.regs.set(out, val(result.v));
  return val(0);
}

/**
 * Runs a primitive call's steps, giving every action the test's file and line and its
 * dependencies (Action.deps): a read is ordered after the reads its address came from (LKMM's
 * addr), a write or RMW also after those its value came from (data) and those of the enclosing
 * conditions (ctrl; `ctrl ; [R]` orders nothing in LKMM, so reads get none). The call's value
 * depends on the reads it made and, transitively, on what their addresses depended on.
 * Unlike the engine's $site (which keeps the innermost model frame's site), the site
 * overrides: the helpers above are code of this file, but a trace step must point at the line
 * of the litmus test.
 */
function* atLine(env: Env, line: number, op: Op<number>, addr: Deps, data: Deps): Op<Val> {
  const site = { file: env.test.file, line };
  const toWrite = joinDeps(joinDeps(addr, data), env.ctrl);
  const reads: number[] = [];
  let next = op.next();
  while (!next.done) {
    let act = next.value;
    const index = env.steps++;
    const reading = act.kind === Kind.Read || act.kind === Kind.Rmw || act.kind === Kind.Await;
    const writing = act.kind === Kind.Write || act.kind === Kind.Rmw || act.rmw !== undefined;
    const deps = writing ? toWrite : reading ? addr : NO_DEPS;
    if (deps.size > 0) act = { ...act, deps: [...deps].sort((a, b) => a - b) };
    if (writing && addr.size > 0) act = { ...act, addrDeps: [...addr].sort((a, b) => a - b) };
    if (reading) reads.push(index);
    act.site = site;
    next = op.next(yield act);
  }
  return val(next.value, reads.length === 0 ? NO_DEPS : joinDeps(new Set(reads), addr));
}

function* execBlock(env: Env, stmts: readonly Stmt[]): Op {
  for (const st of stmts) {
    switch (st.k) {
      case 'decl':
        env.regs.set(st.name, st.init ? yield* evalExpr(env, st.init) : val(0));
        break;
      case 'assign':
        if (st.target.k === 'deref') {
          const value = yield* evalExpr(env, st.e);
          const address = yield* evalExpr(env, st.target.e);
          const loc = locOf(env, address.v, st.target.pos);
          checkLockUse(env, loc, undefined, st.target.pos);
          yield* atLine(
            env,
            st.pos.line,
            none(plain_store(loc, value.v, formatValue(env.test, value.v))),
            address.deps,
            value.deps,
          );
        } else env.regs.set((st.target as Expr & { k: 'name' }).name, yield* evalExpr(env, st.e));
        break;
      case 'expr':
        yield* evalExpr(env, st.e);
        break;
      case 'if': {
        const cond = yield* evalExpr(env, st.cond);
        const outer = env.ctrl;
        env.ctrl = joinDeps(outer, cond.deps);
        if (cond.v !== 0) yield* execBlock(env, st.then);
        else if (st.else) yield* execBlock(env, st.else);
        env.ctrl = outer;
        break;
      }
    }
  }
}

// ---- The model and its check ---------------------------------------------------------------------

/** One distinct final state, projected on the observed registers and locations. */
export interface FinalState {
  /** Observed name (`0:r0`, `x`) → value as herd prints it (`1`, `&x`). */
  readonly values: Readonly<Record<string, string>>;
  /** Whether it satisfies the condition's proposition. */
  readonly satisfies: boolean;
}

export interface LitmusModel {
  readonly instance: ModelInstance;
  /** Distinct final states seen so far by explorations of this instance, by key. */
  readonly finals: Map<string, readonly number[]>;
  /** Keys of the final states reached through a data race (StateView.dataRace). */
  readonly racy: Set<string>;
}

/**
 * Builds the engine model of a compiled test: one thread per Pn, registers as ghosts. Its one
 * invariant records every final state; `finalHolds` (default: always true) can make a final
 * state a violation, which is how litmusWitness finds a path to one.
 */
export function buildLitmusModel(
  test: CompiledLitmus,
  finalHolds: (values: readonly number[]) => boolean = () => true,
): LitmusModel {
  const b = new ModelBuilder(test.threads.length);
  if (test.threads.some((t) => t.body.some(stmtIsPlain))) b.plainAccesses();
  const locs = test.locations.map((l) => b.loc(l.name, l.init, (v) => formatValue(test, v)));
  const observedRegs = test.observed.filter((o) => o.ref.k === 'reg');
  const ghosts = new Map<string, Ghost>(observedRegs.map((o) => [o.text, b.ghost(o.text, 0)]));
  const rcu = new LitmusRcu(
    b,
    test.ast,
    locs,
    test.locations.map((l) => l.name),
  );
  test.threads.forEach((thread, p) => {
    const mine = observedRegs.filter((o) => o.ref.k === 'reg' && o.ref.thread === p);
    b.thread(thread.name, { cpu: p }, function* () {
      const env: Env = {
        test,
        thread,
        locs,
        regs: new Map(),
        ctx: { cpu: p, rcu, srcuUnlocked: false },
        steps: 0,
        ctrl: NO_DEPS,
      };
      yield* execBlock(env, thread.body);
      for (const o of mine) {
        yield* ghost(ghosts.get(o.text) as Ghost, env.regs.get((o.ref as CondRef & { k: 'reg' }).name)?.v ?? 0);
      }
    });
  });
  const finals = new Map<string, readonly number[]>();
  const racy = new Set<string>();
  const locOfRef = (r: CondRef): Loc => locs[test.locations.findIndex((l) => l.name === r.name)] as Loc;
  b.always('final states', 'records each final state (always holds)', (s) => {
    if (!s.final) return true;
    const values = test.observed.map((o) =>
      o.ref.k === 'reg' ? s.ghost(ghosts.get(o.text) as Ghost) : s.mem(locOfRef(o.ref)),
    );
    const key = values.join(',');
    if (!finals.has(key)) finals.set(key, values);
    if (s.dataRace) racy.add(key);
    return finalHolds(values);
  });
  return { instance: b.build(), finals, racy };
}

/** Whether a statement makes a plain C access (`*p` outside READ_ONCE() and the like, a __*_bit() call). */
function stmtIsPlain(st: Stmt): boolean {
  switch (st.k) {
    case 'decl':
      return st.init !== undefined && exprIsPlain(st.init);
    case 'assign':
      return st.target.k === 'deref' || exprIsPlain(st.target) || exprIsPlain(st.e);
    case 'expr':
      return exprIsPlain(st.e);
    case 'if':
      return exprIsPlain(st.cond) || st.then.some(stmtIsPlain) || (st.else ?? []).some(stmtIsPlain);
  }
}

function exprIsPlain(e: Expr): boolean {
  switch (e.k) {
    case 'num':
    case 'name':
      return false;
    case 'deref':
      return true;
    case 'addr':
    case 'unary':
      return exprIsPlain(e.e);
    case 'binary':
      return exprIsPlain(e.l) || exprIsPlain(e.r);
    case 'call': {
      const p = PRIMITIVES[e.name];
      if (p?.plain === true) return true;
      // An lv argument `*x` is the call's own (marked) access; what its address is computed from may not be.
      return e.args.some((arg, i) =>
        p?.args[i] === 'lv' && arg.k === 'deref' ? exprIsPlain(arg.e) : exprIsPlain(arg),
      );
    }
  }
}

function condValue(test: CompiledLitmus, v: CondValue): number {
  return v.k === 'num' ? v.value : POINTER_BASE + test.locations.findIndex((l) => l.name === v.loc);
}

/** Evaluates a proposition on one projected final state (values in `observed` order). */
export function evalProp(test: CompiledLitmus, p: Prop, values: readonly number[]): boolean {
  switch (p.k) {
    case 'and':
      return evalProp(test, p.l, values) && evalProp(test, p.r, values);
    case 'or':
      return evalProp(test, p.l, values) || evalProp(test, p.r, values);
    case 'not':
      return !evalProp(test, p.p, values);
    case 'const':
      return p.value;
    case 'atom': {
      const text = refText(p.ref);
      const v = values[test.observed.findIndex((o) => o.text === text)] as number;
      return (v === condValue(test, p.value)) !== p.neq;
    }
  }
}

export interface LitmusCheck {
  readonly memoryModel: MemoryModelName;
  /** Absent when the engine could not answer (see `problem`). */
  readonly observation?: Observation;
  /** Final states (that pass the filter) satisfying the proposition, and all of them. */
  readonly positive: number;
  readonly total: number;
  /** Whether the condition holds: exists: positive > 0; ~exists: none; forall: all. */
  readonly validated?: boolean;
  /**
   * herd's "Flag data-race": some execution ending in a final state that passes the filter
   * makes a plain access that races (engine/threads.ts, dataRace, says what is detected).
   */
  readonly dataRace: boolean;
  readonly finalStates: readonly FinalState[];
  readonly states: number;
  readonly ms: number;
  /** Why there is no answer: an unexpected deadlock of the engine, or an exhausted budget. */
  readonly problem?: {
    readonly kind: 'deadlock' | 'inconclusive' | 'error';
    readonly message: string;
    readonly path?: RawPath;
  };
}

export interface CheckOptions {
  readonly reduction?: boolean;
  readonly maxStates?: number;
  readonly maxMs?: number;
  readonly signal?: AbortSignal;
}

/** Explores every execution of the test under one memory model and computes its outcome. */
export function checkLitmus(test: CompiledLitmus, memoryModel: MemoryModelName, opts: CheckOptions = {}): LitmusCheck {
  const model = buildLitmusModel(test);
  const exploration = new Exploration(model.instance, {
    memoryModel,
    reduction: opts.reduction ?? true,
    ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }),
    ...(opts.maxMs === undefined ? {} : { maxMs: opts.maxMs }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  });
  let result: ReturnType<Exploration['run']>;
  try {
    result = exploration.run();
  } catch (e) {
    // An error of the test found while running (LitmusRuntimeError) keeps its place; anything
    // else (a value the memory model cannot hold) is reported as the engine's answer failing.
    if (e instanceof LitmusError) throw e;
    return {
      memoryModel,
      positive: 0,
      total: 0,
      finalStates: [],
      states: 0,
      ms: 0,
      dataRace: false,
      problem: { kind: 'error', message: e instanceof Error ? e.message : String(e) },
    };
  }
  if (!result) throw new Error('unreachable: run() without a deadline completes');
  const finalStates: FinalState[] = [];
  let positive = 0;
  let total = 0;
  let dataRace = false;
  const sorted = [...model.finals.values()].sort((a, b) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return 0;
  });
  for (const values of sorted) {
    if (test.ast.filter && !evalProp(test, test.ast.filter, values)) continue;
    if (model.racy.has(values.join(','))) dataRace = true;
    const satisfies = evalProp(test, test.ast.prop, values);
    total++;
    if (satisfies) positive++;
    const shown: Record<string, string> = {};
    test.observed.forEach((o, i) => {
      shown[o.text] = formatValue(test, values[i] as number);
    });
    finalStates.push({ values: shown, satisfies });
  }
  const base = { memoryModel, positive, total, finalStates, dataRace, states: result.states, ms: result.ms };
  if (result.verdict === 'inconclusive') {
    return { ...base, problem: { kind: 'inconclusive', message: result.reason ?? 'budget exhausted' } };
  }
  if (result.violation) {
    const v = result.violation;
    return {
      ...base,
      problem: {
        kind: v.kind === 'deadlock' ? 'deadlock' : 'error',
        message: `unexpected ${v.kind}: ${v.description}`,
        ...(result.path ? { path: result.path } : {}),
      },
    };
  }
  const observation: Observation = positive === 0 ? 'Never' : positive === total ? 'Always' : 'Sometimes';
  const q = test.ast.quantifier;
  const validated = q === 'exists' ? positive > 0 : q === '~exists' ? positive === 0 : positive === total;
  return { ...base, observation, validated };
}

/** The names a trace viewer needs that a trace does not carry. */
export interface LitmusTraceMeta {
  readonly locs: readonly string[];
  readonly threads: readonly string[];
  readonly cpus: number;
}

/**
 * A shortest execution under `memoryModel` that ends in a final state satisfying the condition
 * (and the filter), as a replayable trace; undefined when there is none. Found as the
 * counterexample to "no final state satisfies the condition", so it is the engine's own path.
 */
export function litmusWitness(
  test: CompiledLitmus,
  memoryModel: MemoryModelName,
  opts: CheckOptions = {},
): { readonly trace: Trace; readonly meta: LitmusTraceMeta } | undefined {
  const instance = buildLitmusModel(test, (values) => {
    if (test.ast.filter && !evalProp(test, test.ast.filter, values)) return true;
    return !evalProp(test, test.ast.prop, values);
  }).instance;
  const exploration = new Exploration(instance, {
    memoryModel,
    reduction: opts.reduction ?? true,
    ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }),
  });
  const r = exploration.run();
  if (!r?.path || r.violation?.kind !== 'invariant') return undefined;
  const header = { model: 'litmus', variant: 'witness', memoryModel, params: {} };
  const trace = replay(new Machine(instance, memoryModel), header, r.path);
  return {
    trace,
    meta: {
      locs: test.locations.map((l) => l.name),
      threads: test.threads.map((t) => t.name),
      cpus: test.threads.length,
    },
  };
}

/**
 * `l op r` as the litmus tests' C computes it on 32-bit ints, for both checkers (this
 * compiler's threads and the axiomatic checker's interpreter); undefined for an operator it
 * does not know. Division by zero is the caller's to report (r is not 0 for '/' and '%').
 */
export function binaryValue(op: string, l: number, r: number): number | undefined {
  switch (op) {
    case '|':
      return l | r;
    case '^':
      return l ^ r;
    case '&':
      return l & r;
    case '==':
      return l === r ? 1 : 0;
    case '!=':
      return l !== r ? 1 : 0;
    case '<':
      return l < r ? 1 : 0;
    case '>':
      return l > r ? 1 : 0;
    case '<=':
      return l <= r ? 1 : 0;
    case '>=':
      return l >= r ? 1 : 0;
    case '<<':
      return l << r;
    case '>>':
      return l >> r;
    case '+':
      return (l + r) | 0;
    case '-':
      return (l - r) | 0;
    case '*':
      return Math.imul(l, r);
    case '/':
      return (l / r) | 0;
    case '%':
      return (l % r) | 0;
    default:
      return undefined;
  }
}
