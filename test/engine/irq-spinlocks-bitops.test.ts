/**
 * The interrupt-disabling spinlock forms and the non-atomic bit operations (issue 14), as
 * engine primitives (engine/locks.ts, engine/primitives.ts) and in the litmus language:
 * - spin_lock_irq()/spin_unlock_irq() and spin_lock_irqsave()/spin_unlock_irqrestore() order
 *   exactly as spin_lock()/spin_unlock() do: every corpus test with spinlocks, rewritten to use
 *   them, gives the same outcome and final states under every memory model; and they leave the
 *   interrupt state as the kernel does (spinlock_api_smp.h: _irq re-enables unconditionally,
 *   _irqrestore restores what _irqsave saved), which might_sleep() makes observable;
 * - __set_bit() and friends are a plain load and a plain store: not atomic (a concurrent update
 *   of another bit of the word can be lost) and checked for data races, unlike set_bit().
 */
import { describe, expect, it } from 'vitest';
import {
  __set_bit,
  __test_and_set_bit,
  check,
  defineModel,
  type Lock,
  local_irq_disable,
  type MemoryModelName,
  mutex_lock,
  mutex_unlock,
  set_bit,
  spin_lock_irq,
  spin_lock_irqsave,
  spin_unlock_irq,
  spin_unlock_irqrestore,
} from '../../src/spec/engine/index.ts';
import { checkLitmus } from '../../src/spec/litmus/compile.ts';
import { CORPUS_SOURCES } from '../../src/spec/litmus/corpus.ts';
import { loadLitmus } from '../../src/spec/litmus/judge.ts';
import { LitmusError } from '../../src/spec/litmus/parse.ts';

const MMS: readonly MemoryModelName[] = ['sc', 'tso', 'relaxed'];

const outcome = (source: string, file: string, mm: MemoryModelName) => {
  const r = checkLitmus(loadLitmus(source, file), mm);
  expect(r.problem, `${file} under ${mm}`).toBeUndefined();
  return { observation: r.observation, states: r.finalStates.map((s) => JSON.stringify(s)).sort() };
};

