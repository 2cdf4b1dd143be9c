/**
 * x86-TSO's store buffer belongs to the CPU, and the kernel drains it whenever the CPU switches
 * tasks (__schedule() takes the runqueue lock, a LOCK-prefixed instruction): the engine keeps a
 * buffer per thread and lets a thread run only when the other threads on its CPU have nothing
 * buffered (Machine.tasksSwitchOn, memory/tso.ts). Checked here: the next task on a CPU sees
 * what the previous one stored (irq-return.test.ts, same-cpu-thread), the switch is a full
 * barrier between the two tasks (store buffering across a switch against a fenced CPU is
 * forbidden), and nothing else changed: store buffering between CPUs, and across a switch
 * against an unfenced CPU, is still allowed. Each shape with and without partial-order
 * reduction.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  ghost,
  ghost_read,
  type MemoryModelName,
  ModelError,
  migrate,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  smp_mb,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';

type Shape =
  | 'switch-sb' // A stores x on CPU 0; A2 runs there after it and reads y; B on CPU 1 stores y, smp_mb(), reads x
  | 'switch-sb-unfenced' // the same without B's smp_mb()
  | 'cpu-sb' // no switch: A stores x and reads y on CPU 0; B stores y, smp_mb(), reads x on CPU 1
  | 'held-switch-sb' // switch-sb, with A's store inside preempt_disable() (its store may be a reduced step)
  | 'either-order'; // A stores x on CPU 0, A2 there reads it: before the store (0) or after it (1)

const SHAPES: readonly Shape[] = ['switch-sb', 'switch-sb-unfenced', 'cpu-sb', 'held-switch-sb', 'either-order'];

const sbAcrossSwitch = defineModel<{ shape: Shape }>({
  name: 'test-tso-cpu-buffer',
  title: 'Store buffering across a context switch (test)',
  source: 'test/engine/tso-cpu-buffer.test.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'tso',
  cpus: () => 2,
  variants: SHAPES.map((shape) => ({ name: shape, description: shape, flags: { shape }, expect: {} })),
  setup(b, { shape }) {
    const x = b.loc('x');
    const y = b.loc('y');
    const z = b.loc('z');
    const stored = b.ghost('A stored x');
    // What the reader on CPU 0 and B read (-1: not yet, or the reader ran before A's store).
    const r0 = b.ghost('CPU 0 read y', -1);
    const r1 = b.ghost('B read x', -1);
    const switched = shape !== 'cpu-sb';
    if (shape === 'either-order') {
      // A's store holds A2 back until it drains, so it is not independent of A2's read: a
      // reduction that took it first would lose the runs in which A2 reads 0.
      const seen = b.ghost('A2 read x', -1);
      b.thread('A', { cpu: 0, cpus: [0] }, function* () {
        yield* WRITE_ONCE(x, 1);
        // Not the last step: the reduction never takes a step that ends a thread on its own.
        yield* READ_ONCE(z);
      });
      b.thread('A2', { cpu: 0, cpus: [0] }, function* () {
        yield* ghost(seen, yield* READ_ONCE(x));
      });
      b.thread('B', { cpu: 1, cpus: [1] }, function* () {
        yield* READ_ONCE(z);
      });
      b.sometimes('read-0', 'A2 reads x before A’s store', (s) => s.ghost(seen) === 0);
      b.sometimes('read-1', 'A2 reads A’s store', (s) => s.ghost(seen) === 1);
      return;
    }
    b.thread('A', { cpu: 0, cpus: [0] }, function* () {
      if (shape === 'held-switch-sb') yield* preempt_disable();
      yield* WRITE_ONCE(x, 1);
      yield* ghost(stored, 1);
      if (shape === 'held-switch-sb') yield* preempt_enable();
      if (!switched) yield* ghost(r0, yield* READ_ONCE(y));
    });
    if (switched) {
      // The next task on CPU 0: counts only when it runs after A's store (a ghost is read when
      // the step before it ends, here a read of z).
      b.thread('A2', { cpu: 0, cpus: [0] }, function* () {
        yield* READ_ONCE(z);
        if ((yield* ghost_read(stored)) === 1) yield* ghost(r0, yield* READ_ONCE(y));
      });
    }
    b.thread('B', { cpu: 1, cpus: [1] }, function* () {
      yield* WRITE_ONCE(y, 1);
      if (shape !== 'switch-sb-unfenced') yield* smp_mb();
      yield* ghost(r1, yield* READ_ONCE(x));
    });
    b.always(
      'not-both-zero',
      'CPU 0 (after A’s store) and B do not both read 0',
      (s) => !(s.final && s.ghost(r0) === 0 && s.ghost(r1) === 0),
    );
    b.sometimes('reader-ran', 'CPU 0 reads y after A’s store', (s) => s.ghost(r0) !== -1);
  },
});

function verdict(shape: Shape, memoryModel: MemoryModelName) {
  const full = check(sbAcrossSwitch, { variant: shape, memoryModel, reduction: false });
  const reduced = check(sbAcrossSwitch, { variant: shape, memoryModel, reduction: true });
  expect(reduced.verdict, `${shape} ${memoryModel}: reduction changes the verdict`).toBe(full.verdict);
  expect(reduced.violation?.property).toBe(full.violation?.property);
  expect(reduced.states).toBeLessThanOrEqual(full.states);
  return full.violation?.property ?? 'holds';
}

describe('x86-TSO: one store buffer per CPU, drained at a context switch', () => {
  it.each(['switch-sb', 'held-switch-sb'] as const)(
    'a context switch is a full barrier between the two tasks (%s: forbidden under SC and TSO)',
    (shape) => {
      expect(verdict(shape, 'sc')).toBe('holds');
      expect(verdict(shape, 'tso')).toBe('holds');
    },
  );

  it('store buffering across a switch is still allowed when the other CPU has no barrier', () => {
    expect(verdict('switch-sb-unfenced', 'tso')).toBe('not-both-zero');
    expect(verdict('switch-sb-unfenced', 'sc')).toBe('holds');
  });

  it.each(['sc', 'tso'] as const)(
    'the task after a store and the task before it both exist, with and without reduction (%s)',
    (mm) => {
      expect(verdict('either-order', mm)).toBe('holds');
    },
  );

  it('without a switch, a CPU’s buffered store still passes its later load (store buffering, TSO only)', () => {
    expect(verdict('cpu-sb', 'tso')).toBe('not-both-zero');
    expect(verdict('cpu-sb', 'sc')).toBe('holds');
  });
});

describe('which threads may share a CPU is known before the search', () => {
  it('migrate() needs the CPUs the task may move to: a thread without the cpus option that migrates is a model error', () => {
    const stray = defineModel<Record<string, never>>({
      name: 'test-migrate-unnamed-cpus',
      title: 'migrate() without cpus (test)',
      source: 'test/engine/tso-cpu-buffer.test.ts',
      memoryModels: ['sc', 'tso'],
      defaultMemoryModel: 'tso',
      cpus: () => 2,
      variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
      setup(b) {
        const x = b.loc('x');
        b.thread('T', { cpu: 0 }, function* () {
          yield* migrate();
          yield* WRITE_ONCE(x, 1);
        });
      },
    });
    for (const memoryModel of ['sc', 'tso'] as const) {
      expect(() => check(stray, { memoryModel })).toThrow(ModelError);
      expect(() => check(stray, { memoryModel })).toThrow(/T: migrate\(\) needs the CPUs the task may move to/);
    }
  });
});
