/**
 * x86-TSO (Owens, Sarkar and Sewell, "A better x86 memory model: x86-TSO", 2009): one memory
 * plus a FIFO store buffer per thread. A store goes into the buffer; a later step drains the
 * oldest buffered store to memory; a load reads the newest buffered store to the same location,
 * else memory. So a store may be delayed past later loads (store buffering), but stores stay in
 * order and loads stay in order.
 *
 * The kernel primitives map as on x86 (arch/x86/include/asm/barrier.h, atomic.h, bitops.h):
 * smp_mb() is a full fence (mfence or a locked op) and waits for an empty buffer; smp_rmb(),
 * smp_wmb(), acquire and release are compiler barriers only; every atomic, including set_bit()
 * and atomic_inc(), is a LOCK-prefixed instruction and therefore fully ordered; smp_store_mb()
 * is xchg; smp_mb__{before,after}_atomic() are compiler barriers.
 *
 * The buffers are kept per thread, and a real one is per CPU; the machine makes the two the
 * same. On the hardware a task forwards from its CPU's buffer whatever the task that ran
 * before it there stored; in the kernel it never needs to, because switching tasks drains the
 * buffer: __schedule() takes the runqueue lock, a LOCK-prefixed instruction, before
 * smp_mb__after_spinlock() (a compiler barrier on x86). So a thread runs only when the other
 * threads on its CPU have nothing buffered (Machine.tasksSwitchOn): at any moment at most one
 * thread per CPU, the one that ran there last, has stores buffered, and its buffer is the
 * CPU's. An interrupt is taken only with the CPU's buffers empty (interrupts.ts), so a handler
 * has nothing to forward either; its own accesses go straight to memory, which is stronger
 * than x86, where a handler's store waits in the buffer until the IRET that ends the handler
 * (serialising) or an earlier locked instruction: store buffering inside one handler is not
 * modelled. test/engine/irq-return.test.ts checks both tasks and handlers.
 *
 * Layout from `base`: memory values (one per location), then per thread `capacity` entries,
 * oldest first, 0 where empty; an entry packs the location + 1 (high byte, so that no entry is
 * 0) and the value (low 24 bits, signed). Small states make exploration fast: every word is
 * copied, hashed and compared on every transition.
 */
import { Fence, type Fence as FenceKind, NO_WRITE, Order } from '../actions.ts';
import { rmwInMemory } from './sc.ts';
import type { MemoryPicture, MemoryRenaming, MemorySystem } from './system.ts';

const entryLoc = (e: number): number => (e >>> 24) - 1;
const entry = (loc: number, value: number): number => ((loc + 1) << 24) | (value & 0xffffff);
const entryValue = (e: number): number => (e << 8) >> 8;
const MAX_VALUE = (1 << 23) - 1;

export class TsoMemory implements MemorySystem {
  readonly name = 'tso' as const;
  readonly internalUnits: number;
  readonly #nlocs: number;
  readonly #stride: number;
  readonly #len: number;

  readonly inits: readonly number[];
  readonly threads: number;
  readonly capacity: number;

  constructor(inits: readonly number[], threads: number, capacity: number) {
    this.inits = inits;
    this.threads = threads;
    this.capacity = capacity;

    this.#nlocs = inits.length;
    this.#stride = capacity;
    if (inits.length > 255) throw new RangeError('TSO store buffers address at most 255 locations');
    this.#len = this.#nlocs + threads * this.#stride;
    this.internalUnits = threads;
  }