const LOCKED = CORPUS_SOURCES.filter(({ source }) => /\bspin_lock\(/.test(source));

const REWRITES: readonly (readonly [string, (source: string) => string])[] = [
  [
    'spin_lock_irq()/spin_unlock_irq()',
    (src) => src.replace(/\bspin_lock\(/g, 'spin_lock_irq(').replace(/\bspin_unlock\(/g, 'spin_unlock_irq('),
  ],
  [
    'spin_lock_irqsave()/spin_unlock_irqrestore()',
    (src) =>
      src
        .replace(/\bspin_lock\(([^)]*)\)/g, 'spin_lock_irqsave($1, flags)')
        .replace(/\bspin_unlock\(([^)]*)\)/g, 'spin_unlock_irqrestore($1, flags)'),
  ],
];

describe('the interrupt-disabling spinlock forms order as spin_lock()/spin_unlock()', () => {
  it('rewrites every corpus test with spinlocks (at least the ten of the kernel)', () => {
    expect(LOCKED.length).toBeGreaterThanOrEqual(10);
  });
  for (const [form, rewrite] of REWRITES) {
    describe(form, () => {
      it.each(LOCKED.map((t) => [t.file, t.source] as const))('%s', (file, source) => {
        const rewritten = rewrite(source);
        expect(rewritten).not.toBe(source);
        for (const mm of MMS) {
          expect(outcome(rewritten, `irq-${file}`, mm), `${file} under ${mm}`).toEqual(outcome(source, file, mm));
        }
      });
    });
  }

  it('spin_lock_irqsave() needs a register for the flags', () => {
    const src = (arg: string) =>
      `C t\n{}\nP0(spinlock_t *l, int *x)\n{\n\tspin_lock_irqsave(l, ${arg});\n\tspin_unlock_irqrestore(l, 0);\n}\nexists (x=0)\n`;
    expect(() => loadLitmus(src('x'), 't.litmus')).toThrow(LitmusError);
    expect(() => loadLitmus(src('x'), 't.litmus')).toThrow(/spin_lock_irqsave\(\): argument 2 must be a register/);
    expect(() => loadLitmus(src('1'), 't.litmus')).toThrow(/argument 2 must be a register/);
    expect(checkLitmus(loadLitmus(src('flags'), 't.litmus'), 'relaxed').observation).toBe('Always');
  });

  it('the _bh forms and the _irq trylocks are still a clear error', () => {
    for (const call of ['spin_lock_bh', 'spin_trylock_irqsave']) {
      const src = `C t\n{}\nP0(spinlock_t *l)\n{\n\t${call}(l);\n}\nexists (0:r0=0)\n`;
      expect(() => loadLitmus(src, 't.litmus'), call).toThrow(new RegExp(`${call}\\(\\): not supported`));
    }
  });
});

/** One thread: the lock form under test, then mutex_lock(), which may sleep only with interrupts on. */
function irqStateModel(
  name: string,
  body: (lock: Lock) => Generator<import('../../src/spec/engine/index.ts').Action, void, number>,
) {
  return defineModel<Record<string, never>>({
    name,
    title: `${name} (test)`,
    source: 'test/engine/irq-spinlocks-bitops.test.ts',
    memoryModels: ['sc'],
    defaultMemoryModel: 'sc',
    cpus: () => 1,
    variants: [{ name: 'only', description: 'the sequence under test', flags: {}, expect: {} }],
    setup(b) {
      const lock = b.loc('lock');
      const m = b.loc('m');
      b.thread('t', { cpu: 0 }, function* () {
        yield* body(lock);
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
      });
    },
  });
}

describe('the interrupt state around the _irq and _irqsave forms (spinlock_api_smp.h)', () => {
  it('spin_unlock_irqrestore() restores the interrupts that spin_lock_irqsave() found disabled', () => {
    const m = irqStateModel('test-irqsave-nested', function* (lock) {
      yield* local_irq_disable();
      const flags = yield* spin_lock_irqsave(lock);
      yield* spin_unlock_irqrestore(lock, flags);
    });
    expect(() => check(m, { variant: 'only' })).toThrow(/with interrupts or preemption disabled: it may sleep/);
  });

  it('and re-enables the ones it found enabled', () => {
    const m = irqStateModel('test-irqsave', function* (lock) {
      const flags = yield* spin_lock_irqsave(lock);
      yield* spin_unlock_irqrestore(lock, flags);
    });
    expect(check(m, { variant: 'only' }).verdict).toBe('holds');
  });

  it('spin_unlock_irq() enables interrupts whatever they were before spin_lock_irq()', () => {
    const m = irqStateModel('test-irq-unconditional', function* (lock) {
      yield* local_irq_disable();
      yield* spin_lock_irq(lock);
      yield* spin_unlock_irq(lock);
    });
    expect(check(m, { variant: 'only' }).verdict).toBe('holds');
  });

  it('a mutex inside spin_lock_irq() is a ModelError', () => {
    const m = irqStateModel('test-irq-mutex-inside', function* (lock) {
      yield* spin_lock_irq(lock);
      yield* mutex_lock(lock);
    });
    expect(() => check(m, { variant: 'only' })).toThrow(/may sleep/);
  });
});

// ---- Non-atomic bit operations --------------------------------------------------------------------

const bitTest = (p0: string, p1: string) => `C bits
{}
P0(unsigned long *w)
{
	int r0;
	${p0}
}
P1(unsigned long *w)
{
	int r0;
	${p1}
}
exists (~(w=3))
`;

describe('non-atomic bit operations are a plain load and a plain store', () => {
  it.each(MMS)('%s: __set_bit() of two bits can lose one, and is a data race', (mm) => {
    const r = checkLitmus(loadLitmus(bitTest('__set_bit(0, w);', '__set_bit(1, w);'), 'bits.litmus'), mm);
    expect(r.observation).toBe('Sometimes');
    expect(r.dataRace).toBe(true);
  });

  it.each(MMS)('%s: set_bit() of two bits loses neither, and is no race', (mm) => {
    const r = checkLitmus(loadLitmus(bitTest('set_bit(0, w);', 'set_bit(1, w);'), 'bits.litmus'), mm);
    expect(r.observation).toBe('Never');
    expect(r.dataRace).toBe(false);
  });

  it.each(MMS)('%s: __test_and_set_bit() racing with set_bit() can lose the atomic update', (mm) => {
    const r = checkLitmus(loadLitmus(bitTest('r0 = __test_and_set_bit(0, w);', 'set_bit(1, w);'), 'bits.litmus'), mm);
    expect(r.observation).toBe('Sometimes');
    expect(r.dataRace).toBe(true);
  });

  it('values: __test_and_set_bit(), __test_and_clear_bit(), __clear_bit(), __change_bit(), __test_and_change_bit()', () => {
    const src = `C values
{ w=5; }
P0(unsigned long *w)
{
	int r0;
	int r1;
	int r2;
	int r3;
	r0 = __test_and_set_bit(1, w);
	r1 = __test_and_clear_bit(0, w);
	__clear_bit(2, w);
	__change_bit(3, w);
	r2 = __test_and_change_bit(3, w);
	r3 = __test_and_set_bit(1, w);
}
forall (0:r0=0 /\\ 0:r1=1 /\\ 0:r2=1 /\\ 0:r3=1 /\\ w=2)
`;
    for (const mm of MMS) expect(checkLitmus(loadLitmus(src, 'values.litmus'), mm).observation, mm).toBe('Always');
  });

  it('engine primitives: __set_bit() in model code loses an update where set_bit() does not', () => {
    const model = (atomic: boolean) =>
      defineModel<Record<string, never>>({
        name: atomic ? 'test-set-bit' : 'test-nonatomic-set-bit',
        title: 'two CPUs set two bits of one word (test)',
        source: 'test/engine/irq-spinlocks-bitops.test.ts',
        memoryModels: ['sc', 'tso', 'relaxed'],
        defaultMemoryModel: 'sc',
        cpus: () => 2,
        variants: [{ name: 'only', description: 'two bits', flags: {}, expect: {} }],
        setup(b) {
          // __set_bit() is a plain load and store (declared, for the relaxed data-race check).
          if (!atomic) b.plainAccesses();
          const w = b.loc('w');
          for (const cpu of [0, 1]) {
            b.thread(`cpu${cpu}`, { cpu }, function* () {
              if (atomic) yield* set_bit(cpu, w);
              else if (cpu === 0) yield* __set_bit(cpu, w);
              else yield* __test_and_set_bit(cpu, w);
            });
          }
          b.always('no-lost-bit', 'both bits are set at the end', (s) => !s.final || s.mem(w) === 3);
        },
      });
    for (const mm of MMS) {
      expect(check(model(true), { variant: 'only', memoryModel: mm }).verdict, mm).toBe('holds');
      const lost = check(model(false), { variant: 'only', memoryModel: mm });
      expect(lost.verdict, mm).toBe('violated');
      expect(lost.violation?.property, mm).toBe('no-lost-bit');
    }
  });

  it('a plain access in model code that does not declare plain accesses is a ModelError under relaxed', () => {
    const model = defineModel<Record<string, never>>({
      name: 'test-undeclared-plain',
      title: 'a plain store without b.plainAccesses() (test)',
      source: 'test/engine/irq-spinlocks-bitops.test.ts',
      memoryModels: ['sc', 'relaxed'],
      defaultMemoryModel: 'sc',
      cpus: () => 1,
      variants: [{ name: 'only', description: 'one bit', flags: {}, expect: {} }],
      setup(b) {
        const w = b.loc('w');
        b.thread('cpu0', { cpu: 0 }, function* () {
          yield* __set_bit(0, w);
        });
      },
    });
    expect(check(model, { variant: 'only', memoryModel: 'sc' }).verdict).toBe('holds');
    expect(() => check(model, { variant: 'only', memoryModel: 'relaxed' })).toThrow(/b\.plainAccesses\(\)/);
  });
});
