/**
 * Locks as model operations: the sleeping mutex, the spinlock, and the CPU-hotplug reader lock.
 *
 * Each acquisition is one blocking read-modify-write (an Await action carrying an `rmw`): the
 * step is enabled only when the lock word satisfies the condition, and then takes it atomically,
 * so two threads can never both see it free. Ordering follows LKMM (tools/memory-model,
 * Documentation/locking): a lock acquisition is an acquire, an unlock a release
 * (smp_store_release); lock-to-unlock critical sections of one lock are therefore ordered one
 * after another under every memory model.
 *
 * Spinlocks follow LKMM's lock.cat and linux-kernel.cat further under the relaxed model (the
 * steps carry LockStep, see memory/relaxed.ts rmw): an unlock followed by a lock on the same CPU
 * orders the accesses before the unlock before those after the lock, except a write before and
 * a read after (`po-unlock-lock-po`, not a full barrier); the unlock a lock reads from orders
 * what came before it before what comes after the lock, for every CPU; smp_mb__after_spinlock()
 * and smp_mb__after_unlock_lock() make it a full barrier. A failed spin_trylock() and
 * spin_is_locked() are plain reads with no ordering (lock.cat's LF, RL, RU). Under TSO a lock
 * acquisition is a LOCK-prefixed RMW, so a full barrier, and the two barriers compile away.
 *
 * Mutexes order exactly as spinlocks do, unlock-then-lock included. LKMM models no sleeping
 * lock (lock.cat is about spinlocks), so this is the project's decision, taken from
 * Documentation/memory-barriers.txt ("LOCK ACQUISITION FUNCTIONS"), which lists spin locks,
 * R/W spin locks, mutexes, semaphores and R/W semaphores together and gives them all the same
 * ACQUIRE and RELEASE implications, and says of each that a RELEASE followed by an ACQUIRE is
 * not a full barrier. mutex_lock() and mutex_unlock() carry LockStep, so memory/relaxed.ts
 * gives them po-unlock-lock-po (not a full barrier: SB across mutex_unlock(); mutex_lock() is
 * allowed), and smp_mb__after_unlock_lock() makes the pair a full barrier as for spinlocks.
 * The real mutex is stronger on some paths (a sleeping waiter passes through the scheduler's
 * full barriers; the fast path is an acquire cmpxchg on owner, the unlock a release cmpxchg):
 * the model does not promise more than the documented ordering.
 *
 * A thread blocked on a mutex sleeps: it does not hold its CPU (other threads run there), while
 * a spinlock holder has preemption disabled (spin_lock() is preempt_disable() + the atomic).
 * Sleeping with interrupts or preemption disabled (mutex_lock() inside a spinlock, an IPI
 * handler or a get_cpu() section) is a ModelError, as might_sleep() would splat.
 */
import { action, Fence, Kind, LockStep, NO_WRITE, type Op, Order } from './actions.ts';
import {
  type Loc,
  local_irq_disable,
  local_irq_enable,
  local_irq_restore,
  local_irq_save,
  preempt_disable,
  preempt_enable,
  smp_store_release,
} from './primitives.ts';

/** A lock word: 0 free, 1 held. Declare it with ModelBuilder.loc (DEFINE_MUTEX, DEFINE_SPINLOCK). */
export type Lock = Loc;

const FREE = 0;
const HELD = 1;

/** One blocking atomic step: waits until `pred(lock)`, then writes `fn(old)` (acquire). */
function* acquire(
  x: Loc,
  text: string,
  pred: (v: number) => boolean,
  fn: (v: number) => number,
  sleeps: boolean,
  lock?: LockStep,
): Op<number> {
  return yield action(Kind.Await, text, {
    a: x.id,
    pred,
    rmw: fn,
    order: Order.AcqRel,
    mightSleep: sleeps,
    ...(lock === undefined ? {} : { lock }),
  });
}

/**
 * mutex_lock(): sleeps until the mutex is free, then owns it: a lock acquisition (LockStep), so
 * ordered as spin_lock() is (see the header: Documentation/memory-barriers.txt gives every lock
 * construct, mutexes included, the same ACQUIRE and RELEASE implications).
 */
export function* mutex_lock(m: Lock): Op {
  yield* acquire(
    m,
    `mutex_lock(&${m.name})`,
    (v) => v === FREE,
    () => HELD,
    true,
    LockStep.Acquire,
  );
}

/** mutex_unlock(): a release store of "free", a lock release (LockStep) as spin_unlock()'s is. */
export function* mutex_unlock(m: Lock): Op {
  yield action(Kind.Write, `mutex_unlock(&${m.name})`, {
    a: m.id,
    b: FREE,
    order: Order.AcqRel,
    lock: LockStep.Release,
  });
}

/** spin_lock(): preemption off, then spin until free and take it (an acquire). */
export function* spin_lock(l: Lock): Op {
  yield* preempt_disable();
  yield* acquire(
    l,
    `spin_lock(&${l.name})`,
    (v) => v === FREE,
    () => HELD,
    false,
    LockStep.Acquire,
  );
}

/** do_raw_spin_unlock(): the release store of "free" (LKMM's UL). */
function* releaseSpinlock(l: Lock, text: string): Op {
  yield action(Kind.Write, text, {
    a: l.id,
    b: FREE,
    order: Order.AcqRel,
    lock: LockStep.Release,
  });
}