  init(out: number[]): void {
    out.push(...this.inits);
    for (let i = 0; i < this.threads * this.#stride; i++) out.push(0);
  }
  length(): number {
    return this.#len;
  }
  #buf(base: number, t: number): number {
    return base + this.#nlocs + t * this.#stride;
  }
  readChoices(): number {
    return 1;
  }
  /** How many stores thread t's buffer holds. */
  #count(s: Int32Array, b: number): number {
    let n = 0;
    while (n < this.capacity && s[b + n] !== 0) n++;
    return n;
  }
  readValue(s: Int32Array, base: number, t: number, loc: number): number {
    const b = this.#buf(base, t);
    // Store-to-load forwarding: the newest buffered store to this location wins.
    for (let i = this.#count(s, b) - 1; i >= 0; i--) {
      const e = s[b + i] as number;
      if (entryLoc(e) === loc) return entryValue(e);
    }
    return s[base + loc] as number;
  }
  read(s: Int32Array, base: number, t: number, loc: number): number {
    return this.readValue(s, base, t, loc);
  }
  writeChoices(s: Int32Array, base: number, t: number, _loc: number, order: Order): number {
    const b = this.#buf(base, t);
    if (order === Order.StoreMb || order === Order.Full) return s[b] === 0 ? 1 : 0;
    return s[b + this.capacity - 1] === 0 ? 1 : 0;
  }
  write(s: Int32Array, base: number, t: number, loc: number, value: number, order: Order): number {
    if (order === Order.StoreMb || order === Order.Full) {
      s[base + loc] = value;
      return this.#len;
    }
    if (value > MAX_VALUE || value < -MAX_VALUE - 1) {
      throw new RangeError(`TSO store buffers hold 24-bit values; ${value} does not fit`);
    }
    const b = this.#buf(base, t);
    s[b + this.#count(s, b)] = entry(loc, value);
    return this.#len;
  }
  rmwChoices(s: Int32Array, base: number, t: number, loc: number, order: Order): number {
    const b = this.#buf(base, t);
    // RCU's CPU-local bookkeeping (rcu.ts) is no LOCK-prefixed instruction: it does not drain.
    // rcu_read_lock()'s increment (CpuLocal) writes the word at once, so the grace period learns
    // of the reader at once (as the CPU-local state tells the implementation); it waits until an
    // earlier rcu_read_unlock()'s decrement of the same word has left the buffer.
    if (order === Order.CpuLocal) return this.#buffers(s, b, loc) ? 0 : 1;
    if (order === Order.GpAcquire) return 1;
    // rcu_read_unlock()'s decrement (CpuLocalRelease) goes into the buffer: it needs a free entry.
    if (order === Order.CpuLocalRelease) return s[b + this.capacity - 1] === 0 ? 1 : 0;
    // A LOCK-prefixed instruction drains the store buffer first.
    return s[b] === 0 ? 1 : 0;
  }
  /** Whether buffer `b` holds a store to `loc`. */
  #buffers(s: Int32Array, b: number, loc: number): boolean {
    for (let i = 0; i < this.capacity && s[b + i] !== 0; i++) if (entryLoc(s[b + i] as number) === loc) return true;
    return false;
  }
  rmw(
    s: Int32Array,
    base: number,
    t: number,
    loc: number,
    fn: (old: number) => number,
    order: Order = Order.Full,
  ): number {
    if (order === Order.CpuLocalRelease) {
      // A plain read (forwarded from the buffer) and a buffered store of the CPU's own word.
      const old = this.readValue(s, base, t, loc);
      const next = fn(old);
      if (next !== NO_WRITE) this.write(s, base, t, loc, next, Order.Once);
      return old;
    }
    return rmwInMemory(s, base, loc, fn);
  }
  fenceEnabled(s: Int32Array, base: number, t: number, fence: FenceKind): boolean {
    return fence !== Fence.Mb || s[this.#buf(base, t)] === 0;
  }
  fence(): void {}
  quiescent(s: Int32Array, base: number, t: number): boolean {
    return s[this.#buf(base, t)] === 0;
  }
  fenceAll(): number {
    // Every store buffer is empty: memory is all there is.
    return this.#len;
  }
  dependency(): number {
    // Loads are satisfied in program order here.
    return this.#len;
  }
  unseenWrite(s: Int32Array, base: number, t: number, loc: number, plain: boolean): boolean {
    // Another thread's store still in its buffer: not ordered before t's access. Entries do not
    // record whether the store was plain, so a marked access never counts one (see threads.ts).
    if (!plain) return false;
    for (let u = 0; u < this.threads; u++) {
      if (u === t) continue;
      const b = this.#buf(base, u);
      for (let i = 0; i < this.capacity && s[b + i] !== 0; i++) if (entryLoc(s[b + i] as number) === loc) return true;
    }
    return false;
  }
  handlerReadChoices(): number {
    return 1;
  }
  handlerRead(s: Int32Array, base: number, _cpu: number, loc: number): number {
    return s[base + loc] as number;
  }
  handlerWriteChoices(): number {
    return 1;
  }
  handlerWrite(s: Int32Array, base: number, _cpu: number, loc: number, value: number): number {
    s[base + loc] = value;
    return this.#len;
  }
  handlerRmwChoices(): number {
    return 1;
  }
  handlerRmw(s: Int32Array, base: number, _cpu: number, loc: number, fn: (old: number) => number): number {
    return rmwInMemory(s, base, loc, fn);
  }
  handlerFence(): number {
    // Every access of a handler goes straight to memory here.
    return this.#len;
  }
  handlerDependency(): number {
    return this.#len;
  }
  handlerStart(): number {
    return this.#len;
  }
  handlerReturn(): number {
    return this.#len;
  }
  interruptTaken(): number {
    return this.#len;
  }
  handlerOrder(): number {
    // The CPU's threads had empty store buffers when the interrupt was taken, and their later
    // reads see memory (the handler's writes) or their own newer stores.
    return this.#len;
  }
  latest(s: Int32Array, base: number, loc: number): number {
    return s[base + loc] as number;
  }
  internalText(s: Int32Array, base: number, k: number, fmt: (loc: number, value: number) => string): string {
    const head = s[this.#buf(base, k)] as number;
    return `${fmt(entryLoc(head), entryValue(head))} leaves the store buffer and reaches memory`;
  }
  internalEnabled(s: Int32Array, base: number, k: number): boolean {
    return s[this.#buf(base, k)] !== 0;
  }
  internalStep(s: Int32Array, base: number, k: number): number {
    const b = this.#buf(base, k);
    const head = s[b] as number;
    s[base + entryLoc(head)] = entryValue(head);
    const last = this.capacity - 1;
    for (let i = 0; i < last; i++) s[b + i] = s[b + 1 + i] as number;
    s[b + last] = 0;
    return this.#len;
  }
  threadDone(): number {
    return this.#len;
  }
  describe(
    s: Int32Array,
    base: number,
    fmt: (loc: number, value: number) => string,
    name: (loc: number) => string,
  ): MemoryPicture {
    const buffers: string[][] = [];
    for (let t = 0; t < this.threads; t++) {
      const b = this.#buf(base, t);
      const entries: string[] = [];
      for (let i = 0; i < this.#count(s, b); i++) {
        const e = s[b + i] as number;
        entries.push(`${name(entryLoc(e))} = ${fmt(entryLoc(e), entryValue(e))}`);
      }
      buffers.push(entries);
    }
    return { values: this.inits.map((_, loc) => ({ loc, latest: fmt(loc, s[base + loc] as number) })), buffers };
  }
  rename(threadTo: readonly number[], locTo: readonly number[]): MemoryRenaming {
    const src = new Int32Array(this.#len);
    const entry = new Uint8Array(this.#len);
    locTo.forEach((to, l) => {
      src[to] = l;
    });
    threadTo.forEach((to, t) => {
      for (let e = 0; e < this.capacity; e++) {
        src[this.#nlocs + to * this.#stride + e] = this.#nlocs + t * this.#stride + e;
        entry[this.#nlocs + to * this.#stride + e] = 1;
      }
    });
    return { src, entry };
  }
  renameEntry(word: number, locTo: readonly number[]): number {
    return word === 0 ? 0 : entry(locTo[entryLoc(word)] as number, entryValue(word));
  }
}
