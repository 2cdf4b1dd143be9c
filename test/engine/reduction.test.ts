/**
 * Partial-order reduction against interrupts: under TSO an interrupt is taken on a CPU only when
 * the store buffers there are empty, so a buffered store is not independent of an interrupt
 * that another interleaving takes before it. Found by a stop_machine review: the reduction used
 * to explore the store first and missed the run where the handler's write lands first.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  local_irq_disable,
  local_irq_enable,
  send_ipi,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';

const interrupted = defineModel<{ irqsOff: boolean }>({
  name: 'test-store-vs-interrupt',
  title: 'A buffered store and an interrupt (test)',
  source: 'test/engine/reduction.test.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'tso',
  cpus: () => 2,
  variants: [
    { name: 'irqs-on', description: 'stores with interrupts enabled', flags: { irqsOff: false }, expect: {} },
    { name: 'irqs-off', description: 'stores with interrupts disabled', flags: { irqsOff: true }, expect: {} },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    const y = b.loc('y');
    b.interrupt(1, 'call-function', function* () {
      yield* WRITE_ONCE(x, 2);
    });
    b.thread('A', { cpu: 0 }, function* () {
      if (flags.irqsOff) yield* local_irq_disable();
      yield* WRITE_ONCE(x, 1);
      yield* WRITE_ONCE(y, 1);
      if (flags.irqsOff) yield* local_irq_enable();
    });
    b.thread('B', { cpu: 1 }, function* () {
      yield* send_ipi(0, 1, 'send_IPI(0)');
    });
    b.always('handler-last', 'the handler write is the last word on x', (s) => !s.final || s.mem(x) === 2);
  },
});

describe('partial-order reduction with interrupts', () => {
  it.each(['sc', 'tso', 'relaxed'] as const)('keeps the run where the handler writes first (%s)', (memoryModel) => {
    for (const variant of ['irqs-on', 'irqs-off']) {
      const full = check(interrupted, { variant, memoryModel, reduction: false });
      const reduced = check(interrupted, { variant, memoryModel, reduction: true });
      expect(full.verdict).toBe('violated');
      expect(reduced.verdict).toBe('violated');
      expect(reduced.counterexample?.steps.length).toBe(full.counterexample?.steps.length);
      expect(reduced.states).toBeLessThanOrEqual(full.states);
    }
  });
});
