/**
 * The return from an interrupt handler under each memory model: the code that runs on the
 * handler's CPU afterwards comes after the handler in that CPU's program order, so it never
 * reads a value older than one the handler read or wrote, and never places a write of its own
 * before one of the handler's (coherence across the interrupt boundary; MemorySystem.handlerOrder).
 * The same holds between two tasks that take turns on one CPU. Each shape is checked with and
 * without partial-order reduction. The ordering is per CPU and per
 * location only: a thread on another CPU may still miss the handler's write, checked as allowed.
 * Taking the interrupt is a full barrier on the interrupted CPU (MemorySystem.interruptTaken):
 * the handler's writes carry the thread's earlier ones, and what the IPI's sender published is
 * seen after the handler.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  ghost,
  ghost_read,
  type MemoryModelName,
  READ_ONCE,
  send_ipi,
  smp_mb,
  smp_rmb,
  smp_wmb,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';

type Shape =
  | 'cowr' // the handler writes x; the interrupted thread then reads x
  | 'coww' // the handler writes x; the interrupted thread then writes x
  | 'corr' // another CPU writes x, the handler reads it; the interrupted thread then reads x
  | 'corw' // another CPU writes x, the handler reads it; the interrupted thread then writes x
  | 'mp-same-cpu' // the handler writes x then f; the interrupted thread reads f, then x
  | 'other-cpu' // the handler writes x; a thread on another CPU, told by a ghost, reads x
  | 'rmb-after-irq' // the handler reads f; the thread, after smp_rmb(), reads x (the sender wrote x, then f)
  | 'mb-after-irq' // the same with smp_mb(): ordered
  | 'entry-not-carried' // the thread writes y, the handler writes f; another CPU reads f, smp_rmb(), y
  | 'same-cpu-thread'; // no handler access: A writes x, then another thread on CPU 0 reads x

const MEMORY_MODELS: readonly MemoryModelName[] = ['sc', 'tso', 'relaxed'];
const IPI = 1;

const irqReturn = defineModel<{ shape: Shape }>({
  name: 'test-irq-return',
  title: 'Accesses after an interrupt handler returns (test)',
  source: 'test/engine/irq-return.test.ts',
  memoryModels: MEMORY_MODELS,
  defaultMemoryModel: 'relaxed',
  cpus: () => 2,
  variants: (
    [
      'cowr',
      'coww',
      'corr',
      'corw',
      'mp-same-cpu',
      'other-cpu',
      'rmb-after-irq',
      'mb-after-irq',
      'entry-not-carried',
      'same-cpu-thread',
    ] as const
  ).map((shape) => ({ name: shape, description: shape, flags: { shape }, expect: {} })),
  setup(b, { shape }) {
    const x = b.loc('x');
    const f = b.loc('f');
    const y = b.loc('y');
    // The handler has run to its end (set in the step of its last access).
    const ran = b.ghost('handler ran');
    // What the handler read (-1: not yet).
    const seen = b.ghost('handler read', -1);
    const bad = b.ghost('forbidden outcome');
    // The interrupted thread wrote x after the handler had run.
    const wrote = b.ghost('wrote after handler');
    // entry-not-carried: the thread's write of y came before the interrupt was taken.
    const yWritten = b.ghost('y written');

    b.interrupt(IPI, 'call-function', function* () {
      if (shape === 'corr' || shape === 'corw') yield* ghost(seen, yield* READ_ONCE(x));
      else if (shape === 'rmb-after-irq' || shape === 'mb-after-irq') yield* ghost(seen, yield* READ_ONCE(f));
      // f = 1 only when the thread's write of y preceded the interrupt (f = 2 otherwise).
      else if (shape === 'same-cpu-thread') yield* READ_ONCE(f);
      else if (shape === 'entry-not-carried') yield* WRITE_ONCE(f, (yield* ghost_read(yWritten)) === 1 ? 1 : 2);
      else {
        yield* WRITE_ONCE(x, 1);
        if (shape === 'mp-same-cpu') yield* WRITE_ONCE(f, 1);
      }
      yield* ghost(ran, 1);
    });

    // The interrupted thread, on CPU 0.
    b.thread('A', { cpu: 0 }, function* () {
      if (shape === 'entry-not-carried') {
        yield* WRITE_ONCE(y, 1);
        yield* ghost(yWritten, 1);
        // Still running when the interrupt comes: a finished thread takes no part in the CPU's
        // barrier (relaxed.ts, interruptTaken), so A waits for the handler's write.
        yield* wait_until(f, (v) => v !== 0, 'wait for f');
        return;
      }
      if (shape === 'other-cpu') return;
      if (shape === 'same-cpu-thread') {
        yield* WRITE_ONCE(x, 1);
        yield* ghost(wrote, 1);
        return;
      }
      if (shape === 'mp-same-cpu') {
        // Both reads whatever f is: a read of x only when f is 1 would depend on f (threads.ts).
        const vf = yield* READ_ONCE(f);
        const vx = yield* READ_ONCE(x);
        if (vf === 1 && vx !== 1) yield* ghost(bad, 1);
        return;
      }
      // Only what A does once the handler has run counts (then it runs after the handler's
      // return). A ghost is read when the step before it ends: that step is a read of y.
      yield* READ_ONCE(y);
      if ((yield* ghost_read(ran)) === 0) return;
      if (shape === 'cowr') {
        if ((yield* READ_ONCE(x)) !== 1) yield* ghost(bad, 1);
      } else if (shape === 'corr') {
        if ((yield* ghost_read(seen)) === 1 && (yield* READ_ONCE(x)) !== 1) yield* ghost(bad, 1);
      } else if (shape === 'coww' || shape === 'corw') {
        yield* WRITE_ONCE(x, 2);
        yield* ghost(wrote, 1);
      } else {
        // rmb-after-irq, mb-after-irq: the handler read f == 1; x was written before f.
        if (shape === 'rmb-after-irq') yield* smp_rmb();
        else yield* smp_mb();
        if ((yield* ghost_read(seen)) === 1 && (yield* READ_ONCE(x)) !== 1) yield* ghost(bad, 1);
      }
    });

    // The other CPU: the writer the handler reads from (where there is one), then the IPI.
    b.thread('B', { cpu: 1 }, function* () {
      if (shape === 'corr' || shape === 'corw') yield* WRITE_ONCE(x, 1);
      if (shape === 'rmb-after-irq' || shape === 'mb-after-irq') {
        yield* WRITE_ONCE(x, 1);
        yield* smp_wmb();
        yield* WRITE_ONCE(f, 1);
      }
      yield* send_ipi(0, IPI, 'send_IPI(0)');
      if (shape === 'other-cpu') {
        // Told by the ghost that the handler on CPU 0 wrote x, with nothing ordering the two.
        yield* READ_ONCE(y);
        if ((yield* ghost_read(ran)) === 1 && (yield* READ_ONCE(x)) !== 1) yield* ghost(bad, 1);
      }
      if (shape === 'entry-not-carried') {
        if ((yield* READ_ONCE(f)) === 1) {
          yield* smp_rmb();
          if ((yield* READ_ONCE(y)) !== 1) yield* ghost(bad, 1);
        }
      }
    });

    if (shape === 'same-cpu-thread') {
      // A second task on CPU 0, which the scheduler runs there after A (or preempting it).
      b.thread('A2', { cpu: 0, cpus: [0] }, function* () {
        yield* READ_ONCE(y);
        if ((yield* ghost_read(wrote)) === 1 && (yield* READ_ONCE(x)) !== 1) yield* ghost(bad, 1);
      });
    }

    b.always('no-forbidden-outcome', 'the forbidden outcome of the shape never happens', (s) => s.ghost(bad) === 0);
    if (shape === 'coww' || shape === 'corw')
      b.always(
        'thread-write-last',
        'the interrupted thread’s write, after the handler, is the last word on x',
        (s) => !s.final || s.ghost(wrote) === 0 || (shape === 'corw' && s.ghost(seen) !== 1) || s.mem(x) === 2,
      );
    // Witnesses: the handler runs, and A runs after it, in some execution.
    b.sometimes('handler-ran', 'the handler runs', (s) => s.ghost(ran) === 1);
  },
});

function verdicts(shape: Shape, memoryModel: MemoryModelName) {
  const full = check(irqReturn, { variant: shape, memoryModel, reduction: false });
  const reduced = check(irqReturn, { variant: shape, memoryModel, reduction: true });
  expect(reduced.verdict, `${shape} ${memoryModel}: reduction changes the verdict`).toBe(full.verdict);
  expect(reduced.violation?.property).toBe(full.violation?.property);
  expect(reduced.states).toBeLessThanOrEqual(full.states);
  return full;
}

describe('interrupt return: the CPU’s later accesses follow the handler’s', () => {
  it.each(MEMORY_MODELS)('a read after the handler returns the handler’s write (CoWR, %s)', (mm) => {
    expect(verdicts('cowr', mm).verdict).toBe('holds');
  });

  it.each(MEMORY_MODELS)('a write after the handler goes after the handler’s write (CoWW, %s)', (mm) => {
    expect(verdicts('coww', mm).verdict).toBe('holds');
  });

  it.each(MEMORY_MODELS)('a read after the handler is no older than what the handler read (CoRR, %s)', (mm) => {
    expect(verdicts('corr', mm).verdict).toBe('holds');
  });

  it.each(MEMORY_MODELS)('a write after the handler goes after the write it read (CoRW, %s)', (mm) => {
    expect(verdicts('corw', mm).verdict).toBe('holds');
  });

  it.each(MEMORY_MODELS)('the handler’s two writes, read back in either order on its CPU (%s)', (mm) => {
    expect(verdicts('mp-same-cpu', mm).verdict).toBe('holds');
  });

  it.each(MEMORY_MODELS)('a task that runs on the CPU after another reads that one’s write (%s)', (mm) => {
    // Under TSO the store buffer is the CPU's, drained when the CPU switches tasks (tso.ts;
    // test/engine/tso-cpu-buffer.test.ts checks what that does and does not order).
    expect(verdicts('same-cpu-thread', mm).verdict).toBe('holds');
  });

  it.each(MEMORY_MODELS)('a later smp_mb() orders what the handler read before the thread’s reads (%s)', (mm) => {
    expect(verdicts('mb-after-irq', mm).verdict).toBe('holds');
  });

  it('each shape can happen at all: the handler runs in every variant', () => {
    for (const v of irqReturn.variants) {
      const r = check(irqReturn, { variant: v.name, memoryModel: 'relaxed' });
      expect(r.violation?.property, v.name).not.toBe('handler-ran');
    }
  });
});

describe('interrupt return: what stays unordered under the relaxed model (and only there)', () => {
  it('a thread on another CPU may still read the value from before the handler’s write', () => {
    expect(verdicts('other-cpu', 'relaxed').violation?.property).toBe('no-forbidden-outcome');
    expect(verdicts('other-cpu', 'tso').verdict).toBe('holds');
    expect(verdicts('other-cpu', 'sc').verdict).toBe('holds');
  });
});

describe('interrupt entry: a full barrier on the interrupted CPU', () => {
  it.each(MEMORY_MODELS)('the handler’s writes carry the interrupted thread’s earlier writes (%s)', (mm) => {
    expect(verdicts('entry-not-carried', mm).verdict).toBe('holds');
  });

  it.each(MEMORY_MODELS)('what the IPI’s sender wrote before sending is seen after the handler (%s)', (mm) => {
    // The sender's writes are published by its own barrier (sending an IPI is one), and the
    // interrupted thread's barrier on taking the interrupt sees them: ordered with or without
    // the thread's smp_rmb().
    expect(verdicts('rmb-after-irq', mm).verdict).toBe('holds');
  });
});
