/**
 * The vocabulary a model speaks: each kernel primitive becomes one *action*, one atomic step
 * of the interleaving. Model code yields actions through the generator helpers in
 * `primitives.ts`; the machine (`machine.ts`) gives each action its meaning under the chosen
 * memory model.
 */

/** Where in the model source an action was issued (filled in by the `$site` instrumentation). */
export interface Site {
  readonly file: string;
  readonly line: number;
}

/**
 * Action kinds. Numbers, not strings, because the explorer switches on them millions of times;
 * plain objects rather than enums so that Node's type stripping can run the sources directly.
 */
export const Kind = {
  Read: 0,
  Write: 1,
  Rmw: 2,
  Fence: 3,
  /**
   * Blocks until a read of `a` satisfies `pred`; with `rmw`, that read and the write of
   * `rmw(old)` are one atomic step (a lock acquisition, see locks.ts).
   */
  Await: 4,
  IrqDisable: 5,
  IrqEnable: 6,
  PreemptDisable: 7,
  PreemptEnable: 8,
  Ipi: 9,
  IpiWait: 10,
  GuestEnter: 11,
  GuestExit: 12,
  Choose: 13,
  Migrate: 14,
  /** stop_machine(): every other online CPU stops; the body's steps follow, then StopMachineEnd. */
  StopMachineBegin: 15,
  StopMachineEnd: 16,
  /** take_cpu_down() under stop_machine: the CPU in `a` goes offline (see hotplug.ts). */
  CpuDown: 17,
  /**
   * The CPU in `a` comes online (bringup_cpu() and the AP's set_cpu_online()); with b =
   * CPU_UP_FAILS its bring-up fails and it stays offline (see hotplug.ts).
   */
  CpuUp: 18,
  // Below: merged actions. They are not interleaving points: they run in the same step as the
  // action before them, like Spin's statement merging, because they touch no shared memory.
  Ghost: 19,
  ThisCpu: 20,
  Fail: 21,
  Return: 22,
  /** Reads a ghost (merged; bookkeeping for properties, never for the model's behaviour). */
  GhostRead: 23,
  /**
   * cpu_online(a): reads the online mask, which only hotplug steps change (like ThisCpu); with
   * a = IN_STOP_MACHINE (-1), in_stop_machine(): whether the machine is stopped (the same word).
   */
  CpuOnline: 24,
  /** irqs_disabled(): whether this thread (or handler: always) runs with interrupts off (merged). */
  IrqsDisabled: 25,
  /**
   * Instrumentable code (a tracepoint, lockdep, KASAN/KCSAN/KCOV-instrumented C) runs here
   * (merged): if the CPU is inside a noinstr region (ghost `a + cpu` non-zero), ghost `b` is
   * set to 1. See noinstr.ts.
   */
  Instrumentable: 26,
  /**
   * need_resched() (merged): whether this thread's TIF_NEED_RESCHED is set (layout.ts,
   * F_RESCHED), which only the thread's own steps change.
   */
  NeedResched: 27,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export const FIRST_MERGED_KIND: Kind = Kind.Ghost;

/** How a read, write or read-modify-write is ordered. */
export const Order = {
  /** READ_ONCE / WRITE_ONCE, and non-value-returning atomics (set_bit, atomic_inc). */
  Once: 0,
  /**
   * smp_load_acquire / smp_store_release; on a read-modify-write, an acquire RMW (the _acquire
   * forms, a lock acquisition): the read is an acquire, the write is unordered.
   */
  AcqRel: 1,
  /** Value-returning atomics (cmpxchg, xchg, atomic_inc_return, test_and_set_bit). */
  Full: 2,
  /** smp_store_mb: the store followed by a full barrier. */
  StoreMb: 3,
  /**
   * Read-modify-writes only: the _release forms (xchg_release, atomic_fetch_add_release…): the
   * write is a release, the read is unordered (linux-kernel.def: `__xchg{release}`).
   */
  Release: 4,
  /**
   * A plain C access (`r = *x`, `*x = v`): ordered as READ_ONCE/WRITE_ONCE by every memory model
   * here (stronger than LKMM, where the compiler may tear, fuse or move it), but checked for data
   * races (threads.ts, dataRace): LKMM's `flag ~empty race as data-race`.
   */
  Plain: 5,
  /**
   * A read-modify-write whose read takes on what the write it reads carried into *every* view of
   * the thread (its later reads, and what its later plain writes carry), as if a strong fence
   * separated that write from the thread's later accesses: how a read-side critical section that
   * starts after a grace period started is ordered after everything before that grace period
   * (LKMM's rcu-fence; see rcu.ts). Used only on RCU's own bookkeeping words.
   */
  GpAcquire: 6,
  /**
   * A read-modify-write of a word that only its own CPU's bookkeeping changes and that the
   * implementation keeps CPU-local (rcu_read_lock()'s nesting: preempt_count or
   * current->rcu_read_lock_nesting): unordered under relaxed, as Once; under TSO it neither
   * drains the store buffer nor orders anything (no LOCK prefix: a plain per-CPU increment).
   */
  CpuLocal: 7,
  /**
   * The release form of CpuLocal, for rcu_read_unlock()'s nesting decrement: under relaxed a
   * release RMW (Order.Release: it hands the critical section to the grace period that waits
   * for it); under TSO a plain CPU-local read-modify-write, as x86's preempt_enable() or
   * current->rcu_read_lock_nesting-- is: its store goes through the store buffer behind the
   * critical section's stores (no LOCK prefix, no drain), so the grace period's wait, which
   * reads the word in memory, learns of the unlock only once they are all visible.
   */
  CpuLocalRelease: 8,
} as const;
export type Order = (typeof Order)[keyof typeof Order];

export const Fence = {
  Mb: 0,
  Rmb: 1,
  Wmb: 2,
  /**
   * smp_mb__before_atomic() / smp_mb__after_atomic(): in LKMM they order only together with an
   * atomic RMW (a later one, resp. an earlier one; see memory/relaxed.ts). Compiler barriers on
   * x86, where every atomic RMW is a full barrier anyway; full barriers on arm64.
   */
  BeforeAtomic: 3,
  AfterAtomic: 4,
  /**
   * smp_mb__after_spinlock(): a full barrier together with the thread's last lock acquisition
   * (LKMM: `[M] ; po? ; [LKW] ; fencerel(After-spinlock) ; [M]`), so what came before the
   * spin_lock() is ordered too. x86: a compiler barrier (the lock is a LOCK-prefixed RMW).
   */
  AfterSpinlock: 5,
  /**
   * smp_mb__after_unlock_lock(): makes an unlock followed by a lock (of the same lock by any
   * CPU, or of any lock by this one) a full barrier (`[M] ; po ; [UL] ; (co | po) ; [LKW] ;
   * fencerel(After-unlock-lock) ; [M]`). A compiler barrier on x86.
   */
  AfterUnlockLock: 6,
} as const;
export type Fence = (typeof Fence)[keyof typeof Fence];

/**
 * Lock steps, for the ordering LKMM gives unlock-then-lock (`po-unlock-lock-po`,
 * linux-kernel.cat) and for smp_mb__after_spinlock()/smp_mb__after_unlock_lock(): a lock
 * acquisition (LKR+LKW, an Await or Rmw) or a lock release (UL, a release store).
 */
export const LockStep = { Acquire: 1, Release: 2 } as const;
export type LockStep = (typeof LockStep)[keyof typeof LockStep];

/** A read-modify-write function returns this to say "no store" (a failed cmpxchg). */
export const NO_WRITE = -0x7fffffff;

export interface Action {
  readonly kind: Kind;
  /** Memory location, ghost index, CPU, vector or choice count, depending on kind. */
  readonly a: number;
  /** Value written, fence kind, wait flag…, depending on kind. */
  readonly b: number;
  readonly order: Order;
  readonly rmw?: (old: number) => number;
  readonly pred?: (value: number) => boolean;
  /** A blocked Await or GuestExit marked `end` is a valid final state, like Spin's end labels. */
  readonly end?: boolean;
  /**
   * An IPI that returns -ENXIO (as its result) when the target CPU is offline, as
   * smp_call_function_single() does, instead of being a model error (smp_send_reschedule()).
   */
  readonly ifOnline?: boolean;
  /**
   * The step may sleep (mutex_lock, get_online_cpus): a ModelError where the thread has
   * interrupts or preemption disabled, as might_sleep() would report.
   */
  readonly mightSleep?: boolean;
  /** A spinlock or mutex acquisition or release (see LockStep). */
  readonly lock?: LockStep;
  /**
   * The end of an RCU or SRCU read-side critical section (rcu_read_unlock()'s or
   * srcu_read_unlock()'s nesting decrement, engine/rcu.ts): LKMM gives it no ordering of its own
   * (Rcu-unlock and Srcu-unlock are only in rcu-order), so under relaxed memory a later store
   * may be performed before it and an earlier load (threads.ts, earlyStore).
   */
  readonly readSideUnlock?: boolean;
  /**
   * The reads this access depends on *syntactically*, as history indices of the thread (the
   * n-th step of the current run of its body is index n): for a read, those its address came
   * from (LKMM's addr); for a write or an RMW, also those its value came from (data) and those
   * the conditions of the `if`s around it read (ctrl), even when a condition is always true.
   * Set by code that knows its syntax (the litmus compiler); a model written as TypeScript has
   * none, and the machine then judges dependencies by behaviour (threads.ts). Relaxed memory
   * only: see memory/relaxed.ts, "Dependencies".
   */
  readonly deps?: readonly number[];
  /**
   * For a write or an RMW, the part of `deps` its address came from (LKMM's addr), which bounds
   * a plain access for the data-race check (w-pre-bounded); a read's deps are all addr.
   */
  readonly addrDeps?: readonly number[];
  /** Human-readable text for traces, such as `WRITE_ONCE(vcpu->mode, IN_GUEST_MODE)`. */
  readonly text: string;
  site?: Site;
}

export function action(kind: Kind, text: string, fields: Partial<Omit<Action, 'kind' | 'text'>> = {}): Action {
  return { kind, a: fields.a ?? 0, b: fields.b ?? 0, order: fields.order ?? Order.Once, text, ...fields };
}

/** Every model operation is a generator of actions that receives each action's result. */
export type Op<R = void> = Generator<Action, R, number>;
