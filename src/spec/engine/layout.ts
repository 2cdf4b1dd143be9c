/**
 * The layout of the machine's packed state vector, and the bit fields of its words.
 *
 * A state is: one word per thread (its automaton node, CPU, interrupts off, in guest, early
 * store, preemption count); one word per CPU (pending-interrupt bits, running handler and its
 * node), present only in a model with interrupts or stop_machine; the machine-global word (the
 * online mask and the thread that has stopped the machine, see G_ONLINE), present only in a
 * model with stop_machine; the ghosts; then the memory section (memory/*.ts). Every word a
 * state carries is copied, hashed and compared on every transition, so fields share words.
 */

/** Raised for a model that uses the machine wrongly (a bug in the model, not a verdict). */
export class ModelError extends Error {}

/**
 * Per thread one word: the flags in the low NODE_SHIFT bits, the automaton node above them.
 * "Flags" below means the whole word: every flag test masks, and flag updates leave the node be.
 */
export const TSZ = 1;
export const T_FLAGS = 0;
/** The CPU in the low bits, then one bit each, then the preemption count. */
export const F_CPU = 0x3f;
export const MAX_CPUS = F_CPU + 1;
export const F_IRQ = 1 << 6;
export const F_GUEST = 1 << 7;
/**
 * Relaxed memory only: the thread has performed stores ahead of it early (load buffering) that it
 * has not reached yet (memory/relaxed.ts keeps which: pend; threads.ts, AheadStore).
 */
export const F_EARLY = 1 << 8;
export const PREEMPT_SHIFT = 9;
export const PREEMPT_ONE = 1 << PREEMPT_SHIFT;
/** Three bits of preemption count: no model nests preempt_disable() deeper than 7. */
export const PREEMPT_MAX = 7;
/**
 * TIF_NEED_RESCHED: the scheduler tick found another task waiting for this thread's CPU while
 * the thread held it in guest mode, and made the guest exit (threads.ts, GuestExit). need_resched()
 * reads it; the thread's next migrate() (schedule() switching it out) clears it.
 */
export const F_RESCHED = 1 << 12;
/**
 * Sticky: the thread has made an access that races with another thread's (a data race, see
 * threads.ts dataRace); StateView.dataRace reports it.
 */
export const F_RACE = 1 << 13;
/**
 * Relaxed memory only, for a thread that may share a CPU (Machine.sharesCpu): the thread is the
 * task that ran last on its CPU, so its next step there is no context switch. Another thread's
 * step on that CPU first switches it out (threads.ts, contextSwitch); a move to another CPU
 * (migrate(), cpu_down()) and the thread's end clear it.
 */
export const F_CUR = 1 << 14;
export const NODE_SHIFT = 15;
export const FLAGS = (1 << NODE_SHIFT) - 1;
/** Distinct histories (automaton nodes) one thread may have. */
export const MAX_NODES = 2 ** (32 - NODE_SHIFT);
export const HOLDS = F_IRQ | F_GUEST | (PREEMPT_MAX << PREEMPT_SHIFT);
/** A thread word's automaton node, and the word with another node (for symmetry.ts too). */
export const nodeOf = (word: number): number => word >>> NODE_SHIFT;
export const withNode = (word: number, node: number): number => (node << NODE_SHIFT) | (word & FLAGS);
/** A thread word's CPU, and the word with another CPU. */
export const cpuOf = (word: number): number => word & F_CPU;
export const withCpu = (word: number, cpu: number): number => (word & ~F_CPU) | cpu;
/**
 * Per CPU one word: pending interrupt vectors (one bit each), the running handler's vector + 1
 * (0: none) and that handler's automaton node.
 */
export const CSZ = 1;
export const C_IRQS = 0;
export const MAX_VECTORS = 8;
export const PENDING = (1 << MAX_VECTORS) - 1;
export const HVEC_SHIFT = MAX_VECTORS;
export const HVEC = 0xf << HVEC_SHIFT;
export const HNODE_SHIFT = HVEC_SHIFT + 4;
export const MAX_HANDLER_NODES = 2 ** (32 - HNODE_SHIFT);
export const runningVector = (irqs: number): number => (irqs & HVEC) >>> HVEC_SHIFT;
export const handlerNode = (irqs: number): number => irqs >>> HNODE_SHIFT;
/**
 * The machine-global word, right after the per-CPU words: the online mask (bit c: CPU c is
 * online) in the low 16 bits, and the thread that has stopped the machine (stop_machine) + 1 in
 * the high 16 bits (0: the machine runs).
 */
export const G_ONLINE = 0xffff;
export const MAX_HOTPLUG_CPUS = 16;
export const STOPPER_SHIFT = 16;
