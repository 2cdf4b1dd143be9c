/**
 * The C litmus parser and compiler (src/spec/litmus/parse.ts, compile.ts): what they accept,
 * what each construct means when checked, and that everything the engine cannot express is an
 * error naming the construct and its line:col.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryModelName } from '../../src/spec/engine/model.ts';
import { checkLitmus } from '../../src/spec/litmus/compile.ts';
import { loadLitmus } from '../../src/spec/litmus/judge.ts';
import { LitmusError, parseLitmus } from '../../src/spec/litmus/parse.ts';

/** A test from its parts: `{init}`, threads and the final condition. */
function litmus(init: string, threads: readonly string[], cond: string, header = ''): string {
  return `C T\n${header}\n{${init}}\n\n${threads.map((t, i) => `P${i}${t}`).join('\n\n')}\n\n${cond}\n`;
}

function check(src: string, mm: MemoryModelName = 'sc') {
  return checkLitmus(loadLitmus(src, 't.litmus'), mm);
}

/** The LitmusError `src` gives: its message, line and column. */
function failure(src: string): { detail: string; line: number; col: number; message: string } {
  try {
    loadLitmus(src, 't.litmus');
  } catch (e) {
    if (e instanceof LitmusError) return { detail: e.detail, line: e.pos.line, col: e.pos.col, message: e.message };
    throw e;
  }
  throw new Error('expected a LitmusError');
}

const SB = litmus(
  '',
  [
    '(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*x, 1);\n\tr0 = READ_ONCE(*y);\n}',
    '(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*y, 1);\n\tr0 = READ_ONCE(*x);\n}',
  ],
  'exists (0:r0=0 /\\ 1:r0=0)',
  '(*\n * Result: Sometimes\n * Result (sc): Never\n *\n * Store buffering.\n *)',
);

