/**
 * Cross-CPU function calls (kernel/smp.c): smp_call_function_single() and on_each_cpu() for a
 * *named* function, which the model declares once with callFunction(). Each such function gets
 * its own interrupt vector, whose handler is the function, run on the target CPU with
 * interrupts disabled; when the target is the caller's own CPU the kernel calls the function
 * directly with interrupts disabled instead (generic_exec_single(), on_each_cpu()), and so does
 * the model. Both disable preemption around the call (get_cpu()), so cpu_down() cannot take a
 * target away between the online check and the IPI.
 *
 * What the model does not have: the kernel queues one call_single_data per call, so two
 * senders' calls of the same function on the same CPU both run; here they share the vector's
 * pending bit and run once. Models must not have two senders of one function to one CPU at once.
 */
import type { Op } from './actions.ts';
import type { ModelBuilder } from './model.ts';
import {
  BUG_ON,
  cpu_online,
  ENXIO,
  irqs_disabled,
  local_irq_disable,
  local_irq_enable,
  preempt_disable,
  preempt_enable,
  send_ipi,
  smp_processor_id,
  wait_for_ipi_ack,
} from './primitives.ts';

export interface CallFunction {
  readonly name: string;
  readonly vector: number;
  readonly cpus: number;
  /** The function body, with the CPU it runs on and whether it runs in the IPI (in_interrupt()). */
  readonly fn: (cpu: number, inIrq: boolean) => Op<unknown>;
}

/** Declares `fn` as a function other CPUs can be asked to run, on interrupt vector `vector`. */
export function callFunction(
  b: ModelBuilder,
  vector: number,
  name: string,
  fn: (cpu: number, inIrq: boolean) => Op<unknown>,
  /** The CPUs on_each_cpu() considers (default: all), for a model with CPUs its kernel code never uses. */
  cpus = b.cpus,
): CallFunction {
  b.interrupt(vector, `${name} IPI`, (cpu) => fn(cpu, true));
  return { name, vector, cpus, fn };
}

/**
 * smp_call_function_single(cpu, fn, info, wait): runs `cf` on `cpu` and with `wait` waits for it.
 * Returns 0, or -ENXIO when `cpu` is offline.
 */
export function* smp_call_function_single_fn(cpu: number, cf: CallFunction, wait: boolean): Op<number> {
  // kernel/smp.c: WARN_ON_ONCE(cpu_online(this_cpu) && irqs_disabled() && !oops_in_progress):
  // waiting for another CPU with interrupts off deadlocks against a CPU doing the same to us.
  yield* BUG_ON(yield* irqs_disabled(), `WARN: smp_call_function_single(${cpu}, ${cf.name}) with interrupts disabled`);
  yield* preempt_disable();
  const me = yield* smp_processor_id();
  let err = 0;
  if (cpu === me) {
    yield* local_irq_disable();
    yield* cf.fn(me, false);
    yield* local_irq_enable();
  } else if (!(yield* cpu_online(cpu))) {
    err = -ENXIO;
  } else {
    yield* send_ipi(cpu, cf.vector, `smp_call_function_single(${cpu}, ${cf.name}, ${wait ? 1 : 0})`);
    if (wait) yield* wait_for_ipi_ack(cpu, cf.vector, `csd_lock_wait(${cf.name} on cpu${cpu})`);
  }
  yield* preempt_enable();
  return err;
}

/**
 * on_each_cpu(fn, info, wait): IPIs every other online CPU, runs `cf` here with interrupts off,
 * then (with `wait`) waits for every other CPU to have run it.
 */
export function* on_each_cpu(cf: CallFunction, wait: boolean): Op {
  yield* preempt_disable();
  const me = yield* smp_processor_id();
  const sent: number[] = [];
  for (let cpu = 0; cpu < cf.cpus; cpu++) {
    if (cpu === me || !(yield* cpu_online(cpu))) continue;
    yield* send_ipi(cpu, cf.vector, `on_each_cpu(${cf.name}): IPI cpu${cpu}`);
    sent.push(cpu);
  }
  yield* local_irq_disable();
  yield* cf.fn(me, false);
  yield* local_irq_enable();
  if (wait)
    for (const cpu of sent) yield* wait_for_ipi_ack(cpu, cf.vector, `on_each_cpu(${cf.name}): wait for cpu${cpu}`);
  yield* preempt_enable();
}
