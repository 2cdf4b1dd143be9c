/**
 * Under relaxed memory, a context switch is a full barrier on its CPU between the task switched
 * out and the task switched in (__schedule(): rq_lock() then smp_mb__after_spinlock(); a task
 * that migrates is ordered on its new CPU after everything that ran there, through the rq locks:
 * kernel/sched/core.c, "Notes on Program-Order guarantees on SMP systems", v6.12). The engine
 * interleaves the tasks of a CPU as the scheduler would, so every point where a CPU goes from one
 * task to another is such a switch (threads.ts, contextSwitch). Each shape below was allowed by
 * the model before (tasks of one CPU were ordered only location by location, and a task that
 * migrated onto a CPU was not ordered after what ran there), and the kernel forbids it; the
 * shapes that must stay allowed (no switch between the accesses) are checked beside them. Each
 * with and without partial-order reduction.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  ghost,
  ghost_read,
  type MemoryModelName,
  migrate,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  smp_wmb,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';

type Shape =
  | 'migrate-mp' // A on CPU 0 writes x then y; B migrates from CPU 1 to CPU 0, then reads y, then x
  | 'migrate-mp-held' // the same, with A's writes inside preempt_disable() (they may be reduced steps)
  | 'switch-wmb-mp' // C on CPU 1 writes x, smp_wmb(), y; A on CPU 0 reads y; B runs on CPU 0 after A, reads x
  | 'no-switch-mp' // A on CPU 0 writes x then y; B on CPU 1 (never on CPU 0) reads y, then x: allowed
  | 'same-task-mp'; // C writes x, smp_wmb(), y; A on CPU 0 reads y then x, B shares CPU 0: allowed

const SHAPES: readonly Shape[] = ['migrate-mp', 'migrate-mp-held', 'switch-wmb-mp', 'no-switch-mp', 'same-task-mp'];

const contextSwitch = defineModel<{ shape: Shape }>({
  name: 'test-relaxed-context-switch',
  title: 'Message passing across a context switch or a migration (test)',
  source: 'test/engine/relaxed-context-switch.test.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'relaxed',
  cpus: () => 2,
  variants: SHAPES.map((shape) => ({ name: shape, description: shape, flags: { shape }, expect: {} })),
  setup(b, { shape }) {
    const x = b.loc('x');
    const y = b.loc('y');
    const z = b.loc('z');
    // What the reader read of y, then of x (-1: not read).
    const ry = b.ghost('read y', -1);
    const rx = b.ghost('read x', -1);
    // The reader's two reads, which must not see y's new value and x's old one.
    function* readYthenX() {
      yield* ghost(ry, yield* READ_ONCE(y));
      yield* ghost(rx, yield* READ_ONCE(x));
    }
    if (shape === 'migrate-mp' || shape === 'migrate-mp-held' || shape === 'no-switch-mp') {
      b.thread('A', { cpu: 0, cpus: [0] }, function* () {
        if (shape === 'migrate-mp-held') yield* preempt_disable();
        yield* WRITE_ONCE(x, 1);
        yield* WRITE_ONCE(y, 1);
        if (shape === 'migrate-mp-held') yield* preempt_enable();
        // A goes on running (it does not end, whose switch away is a barrier of its own).
        yield* READ_ONCE(z);
      });
      if (shape === 'no-switch-mp') {
        b.thread('B', { cpu: 1, cpus: [1] }, readYthenX);
      } else {
        b.thread('B', { cpu: 1, cpus: [0, 1] }, function* () {
          yield* migrate();
          yield* readYthenX();
        });
      }
    } else {
      const seen = b.ghost('A read y', -1);
      b.thread('C', { cpu: 1, cpus: [1] }, function* () {
        yield* WRITE_ONCE(x, 1);
        yield* smp_wmb();
        yield* WRITE_ONCE(y, 1);
      });
      if (shape === 'switch-wmb-mp') {
        b.thread('A', { cpu: 0, cpus: [0] }, function* () {
          yield* ghost(seen, yield* READ_ONCE(y));
          yield* READ_ONCE(z);
        });
        // B runs on CPU 0 after A's read (the ghost is read when B's read of z ends).
        b.thread('B', { cpu: 0, cpus: [0] }, function* () {
          yield* READ_ONCE(z);
          if ((yield* ghost_read(seen)) === 1) {
            yield* ghost(ry, 1);
            yield* ghost(rx, yield* READ_ONCE(x));
          }
        });
      } else {
        b.thread('A', { cpu: 0, cpus: [0] }, readYthenX);
        b.thread('B', { cpu: 0, cpus: [0] }, function* () {
          yield* READ_ONCE(z);
        });
      }
    }
    b.always(
      'mp',
      'the reader does not see y’s new value and x’s old one',
      (s) => !(s.ghost(ry) === 1 && s.ghost(rx) === 0),
    );
    b.sometimes('read-new-y', 'the reader sees y’s new value', (s) => s.ghost(ry) === 1 && s.ghost(rx) !== -1);
  },
});

function verdict(shape: Shape, memoryModel: MemoryModelName) {
  const full = check(contextSwitch, { variant: shape, memoryModel, reduction: false });
  const reduced = check(contextSwitch, { variant: shape, memoryModel, reduction: true });
  expect(reduced.verdict, `${shape} ${memoryModel}: reduction changes the verdict`).toBe(full.verdict);
  expect(reduced.violation?.property).toBe(full.violation?.property);
  expect(reduced.states).toBeLessThanOrEqual(full.states);
  return full.violation?.property ?? 'holds';
}

describe('relaxed memory: a context switch orders the tasks of a CPU as __schedule() does', () => {
  it.each(['migrate-mp', 'migrate-mp-held'] as const)(
    'a task that migrates onto a CPU sees everything the task that ran there did, every location (%s)',
    (shape) => {
      for (const mm of ['sc', 'tso', 'relaxed'] as const) expect(verdict(shape, mm), mm).toBe('holds');
    },
  );

  it('a task switched in after another sees what that one saw (cumulativity through the switch)', () => {
    for (const mm of ['sc', 'tso', 'relaxed'] as const) expect(verdict('switch-wmb-mp', mm), mm).toBe('holds');
  });

  it('without a switch between the two reads nothing changed: MP without barriers is still allowed', () => {
    expect(verdict('no-switch-mp', 'relaxed')).toBe('mp');
    expect(verdict('no-switch-mp', 'sc')).toBe('holds');
    // A task that shares its CPU is not ordered within itself by that sharing.
    expect(verdict('same-task-mp', 'relaxed')).toBe('mp');
    expect(verdict('same-task-mp', 'tso')).toBe('holds');
  });
});
