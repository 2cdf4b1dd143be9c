/**
 * The data-race check for interrupt handlers and for threads that share a CPU (threads.ts,
 * handlerDataRace and dataRace). LKMM has no interrupts; KCSAN (CONFIG_KCSAN_INTERRUPT_WATCHER)
 * reports a race between a handler and the task it interrupted, since the compiler may move, tear
 * or fuse the interrupted code's plain accesses across the point where the interrupt comes. So a
 * conflicting pair with a plain access is a race between a handler and the access its CPU's code
 * makes right before or right after the interrupt (not when that code runs with interrupts off),
 * and between a handler and another CPU as between two CPUs. Threads that share a CPU race when
 * one may be preempted between two conflicting accesses (not with preemption off around them).
 *
 * Each case runs under every memory model: the race flag is the model's own answer, the same in
 * all three for these shapes (the pairs are adjacent, or ordered by a barrier in all three).
 */
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/spec/engine/actions.ts';
import { check } from '../../src/spec/engine/check.ts';
import { defineModel, type ModelBuilder } from '../../src/spec/engine/model.ts';
import {
  CALL_FUNCTION_VECTOR,
  type Loc,
  local_irq_disable,
  local_irq_enable,
  plain_load,
  plain_store,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  send_ipi,
  WRITE_ONCE,
} from '../../src/spec/engine/primitives.ts';

const MMS = ['sc', 'tso', 'relaxed'] as const;

interface Case {
  readonly name: string;
  readonly race: boolean;
  readonly why: string;
  /** Threads: [cpu, body]; the handler runs on CPU 0 when thread 'sender' (on CPU 1) sends the IPI. */
  readonly threads: readonly (readonly [number, (x: Loc) => Op])[];
  readonly handler?: (x: Loc) => Op;
}

const sender = (before: (x: Loc) => Op = function* () {}) =>
  [
    1,
    function* (x: Loc) {
      yield* before(x);
      yield* send_ipi(0, CALL_FUNCTION_VECTOR, 'send_ipi(0)');
    },
  ] as const;

function raced(c: Case, mm: (typeof MMS)[number]): boolean {
  const model = defineModel<Record<string, never>>({
    name: `test-irq-race-${c.name}`,
    title: c.name,
    source: 'test/engine/lkmm-irq-race.test.ts',
    memoryModels: [...MMS],
    defaultMemoryModel: 'sc',
    cpus: () => 3,
    variants: [{ name: 'only', description: c.name, flags: {}, expect: {} }],
    setup(b: ModelBuilder) {
      b.plainAccesses();
      const x = b.loc('x');
      c.threads.forEach(([cpu, body], i) => {
        b.thread(`t${i}`, { cpu }, () => body(x));
      });
      if (c.handler) {
        const handler = c.handler;
        b.interrupt(CALL_FUNCTION_VECTOR, 'call-function', () => handler(x));
      }
      b.sometimes('race', 'a data race', (s) => s.dataRace);
    },
  });
  const r = check(model, { variant: 'only', memoryModel: mm });
  // No deadlock or other violation: only the witness may be missing (verdict 'violated').
  expect(r.violation === undefined || r.violation.kind === 'witness', JSON.stringify(r.violation)).toBe(true);
  const w = r.witnesses.find((x) => x.name === 'race');
  if (w === undefined) throw new Error('no race witness');
  return w.reached;
}

const CASES: readonly Case[] = [
  {
    name: 'handler-plain-write-vs-interrupted-plain-read',
    race: true,
    why: 'the interrupt may come right before the read',
    threads: [
      [
        0,
        function* (x) {
          yield* plain_load(x);
        },
      ],
      sender(),
    ],
    handler: function* (x) {
      yield* plain_store(x, 1);
    },
  },
  {
    name: 'handler-once-read-vs-interrupted-plain-write',
    race: true,
    why: 'a plain write right before the interrupt, a READ_ONCE() in the handler',
    threads: [
      [
        0,
        function* (x) {
          yield* plain_store(x, 1);
        },
      ],
      sender(),
    ],
    handler: function* (x) {
      yield* READ_ONCE(x);
    },
  },
  {
    name: 'handler-vs-interrupted-irqs-off',
    race: false,
    why: 'the read runs with interrupts off: the handler comes before or after, past a compiler barrier',
    threads: [
      [
        0,
        function* (x) {
          yield* local_irq_disable();
          yield* plain_load(x);
          yield* local_irq_enable();
        },
      ],
      sender(),
    ],
    handler: function* (x) {
      yield* plain_store(x, 1);
    },
  },
  {
    name: 'handler-once-vs-interrupted-once',
    race: false,
    why: 'both marked',
    threads: [
      [
        0,
        function* (x) {
          yield* READ_ONCE(x);
        },
      ],
      sender(),
    ],
    handler: function* (x) {
      yield* WRITE_ONCE(x, 1);
    },
  },
  {
    name: 'handler-plain-read-vs-other-cpu-plain-write',
    race: true,
    why: 'another CPU writes x with nothing ordering it against the handler',
    threads: [
      [
        2,
        function* (x) {
          yield* plain_store(x, 1);
        },
      ],
      sender(),
    ],
    handler: function* (x) {
      yield* plain_load(x);
    },
  },
  {
    name: 'handler-plain-read-after-ipi-from-writer',
    race: false,
    why: 'the sender wrote x before sending the IPI, a full barrier the handler comes after',
    threads: [
      sender(function* (x) {
        yield* plain_store(x, 1);
      }),
    ],
    handler: function* (x) {
      yield* plain_load(x);
    },
  },
  {
    name: 'same-cpu-threads-preemptible',
    race: true,
    why: 'one task may be preempted by the other between the two accesses',
    threads: [
      [
        0,
        function* (x) {
          yield* plain_store(x, 1);
        },
      ],
      [
        0,
        function* (x) {
          yield* plain_load(x);
        },
      ],
    ],
  },
  {
    name: 'same-cpu-threads-preempt-off',
    race: false,
    why: 'each access runs with preemption off: the other task runs before or after it',
    threads: [
      [
        0,
        function* (x) {
          yield* preempt_disable();
          yield* plain_store(x, 1);
          yield* preempt_enable();
        },
      ],
      [
        0,
        function* (x) {
          yield* preempt_disable();
          yield* plain_load(x);
          yield* preempt_enable();
        },
      ],
    ],
  },
];

describe('data races with interrupt handlers and between threads sharing a CPU', () => {
  for (const c of CASES) {
    it.each(MMS)(`${c.name} (%s): ${c.race ? 'race' : 'no race'}`, (mm) => {
      expect(raced(c, mm), c.why).toBe(c.race);
    });
  }
});
