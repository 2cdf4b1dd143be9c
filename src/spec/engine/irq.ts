/**
 * Asynchronous interrupt sources: a device or a timer that raises an interrupt on a CPU at
 * any moment, independently of the code running there. The machine already delivers a pending
 * interrupt at the first point where its CPU has interrupts enabled (and a pending interrupt
 * makes a CPU in guest mode exit), and runs its handler to completion; what a source adds is
 * that the interrupt becomes pending at an arbitrary point of the interleaving. It is a small
 * thread on another CPU whose only steps raise the interrupt (modelled as an IPI, which is what
 * the interrupt controller's delivery looks like to the target CPU), so the checker explores
 * every moment of arrival.
 */
import type { Op } from './actions.ts';
import type { ModelBuilder } from './model.ts';
import { send_ipi } from './primitives.ts';

export interface IrqSourceSpec {
  /** The interrupt's name, e.g. `timer tick` or `device IRQ` (also names the source thread). */
  readonly name: string;
  /** The vector it uses (0..7, distinct from the model's other interrupts). */
  readonly vector: number;
  /** The CPU it interrupts. */
  readonly cpu: number;
  /** The CPU the source thread runs on (any CPU other than `cpu`). */
  readonly sourceCpu: number;
  /** The handler, run on `cpu` (see ModelBuilder.interrupt). */
  readonly handler: (cpu: number) => Op<unknown>;
  /** How many times the interrupt is raised (default 1). A raise while one is pending merges with it. */
  readonly times?: number;
  /** Bookkeeping run in the same step as each raise (ghosts only), e.g. noting what the CPU was doing. */
  readonly onRaise?: () => Op<unknown>;
}

/** Declares the interrupt and its source thread; returns the source thread's name. */
export function irq_source(b: ModelBuilder, spec: IrqSourceSpec): string {
  const times = spec.times ?? 1;
  if (!Number.isInteger(times) || times < 1 || times > 8)
    throw new Error(`irq source ${spec.name}: times must be 1..8`);
  if (spec.sourceCpu === spec.cpu) throw new Error(`irq source ${spec.name}: the source must run on another CPU`);
  b.interrupt(spec.vector, spec.name, spec.handler);
  const thread = `${spec.name.replace(/\s+/g, '-')}-source`;
  b.thread(thread, { cpu: spec.sourceCpu }, function* () {
    for (let i = 0; i < times; i++) {
      yield* send_ipi(spec.cpu, spec.vector, `${spec.name} raised on cpu${spec.cpu}`);
      if (spec.onRaise) yield* spec.onRaise();
    }
  });
  return thread;
}
