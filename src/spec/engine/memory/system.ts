/**
 * The interface between the machine and a memory model. A memory system owns the tail of the
 * state vector, from `base` on, and gives reads, writes, atomics and fences their meaning.
 * Operations that can go several ways (a relaxed read that may return an older value, a relaxed
 * write that may be ordered before another CPU's write) enumerate *choices*; the machine explores
 * each choice as its own successor, and traces record the choice so that replay is exact.
 */
import type { Fence, Order } from '../actions.ts';
import type { MemoryModelName } from '../model.ts';

/** rmw() context: an smp_mb__before_atomic() precedes the RMW (threads.ts, beforeAtomicPending). */
/**
 * Which of an access's LKMM pre-bounds (linux-kernel.cat: r-pre-bounded, w-pre-bounded) a
 * dependency raises, or the data-race check compares against: a read's, a write's, or (an
 * atomic RMW, both an access that reads and one that writes) the lesser of the two. An address
 * dependency bounds; a data or control dependency does not (Bound.None).
 */
export const Bound = { None: 0, Read: 1, Write: 2, Rmw: 3 } as const;
export type Bound = (typeof Bound)[keyof typeof Bound];

export const RMW_FENCE_BEFORE = 1;
/**
 * rmw() context: the RMW is a lock acquisition (LKR+LKW). In LKMM an unlock that the
 * acquisition reads from orders what came before that unlock before what comes after the lock,
 * for every CPU (`po-unlock-lock-po` is in cumul-fence), so later writes carry it.
 */
export const RMW_LOCK = 2;
/** rmw() context: a lock acquisition after an unlock by the same thread (`po-unlock-lock-po & int` in ppo). */
export const RMW_AFTER_UNLOCK = 4;
/**
 * rmw() context (relaxed only): the RMW is performed early, before loads that precede it in
 * program order (a read-side lock's nesting increment going ahead with a store inside the
 * critical section, threads.ts AheadStore): as a write performed `early`, it is in memory and
 * in pend, not in the thread's views, until the thread reaches it (earlyStoreReached).
 */
export const RMW_EARLY = 8;

/** Returned by an operation whose choice turned out impossible (the successor is dropped). */
export const INVALID = -0x80000000;

/** A read's result together with the mutable state it updates. */
export interface MemorySystem {
  readonly name: MemoryModelName;
  /** Append the initial memory section to `out`. */
  init(out: number[]): void;
  /** Length of the memory section starting at `base` (fixed for SC and TSO). */
  length(s: Int32Array, base: number): number;

  /** How many values a read of `loc` by thread `t` may return now. */
  readChoices(s: Int32Array, base: number, t: number, loc: number): number;
  /** The value of read choice `choice`, without changing the state. */
  readValue(s: Int32Array, base: number, t: number, loc: number, choice: number): number;
  /** Perform read choice `choice` in place; returns the value read. */
  read(s: Int32Array, base: number, t: number, loc: number, order: Order, choice: number): number;

  /** How many ways a write may be performed now (0: it must wait, e.g. a full store buffer). */
  writeChoices(s: Int32Array, base: number, t: number, loc: number, order: Order): number;
  /**
   * Perform a write in place; returns the new length of the memory section. `early` (relaxed
   * only, a store performed before a load and an rcu_read_unlock() that precede it in program
   * order, threads.ts): the thread does not see its write yet, so that the unlock's release does
   * not carry it; earlyStoreReached() makes it seen once the thread gets to the store.
   */
  write(
    s: Int32Array,
    base: number,
    t: number,
    loc: number,
    value: number,
    order: Order,
    choice: number,
    early?: boolean,
  ): number;
  /** The thread reached its store to `loc` performed `early` (see write); returns the new length. */
  earlyStoreReached?(s: Int32Array, base: number, t: number, loc: number): number;
  /** The stores thread `t` performed `early` and has not reached yet (location and value). */
  earlyStores?(s: Int32Array, base: number, t: number): { loc: number; value: number; rmw: boolean }[];
  /** The value the RMW thread `t` performed early at `loc` read (its result, when reached). */
  earlyRmwOld?(s: Int32Array, base: number, t: number, loc: number): number;
  /** Thread `t`'s later writes carry what the latest write of `loc` carried (relaxed only). */
  carryLatest?(s: Int32Array, base: number, t: number, loc: number): number;