describe('parsing', () => {
  it('reads the name, the header comment and its Result lines, the threads and the condition', () => {
    const ast = parseLitmus(SB, 'sb.litmus');
    expect(ast.name).toBe('T');
    expect(ast.results).toEqual({ lkmm: 'Sometimes', sc: 'Never' });
    expect(ast.comment).toBe('Store buffering.');
    expect(ast.threads.map((t) => t.params.map((p) => `${p.type} ${p.name}`))).toEqual([
      ['int * x', 'int * y'],
      ['int * x', 'int * y'],
    ]);
    expect(ast.quantifier).toBe('exists');
    expect(ast.conditionText).toBe('(0:r0=0 /\\ 1:r0=0)');
  });

  it('gives herd-style outcomes: k of n distinct final states, per memory model', () => {
    const sc = check(SB, 'sc');
    expect([sc.observation, sc.positive, sc.total]).toEqual(['Never', 0, 3]);
    const tso = check(SB, 'tso');
    expect([tso.observation, tso.positive, tso.total]).toEqual(['Sometimes', 1, 4]);
    expect(tso.finalStates.filter((s) => s.satisfies).map((s) => s.values)).toEqual([{ '0:r0': '0', '1:r0': '0' }]);
  });

  it("reads initial values, ATOMIC_INIT, pointers (y=&z and herd's y=z) and pointer registers", () => {
    const src = litmus(
      '\n\tint a = 3;\n\tatomic_t v = ATOMIC_INIT(-2);\n\ty=&a;\n\tq=a;\n',
      [
        '(int *a, int **y, int **q, atomic_t *v)\n{\n\tint *r0;\n\tint r1;\n\tint r2 = atomic_read(v);\n\tr0 = READ_ONCE(*y);\n\tr1 = READ_ONCE(*r0);\n}',
      ],
      'forall (0:r0=a /\\ 0:r1=3 /\\ 0:r2=-2 /\\ q=a)',
    );
    const r = check(src);
    expect(r.observation).toBe('Always');
    expect(r.validated).toBe(true);
    expect(r.finalStates).toEqual([{ values: { '0:r0': 'a', '0:r1': '3', '0:r2': '-2', q: 'a' }, satisfies: true }]);
  });

  it('interprets if/else, expressions, registers assigned without a declaration (as herd allows)', () => {
    const src = litmus(
      'x=5;',
      [
        '(int *x, int *y)\n{\n\tint r0 = READ_ONCE(*x);\n\tif (r0 % 2 == 1 && !(r0 < 0)) {\n\t\tr1 = (r0 << 2) - 1;\n\t} else\n\t\tr1 = 0;\n\tWRITE_ONCE(*y, r1 * 2 + (r0 ^ 1));\n}',
      ],
      'forall (0:r1=19 /\\ y=42)',
    );
    expect(check(src).observation).toBe('Always');
  });

  it('supports ~exists, filter, locations and the connectives ~ /\\ \\/', () => {
    const threads = [
      '(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}',
      '(int *x)\n{\n\tint r0;\n\tint r1;\n\tr0 = READ_ONCE(*x);\n\tr1 = READ_ONCE(*x);\n}',
    ];
    const neg = check(litmus('', threads, '~exists (1:r0=1 /\\ 1:r1=0)'));
    expect([neg.observation, neg.validated]).toEqual(['Never', true]);
    const filtered = check(litmus('', threads, 'locations [x]\nfilter (1:r0=1)\nexists (~(1:r1=1) \\/ x=0)'));
    // Only the states with 1:r0=1 count: then r1=1 and x=1, so the condition never holds.
    expect([filtered.observation, filtered.total]).toEqual(['Never', 1]);
    expect(filtered.finalStates[0]?.values).toEqual({ x: '1', '1:r0': '1', '1:r1': '1' });
  });

  it('accepts C comments in thread bodies, casts to void, blocks and empty statements', () => {
    const src = litmus(
      'atomic_t v = ATOMIC_INIT(1);',
      ['(atomic_t *v)\n{\n\t/* a comment */ // and another\n\t{ (void)atomic_add_unless(v, 1, 0); ; }\n}'],
      'exists (v=2)',
    );
    expect(check(src).observation).toBe('Always');
  });

  it('runs the atomics with their values and the relaxed RMWs', () => {
    const src = litmus(
      'x=1;',
      [
        '(int *x, atomic_t *v, int *b)\n{\n\tint r0 = xchg(x, 5);\n\tint r1 = cmpxchg_relaxed(x, 5, 6);\n\tint r2 = cmpxchg(x, 0, 7);\n\tint r3 = atomic_fetch_add(3, v);\n\tint r4 = atomic_inc_return(v);\n\tint r5 = atomic_dec_and_test(v);\n\tset_bit(2, b);\n\tint r6 = test_and_set_bit(2, b);\n\tint r7 = test_bit(2, b);\n}',
      ],
      'forall (0:r0=1 /\\ 0:r1=5 /\\ 0:r2=6 /\\ x=6 /\\ 0:r3=0 /\\ 0:r4=4 /\\ 0:r5=0 /\\ v=3 /\\ 0:r6=1 /\\ 0:r7=1 /\\ b=4)',
    );
    expect(check(src).observation).toBe('Always');
  });
});

