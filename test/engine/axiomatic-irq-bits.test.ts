/**
 * The axiomatic checker on the interrupt-disabling spinlock forms and the non-atomic bit
 * operations, which the operational engine and the litmus compiler accept
 * (test/engine/irq-spinlocks-bitops.test.ts). linux-kernel.def lists neither, so they map as the
 * kernel defines them: spin_lock_irq() and spin_lock_irqsave() are local_irq_disable() or
 * local_irq_save() then spin_lock() (include/linux/spinlock_api_smp.h), and LKMM has no
 * interrupts, so they are lock.cat's LKR/LKW and their unlocks a UL, the flags recording the
 * interrupt state; __set_bit() and friends are `*p = *p | mask` and the like
 * (include/asm-generic/bitops/generic-non-atomic.h): a plain read, then a plain write that
 * depends on it, no RMW.
 */
import { describe, expect, it } from 'vitest';
import { checkAxiomatic } from '../../src/spec/litmus/axiomatic/check.ts';
import { checkLitmus } from '../../src/spec/litmus/compile.ts';
import { CORPUS_SOURCES } from '../../src/spec/litmus/corpus.ts';
import { loadLitmus } from '../../src/spec/litmus/judge.ts';

const key = (states: readonly { values: Readonly<Record<string, string>>; satisfies: boolean }[]): string[] =>
  states.map((st) => `${JSON.stringify(st.values)}${st.satisfies ? ' *' : ''}`).sort();

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

describe('axioms: the interrupt-disabling spinlock forms are lock.cat events, as spin_lock()/spin_unlock()', () => {
  it('has the corpus tests with spinlocks to rewrite (at least the ten of the kernel)', () => {
    expect(LOCKED.length).toBeGreaterThanOrEqual(10);
  });
  for (const [form, rewrite] of REWRITES) {
    describe(form, () => {
      it.each(LOCKED.map((t) => [t.file, t.source] as const))('%s', (file, source) => {
        const rewritten = rewrite(source);
        expect(rewritten).not.toBe(source);
        const before = checkAxiomatic(loadLitmus(source, file));
        const after = checkAxiomatic(loadLitmus(rewritten, `irq-${file}`));
        expect(after.observation).toBe(before.observation);
        expect(key(after.finalStates)).toEqual(key(before.finalStates));
        expect(after.dataRace).toBe(before.dataRace);
      });
    });
  }

  it('the flags record the interrupt state, as the operational engine gives them', () => {
    // P0's second lock is taken with interrupts already off (flags 1), P1's first with them on.
    const src = `C irq-flags
{}
P0(spinlock_t *l, spinlock_t *m, int *x)
{
	int f;
	int r0;
	spin_lock_irq(l);
	spin_lock_irqsave(m, f);
	r0 = READ_ONCE(*x);
	spin_unlock_irqrestore(m, f);
	spin_unlock_irq(l);
}
P1(spinlock_t *l, spinlock_t *m, int *x)
{
	int f;
	int g;
	spin_lock_irqsave(l, f);
	WRITE_ONCE(*x, 1);
	raw_spin_lock_irqsave(m, g);
	raw_spin_unlock_irqrestore(m, g);
	spin_unlock_irqrestore(l, f);
}
exists (0:f=1 /\\ 1:f=0 /\\ 1:g=1 /\\ 0:r0=1)
`;
    const test = loadLitmus(src, 'irq-flags.litmus');
    const ax = checkAxiomatic(test);
    const op = checkLitmus(test, 'relaxed');
    expect(ax.observation).toBe('Sometimes');
    expect(op.observation).toBe('Sometimes');
    expect(key(ax.finalStates)).toEqual(key(op.finalStates));
    // Every final state has those flags; only r0 varies (which critical section went first).
    expect(ax.finalStates.map((s) => `${s.values['0:f']}${s.values['1:f']}${s.values['1:g']}`)).toEqual(['101', '101']);
  });

  it('a flags argument that is not a register is an error in the axioms too', () => {
    const src = `C t\n{}\nP0(spinlock_t *l)\n{\n\tspin_lock_irqsave(l, 1);\n\tspin_unlock_irqrestore(l, 0);\n}\nexists (0:r0=0)\n`;
    expect(() => checkAxiomatic(loadLitmus(src, 't.litmus'))).toThrow(/argument 2 must be a register/);
  });
});

interface BitShape {
  readonly name: string;
  readonly lkmm: 'Never' | 'Sometimes' | 'Always';
  readonly race: boolean;
  readonly threads: readonly string[];
  readonly cond: string;
  readonly init?: string;
}

const bitSource = (s: BitShape): string => {
  const threads = s.threads.map(
    (body, i) => `P${i}(unsigned long *w, spinlock_t *l, int *x)\n{\n\tint r0;\n\tint r1;\n\t${body}\n}`,
  );
  return `C ${s.name.replace(/[^A-Za-z0-9_]+/g, '-')}\n{ ${s.init ?? ''} }\n${threads.join('\n')}\n${s.cond}\n`;
};

const BITS: readonly BitShape[] = [
  {
    name: 'two __set_bit() lose a bit',
    lkmm: 'Sometimes',
    race: true,
    threads: ['__set_bit(0, w);', '__set_bit(1, w);'],
    cond: 'exists (~(w=3))',
  },
  {
    name: '__test_and_set_bit() against set_bit()',
    lkmm: 'Sometimes',
    race: true,
    threads: ['r0 = __test_and_set_bit(0, w);', 'set_bit(1, w);'],
    cond: 'exists (~(w=3))',
  },
  {
    name: '__clear_bit() and __change_bit() under one lock lose nothing',
    lkmm: 'Never',
    race: false,
    init: 'w=7;',
    threads: ['spin_lock(l); __clear_bit(0, w); spin_unlock(l);', 'spin_lock(l); __change_bit(3, w); spin_unlock(l);'],
    cond: 'exists (~(w=14))',
  },
  {
    name: '__test_and_clear_bit() returns the old bit',
    lkmm: 'Always',
    race: false,
    init: 'w=5;',
    threads: ['r0 = __test_and_clear_bit(0, w); r1 = __test_and_clear_bit(1, w);'],
    cond: 'forall (0:r0=1 /\\ 0:r1=0 /\\ w=4)',
  },
  {
    name: '__test_and_change_bit() returns the old bit',
    lkmm: 'Always',
    race: false,
    init: 'w=4;',
    threads: ['r0 = __test_and_change_bit(2, w); r1 = __test_and_set_bit(0, w);'],
    cond: 'forall (0:r0=1 /\\ 0:r1=0 /\\ w=1)',
  },
  {
    name: 'MP with __set_bit() published by a release',
    lkmm: 'Never',
    race: false,
    threads: ['__set_bit(2, w); smp_store_release(x, 1);', 'r0 = smp_load_acquire(x); if (r0) r1 = test_bit(2, w);'],
    cond: 'exists (1:r0=1 /\\ 1:r1=0)',
  },
];

describe('axioms: the non-atomic bit operations are a plain read and a plain write', () => {
  it.each(BITS.map((s) => [s.name, s] as const))('%s', (_n, shape) => {
    const test = loadLitmus(bitSource(shape), 'bits.litmus');
    const ax = checkAxiomatic(test);
    expect(ax.observation).toBe(shape.lkmm);
    expect(ax.dataRace).toBe(shape.race);
    const op = checkLitmus(test, 'relaxed');
    expect(op.observation).toBe(ax.observation);
    expect(op.dataRace).toBe(ax.dataRace);
    expect(key(op.finalStates)).toEqual(key(ax.finalStates));
  });
});