  rmwChoices(s: Int32Array, base: number, t: number, loc: number, order: Order): number;
  /**
   * Perform a read-modify-write in place: reads, applies `fn`, writes unless `fn` returned
   * NO_WRITE. Returns the old value, or INVALID when this choice cannot happen.
   * `context`: RMW_* bits saying what the thread's history adds to the RMW's own order (only
   * the relaxed model, where they have an effect, is ever given any; see threads.ts).
   */
  rmw(
    s: Int32Array,
    base: number,
    t: number,
    loc: number,
    fn: (old: number) => number,
    order: Order,
    choice: number,
    context?: number,
  ): number;

  /**
   * Whether a write to `loc` that thread `t` has not seen is already in memory (one its next
   * access of `loc` is not ordered after), made by a plain access unless `plain` (then any):
   * the memory side of the data-race check (threads.ts, dataRace). Only the relaxed model keeps
   * writes a thread may not see; SC and TSO say false.
   */
  unseenWrite(s: Int32Array, base: number, t: number, loc: number, plain: boolean, bound?: Bound): boolean;

  fenceEnabled(s: Int32Array, base: number, t: number, fence: Fence): boolean;
  fence(s: Int32Array, base: number, t: number, fence: Fence): void;

  /** No buffered stores: the thread may migrate, be interrupted or send an IPI (full barriers). */
  quiescent(s: Int32Array, base: number, t: number): boolean;

  /**
   * A full barrier on every CPU at once, as a rendezvous of every CPU through fully ordered
   * atomics gives (stop_machine): from now on every thread that has not finished sees the latest
   * write of every location, including writes of finished threads (their CPU takes part too).
   * Only called when every thread is quiescent. Returns the new length of the memory section.
   */
  fenceAll(s: Int32Array, base: number): number;

  /**
   * Thread `t`'s next access of `loc` depends on the value its last read of `from` returned (an
   * address dependency of a read; an address, data or control dependency of a write: LKMM's
   * ppo `addr` and `rwdep`): order it after that read and after what the write it read from
   * carried, in place. Returns the new length of the memory section. Only the relaxed model
   * reorders accesses; SC and TSO return the length unchanged.
   */
  dependency(s: Int32Array, base: number, t: number, loc: number, from: number, bound?: Bound): number;

  /**
   * Accesses by the interrupt handler running on `cpu`, with choices as a thread's (readChoices,
   * read, writeChoices, write, rmwChoices, rmw): under SC and TSO there is one (a handler reads
   * and writes memory: under TSO the store buffers of the interrupted CPU's threads are empty when
   * it is taken, interrupts.ts, and its accesses go straight to memory); under relaxed memory a
   * handler has views of its own (handlerStart), so it may read a write older than the newest and
   * place its write before a store another CPU has performed that its CPU has not seen, as that
   * CPU's code may. An RMW's `context` is rmw()'s.
   */
  handlerReadChoices(s: Int32Array, base: number, cpu: number, loc: number): number;
  handlerRead(s: Int32Array, base: number, cpu: number, loc: number, order: Order, choice: number): number;
  handlerWriteChoices(s: Int32Array, base: number, cpu: number, loc: number): number;
  /** Returns the new length of the memory section. */
  handlerWrite(
    s: Int32Array,
    base: number,
    cpu: number,
    loc: number,
    value: number,
    order: Order,
    choice: number,
  ): number;
  handlerRmwChoices(s: Int32Array, base: number, cpu: number, loc: number): number;
  /** Returns the old value, or INVALID when this choice cannot happen (as rmw()). */
  handlerRmw(
    s: Int32Array,
    base: number,
    cpu: number,
    loc: number,
    fn: (old: number) => number,
    order: Order,
    choice: number,
    context?: number,
  ): number;
  /** A barrier in the handler running on `cpu`. Returns the new length of the memory section. */
  handlerFence(s: Int32Array, base: number, cpu: number, fence: Fence): number;
  /** dependency() for the handler running on `cpu`. Returns the new length of the memory section. */
  handlerDependency(s: Int32Array, base: number, cpu: number, loc: number, from: number, bound?: Bound): number;
  /**
   * The memory side of the data-race check for the access of `loc` by the handler running on
   * `cpu` (relaxed only, with plain-access tracking): a write by a thread not in `cpuThreads`
   * (the handler's own CPU's threads), or by another CPU's handler, after the handler's race
   * bound (`bound`, as unseenWrite's), so not ordered before the access, at least one of the two
   * plain.
   */
  handlerUnseenWrite?(
    s: Int32Array,
    base: number,
    cpu: number,
    loc: number,
    plain: boolean,
    bound: Bound,
    cpuThreads: readonly number[],
  ): boolean;
  /**
   * An interrupt is taken on a CPU whose threads are `threads`: a full barrier there (as
   * machine.ts says of taking an interrupt), so what those threads have seen is published, and
   * what the CPU that sent the IPI published before sending it (its own full barrier) is seen
   * by the code after the handler. Returns the new length of the memory section. Under TSO the
   * barrier is the condition for taking it (empty store buffers); SC has nothing to order.
   */
  interruptTaken(s: Int32Array, base: number, threads: readonly number[]): number;
  /**
   * The handler on `cpu` starts (after interruptTaken): under relaxed memory its views start from
   * what the barrier published and what the CPU's `threads` have seen. Returns the new length.
   */
  handlerStart(s: Int32Array, base: number, cpu: number, threads: readonly number[]): number;
  /**
   * The handler on `cpu` returns (relaxed: a full barrier, x86's IRET, then its views are
   * dropped). Returns the new length of the memory section.
   */
  handlerReturn(s: Int32Array, base: number, cpu: number): number;
  /**
   * After the access of `loc` by the handler on `cpu` (so the handler's view of `loc` is the write
   * it read or wrote): the same CPU's later accesses of `loc` are ordered after it. `threads` are
   * the threads on the handler's CPU; none of them steps before the handler returns, and
   * whichever runs on the CPU after the return executes after the handler in that CPU's program
   * order, so it may not read an older write of `loc`, nor place a write of its own before it
   * (CoRR, CoWR, CoRW, CoWW across the interrupt boundary: a CPU sees its own writes). Returns
   * the new length of the memory section. Only the relaxed model keeps writes a thread may not see.
   */
  handlerOrder(s: Int32Array, base: number, cpu: number, loc: number, threads: readonly number[]): number;

