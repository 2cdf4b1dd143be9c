/**
 * noinstr regions (engine/noinstr.ts): the machine records an instrumentable step that runs on a
 * CPU inside its region, whichever thread or interrupt handler runs it, and only there.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  irq_source,
  local_irq_disable,
  local_irq_enable,
  type ModelBuilder,
  Noinstr,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';

type Setup = (b: ModelBuilder, n: Noinstr) => void;

const model = (name: string, setup: Setup, check = true) =>
  defineModel<Record<string, never>>({
    name,
    title: name,
    source: 'test/engine/noinstr.test.ts',
    memoryModels: ['sc', 'tso', 'relaxed'],
    defaultMemoryModel: 'sc',
    cpus: () => 2,
    variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
    setup(b) {
      const n = new Noinstr(b, { check });
      setup(b, n);
      b.always('noinstr', 'no instrumentable step inside a noinstr region', (s) => s.ghost(n.violated) === 0);
    },
  });

describe('Noinstr', () => {
  it('an instrumentable step inside the region is a violation; before or after it is not', () => {
    const inside = model('inside', (b, n) => {
      b.thread('t', { cpu: 0 }, function* () {
        yield* n.noinstr_enter(0);
        yield* n.instrumentable('trace_foo()');
        yield* n.noinstr_exit(0);
      });
    });
    const outside = model('outside', (b, n) => {
      b.thread('t', { cpu: 0 }, function* () {
        yield* n.instrumentable('trace_foo()');
        yield* n.noinstr_enter(0);
        yield* n.noinstr_exit(0);
        yield* n.instrumentable('trace_bar()');
      });
    });
    for (const mm of ['sc', 'tso', 'relaxed'] as const) {
      expect(check(inside, { memoryModel: mm }).violation?.property).toBe('noinstr');
      expect(check(outside, { memoryModel: mm }).verdict).toBe('holds');
    }
  });

  it('the region is per CPU: another CPU runs instrumentable code freely', () => {
    const m = model('other-cpu', (b, n) => {
      b.thread('a', { cpu: 0 }, function* () {
        yield* n.noinstr_enter(0);
        yield* WRITE_ONCE(b.loc('x'), 1);
        yield* n.noinstr_exit(0);
      });
      b.thread('b', { cpu: 1 }, function* () {
        yield* n.instrumentable('trace_foo()');
      });
    });
    expect(check(m).verdict).toBe('holds');
  });

  it('an interrupt handler taken inside the region runs on that CPU, so its instrumentable code counts', () => {
    const m = model('handler', (b, n) => {
      irq_source(b, {
        name: 'device',
        vector: 2,
        cpu: 0,
        sourceCpu: 1,
        *handler() {
          yield* n.instrumentable('trace_irq_handler_entry()');
        },
      });
      b.thread('t', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* n.noinstr_enter(0);
        yield* local_irq_enable(); // the mistake: IRQs on inside the region
        yield* local_irq_disable();
        yield* n.noinstr_exit(0);
        yield* local_irq_enable();
      });
    });
    const r = check(m);
    expect(r.violation?.property).toBe('noinstr');
    expect(r.counterexample?.steps.some((s) => s.text.startsWith('interrupt taken: device'))).toBe(true);
  });

  it('with the check off, instrumentable() is no step at all', () => {
    const m = model(
      'off',
      (b, n) => {
        b.thread('t', { cpu: 0 }, function* () {
          yield* n.noinstr_enter(0);
          yield* n.instrumentable('trace_foo()');
          yield* n.noinstr_exit(0);
        });
      },
      false,
    );
    expect(check(m).verdict).toBe('holds');
  });
});