/** spin_unlock(): a release store, then preemption back on. */
export function* spin_unlock(l: Lock): Op {
  yield* releaseSpinlock(l, `spin_unlock(&${l.name})`);
  yield* preempt_enable();
}

// The interrupt-disabling forms (include/linux/spinlock_api_smp.h at v6.12, __raw_spin_lock_irq()
// and the rest): the same lock and unlock steps, so the same ordering as spin_lock() and
// spin_unlock() under every memory model (LKMM gives them no other: the interrupt state is no
// memory access), with interrupts disabled around the critical section. The order of steps is
// the kernel's: interrupts off, then preemption off, then the lock; the unlock, then
// interrupts back on (or as they were), then preemption back on.

/** spin_lock_irq(): local_irq_disable(), then spin_lock(). */
export function* spin_lock_irq(l: Lock): Op {
  yield* local_irq_disable();
  yield* preempt_disable();
  yield* acquire(
    l,
    `spin_lock_irq(&${l.name})`,
    (v) => v === FREE,
    () => HELD,
    false,
    LockStep.Acquire,
  );
}

/** spin_unlock_irq(): the release store, local_irq_enable(), then preemption back on. */
export function* spin_unlock_irq(l: Lock): Op {
  yield* releaseSpinlock(l, `spin_unlock_irq(&${l.name})`);
  yield* local_irq_enable();
  yield* preempt_enable();
}

/** spin_lock_irqsave(): local_irq_save(), then spin_lock(); returns the saved flags. */
export function* spin_lock_irqsave(l: Lock): Op<number> {
  const flags = yield* local_irq_save();
  yield* preempt_disable();
  yield* acquire(
    l,
    `spin_lock_irqsave(&${l.name})`,
    (v) => v === FREE,
    () => HELD,
    false,
    LockStep.Acquire,
  );
  return flags;
}

/** spin_unlock_irqrestore(): the release store, local_irq_restore(flags), then preemption back on. */
export function* spin_unlock_irqrestore(l: Lock, flags: number): Op {
  yield* releaseSpinlock(l, `spin_unlock_irqrestore(&${l.name})`);
  yield* local_irq_restore(flags);
  yield* preempt_enable();
}

/** spin_is_locked(): one unordered read of the lock word (lock.cat's RL and RU). */
export function* spin_is_locked(l: Lock): Op<boolean> {
  return (yield action(Kind.Read, `spin_is_locked(&${l.name})`, { a: l.id })) !== FREE;
}

/** smp_mb__after_spinlock(): with the lock acquisition before it, a full barrier (see the header). */
export function* smp_mb__after_spinlock(): Op {
  yield action(Kind.Fence, 'smp_mb__after_spinlock()', { b: Fence.AfterSpinlock });
}

/** smp_mb__after_unlock_lock(): makes the unlock+lock before it a full barrier (see the header). */
export function* smp_mb__after_unlock_lock(): Op {
  yield action(Kind.Fence, 'smp_mb__after_unlock_lock()', { b: Fence.AfterUnlockLock });
}

/**
 * spin_trylock(): one attempt. On success an acquire (LKMM: a successful trylock is a lock); on
 * failure nothing is written and nothing ordered (like a failed cmpxchg), and preemption is back on.
 */
export function* spin_trylock(l: Lock): Op<boolean> {
  yield* preempt_disable();
  const old: number = yield action(Kind.Rmw, `spin_trylock(&${l.name})`, {
    a: l.id,
    order: Order.AcqRel,
    rmw: (v) => (v === FREE ? HELD : NO_WRITE),
    lock: LockStep.Acquire,
  });
  if (old === FREE) return true;
  yield* preempt_enable();
  return false;
}

// ---- cpu_hotplug_lock ---------------------------------------------------------------------------

/**
 * The CPU-hotplug lock (get_online_cpus()/put_online_cpus() in 2009, cpus_read_lock() today): a
 * reader count, with HOTPLUG_WRITER set while a hotplug operation runs (cpu_hotplug_begin()).
 * Readers sleep while a writer holds it and the writer sleeps until there are no readers. (The
 * 2009 implementation was a refcount and a mutex, today's a percpu rwsem; both exclude exactly
 * this, and neither lets a new reader in past a waiting writer forever, which the model does
 * not need: it has finitely many readers.)
 */
export const HOTPLUG_WRITER = 1 << 16;

export function* get_online_cpus(lock: Lock): Op {
  yield* acquire(
    lock,
    `get_online_cpus()`,
    (v) => (v & HOTPLUG_WRITER) === 0,
    (v) => v + 1,
    true,
  );
}

export function* put_online_cpus(lock: Lock): Op {
  // A value-returning atomic in effect (2009: a mutex-protected decrement): fully ordered.
  yield action(Kind.Rmw, 'put_online_cpus()', { a: lock.id, order: Order.Full, rmw: (v) => v - 1 });
}

/** cpu_hotplug_begin(): wait until no reader holds the lock, then hold it as the writer. */
export function* cpu_hotplug_begin(lock: Lock): Op {
  yield* acquire(
    lock,
    'cpu_hotplug_begin()',
    (v) => v === 0,
    () => HOTPLUG_WRITER,
    true,
  );
}

export function* cpu_hotplug_done(lock: Lock): Op {
  yield* smp_store_release(lock, 0, 'no writer');
}