  /**
   * Thread `t` has seen the acknowledgement of an IPI it waits for (csd_lock_wait(), an acquire
   * of the flag the handler's CPU released once the handler was done): relaxed memory only,
   * where the thread's later accesses are then ordered after what the handler did. Returns the
   * new length of the memory section.
   */
  ipiAcked?(s: Int32Array, base: number, t: number): number;

  /** The coherence-latest value of `loc` (what a property sees). */
  latest(s: Int32Array, base: number, loc: number): number;

  /** Internal steps (TSO store-buffer drains), one fairness unit each. */
  readonly internalUnits: number;
  internalEnabled(s: Int32Array, base: number, k: number): boolean;
  /** Returns the new length of the memory section. */
  internalStep(s: Int32Array, base: number, k: number): number;

  /** What internal step k does, for traces (`fmt` renders "loc = value"). */
  internalText(s: Int32Array, base: number, k: number, fmt: (loc: number, value: number) => string): string;

  /** A finished thread no longer constrains memory; canonicalise its part. Returns new length. */
  threadDone(s: Int32Array, base: number, t: number): number;

  /** A JSON-friendly picture of the memory section, for trace viewers. */
  /**
   * For symmetry reduction: how the memory section of a state is renamed when thread t becomes
   * threadTo[t] and location l becomes locTo[l]. Word j of the renamed section is word src[j]
   * of the original, with its location renamed where `entry[j]` is 1 (a store-buffer entry).
   * Undefined when this memory model cannot rename its state (then no symmetry reduction).
   */
  rename?(threadTo: readonly number[], locTo: readonly number[]): MemoryRenaming | undefined;
  /** Renames the location inside a word that `rename` marked as an entry. */
  renameEntry?(word: number, locTo: readonly number[]): number;
  describe(
    s: Int32Array,
    base: number,
    fmt: (loc: number, value: number) => string,
    name: (loc: number) => string,
  ): MemoryPicture;
}

export interface MemoryPicture {
  /** Per location: the latest value, and for relaxed memory the older values still readable. */
  readonly values: readonly { readonly loc: number; readonly latest: string; readonly older?: readonly string[] }[];
  /** Per thread: buffered (not yet visible) stores as `location = value`, oldest first (TSO). */
  readonly buffers?: readonly (readonly string[])[];
}

export interface MemoryRenaming {
  readonly src: Int32Array;
  readonly entry: Uint8Array;
}