describe('errors name the construct and its line:col', () => {
  const body = (stmt: string) => litmus('', [`(int *x, int *y)\n{\n\tint r0;\n\t${stmt}\n}`], 'exists (x=1)');
  // The statement is on line 8, after a tab (column 2).
  const cases: readonly [string, string, RegExp, number, number][] = [
    ['a spinlock call on an int', 'spin_lock(x);', /spin_lock\(\): x is not declared spinlock_t/, 8, 12],
    [
      'softirq-disabling spinlocks',
      'spin_lock_bh(x);',
      /spin_lock_bh\(\): not supported \(litmus threads take no interrupts or softirqs: use spin_lock\(\)\)/,
      8,
      2,
    ],
    [
      'sleeping locks',
      'mutex_lock(x);',
      /mutex_lock\(\): sleeping locks are not in the litmus language \(LKMM models none\)/,
      8,
      2,
    ],
    ['RCU callbacks', 'call_rcu(x);', /call_rcu\(\): not an engine primitive yet/, 8, 2],
    [
      'an ordering form the kernel lacks',
      'r0 = atomic_add_unless_acquire(x, 1, 0);',
      /atomic_add_unless_acquire\(\): atomic_add_unless\(\) has only its fully ordered form/,
      8,
      7,
    ],
    [
      'a plain store and load both of shared memory',
      '*READ_ONCE(*x) = READ_ONCE(*y);',
      /both sides of "=" access shared memory/,
      8,
      2,
    ],
    ['unknown primitive', 'frob(x);', /frob\(\): unknown primitive/, 8, 2],
    ['arity', 'WRITE_ONCE(*x);', /WRITE_ONCE\(\) takes 2 arguments, not 1/, 8, 2],
    ['lvalue form', 'r0 = READ_ONCE(x);', /READ_ONCE\(\): argument 1 must be a dereferenced pointer/, 8, 17],
    ['pointer form', 'r0 = smp_load_acquire(*x);', /argument 1 must be a pointer such as x/, 8, 24],
    ['no value', 'r0 = smp_mb();', /smp_mb\(\) has no value/, 8, 7],
    ['loops', 'while (1) r0 = 1;', /loops \(while\) are not supported/, 8, 2],
    ['?:', 'r0 = r0 ? 1 : 2;', /\?: is not supported/, 8, 10],
    [
      'unsequenced accesses',
      'r0 = READ_ONCE(*x) + READ_ONCE(*y);',
      /both operands of "\+" access shared memory/,
      8,
      21,
    ],
    ['missing semicolon', 'r0 = 1\n}', /expected ";", found "}"/, 9, 1],
    ['structures', 'r0 = READ_ONCE(*x)->next;', /structures and arrays are not supported/, 8, 20],
    ['assigning a parameter', 'x = 1;', /x is a parameter of P0, not a register/, 8, 2],
    ['an expression with no effect', 'r0;', /an expression statement must be a call/, 8, 2],
  ];
  it.each(cases)('%s', (_what, stmt, pattern, line, col) => {
    const f = failure(body(stmt));
    expect(f.detail).toMatch(pattern);
    expect([f.line, f.col]).toEqual([line, col]);
    expect(f.message).toBe(`t.litmus:${line}:${col}: ${f.detail}`);
  });

  it('in the header, init block and condition', () => {
    expect(failure('litmus X\n').detail).toMatch(/expected "C NAME"/);
    expect(failure('C T\n(* Result: Maybe *)\n{}\nP0(int *x) { }\nexists (x=0)').detail).toMatch(
      /Result line says "Maybe"/,
    );
    const lockFinal = failure('C T\n{}\nP0(spinlock_t *s, int *x)\n{\n}\nexists (s=0)');
    expect([lockFinal.detail, lockFinal.line, lockFinal.col]).toEqual([
      's is a spinlock: its final value may not be tested (lock.cat flags lock-final)',
      6,
      9,
    ]);
    expect(failure('C T\n{}\nP0(spinlock_t *s)\n{\n\tint r0 = READ_ONCE(*s);\n}\nexists (0:r0=0)').detail).toBe(
      's is a spinlock: only the spinlock calls may access it (lock.cat: mixed-lock-accesses)',
    );
    expect(failure('C T\n{}\nP0(spinlock_t *s)\n{\n}\nP1(int *s)\n{\n}\nexists (0:r0=0)').detail).toMatch(
      /parameter s is a spinlock_t elsewhere in the test/,
    );
    const reg = failure('C T\n{}\nP0(int *x)\n{\n\tint r0;\n}\nexists (0:r1=0)');
    expect([reg.detail, reg.line, reg.col]).toEqual(['0:r1: P0 has no register r1', 7, 9]);
    expect(failure('C T\n{}\nP0(int *x)\n{\n}\nexists (1:r0=0)').detail).toBe('1:r0: there is no thread P1');
    expect(failure('C T\n{}\nP0(int *x)\n{\n}\nexists (z=0)').detail).toMatch(/z: no such location/);
    expect(failure('C T\n{}\nP0(int *x)\n{\n}\nexists (x=0) junk').detail).toMatch(/unexpected "junk"/);
    expect(failure('C T\n{}\nP0(int *x)\n{\n}\n').detail).toMatch(/expected the final condition/);
    expect(failure('C T\n{}\nP1(int *x)\n{\n}\nexists (x=0)').detail).toMatch(/thread P1 out of order: expected P0/);
    expect(failure('C T\n{ 0:r0=1; }\nP0(int *x)\n{\n}\nexists (x=0)').detail).toMatch(/initial values of registers/);
    expect(failure(`C T\n{ x=${2 ** 22}; }\nP0(int *x)\n{\n}\nexists (x=0)`).detail).toMatch(/too large/);
  });

  it('at run time: a dereference of a value that is no address', () => {
    const src = litmus('', ['(int *x)\n{\n\tint r0 = 7;\n\tint r1 = READ_ONCE(*r0);\n}'], 'exists (0:r1=0)');
    expect(() => check(src)).toThrow(/t\.litmus:8:21: P0 dereferences 7, which is not the address of a location/);
  });
});
