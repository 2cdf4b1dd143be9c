/**
 * Symmetry declarations, step by step: every kind of step a renamed thread must mirror is
 * accepted when it does and named when it does not; every malformed declaration is a
 * ModelError that says what is wrong; and the configurations the reduction does not support
 * (handlers on renamed CPUs, hotplug, stop_machine) run unreduced and say why. Where a
 * declaration is accepted, the reduced search gives the unreduced verdict in fewer states.
 * (symmetry.test.ts covers the ring, the requests model and the pair model's other mistakes.)
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  choose,
  defineModel,
  fetch_or,
  type Ghost,
  ghost,
  instantiate,
  type Loc,
  Machine,
  type ModelBuilder,
  ModelError,
  migrate,
  type Op,
  READ_ONCE,
  type SymmetryMember,
  send_ipi,
  smp_load_acquire,
  smp_mb,
  smp_wmb,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';
import { Symmetry } from '../../src/spec/engine/symmetry.ts';

interface Twins {
  /** What thread T<i> does; `x` and `g` are the members' locations and ghosts. */
  readonly body: (i: number, x: readonly Loc[], g: readonly Ghost[]) => Op<unknown>;
  /** Members (default 2), each with one thread T<i> on CPU i, location x<i> and ghost g<i>. */
  readonly n?: number;
  /** CPUs of the machine (default n + 1: one CPU that belongs to no member). */
  readonly cpus?: number;
  readonly group?: 'full' | 'rotation';
  readonly options?: (i: number) => { cpu?: number; loop?: boolean; cpus?: readonly number[]; stopMachine?: boolean };
  readonly locInit?: (i: number) => number;
  readonly ghostInit?: (i: number) => number;
  readonly member?: (i: number, x: readonly Loc[], g: readonly Ghost[]) => SymmetryMember;
  readonly extra?: (b: ModelBuilder) => void;
}

/** n interchangeable threads, each writing its own location and reading its neighbour's. */
function twins(t: Twins) {
  const n = t.n ?? 2;
  return defineModel<Record<string, never>>({
    name: 'twins',
    title: 'twins',
    source: 'test/engine/symmetry-declaration.test.ts',
    memoryModels: ['sc', 'tso', 'relaxed'],
    defaultMemoryModel: 'sc',
    cpus: () => t.cpus ?? n + 1,
    variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
    setup(b) {
      const x = Array.from({ length: n }, (_, i) => b.loc(`x${i}`, t.locInit?.(i) ?? 0));
      const g = Array.from({ length: n }, (_, i) => b.ghost(`g${i}`, t.ghostInit?.(i) ?? 0));
      t.extra?.(b);
      for (let i = 0; i < n; i++) b.thread(`T${i}`, { cpu: i, ...t.options?.(i) }, () => t.body(i, x, g));
      b.always('not-all-9', 'no state has every location at 9', (s) => x.some((l) => s.mem(l) !== 9));
      b.symmetric(
        'twins',
        t.group ?? 'full',
        Array.from(
          { length: n },
          (_, i) =>
            t.member?.(i, x, g) ?? { threads: [`T${i}`], cpus: [i], locs: [x[i] as Loc], ghosts: [g[i] as Ghost] },
        ),
      );
    },
  });
}

const sc = (t: Twins, symmetry = true) => check(twins(t), { memoryModel: 'sc', symmetry });

/** The reduced and the unreduced search agree, and the reduced one stores fewer states. */
function expectExact(t: Twins, renamings: string, fewer = true): void {
  for (const memoryModel of ['sc', 'tso'] as const) {
    const sym = check(twins(t), { memoryModel });
    const full = check(twins(t), { memoryModel, symmetry: false });
    expect(sym.symmetry).toBe(renamings);
    expect(sym.verdict).toBe(full.verdict);
    expect(sym.violation?.property).toBe(full.violation?.property);
    expect(sym.counterexample?.steps.length).toBe(full.counterexample?.steps.length);
    if (fewer) expect(sym.states).toBeLessThan(full.states);
  }
}

/** Each thread writes its own location, then reads its neighbour's. */
function* publish(i: number, x: readonly Loc[]): Op<number> {
  yield* WRITE_ONCE(x[i] as Loc, 1);
  return yield* READ_ONCE(x[(i + 1) % x.length] as Loc);
}

describe('a renamed thread must take the renamed step', () => {
  it('accepts barriers, read-modify-writes, waits, ghosts, choices and IPIs that correspond', () => {
    expectExact(
      {
        body: function* (i, x, g) {
          yield* smp_mb();
          const seen = yield* publish(i, x);
          yield* ghost(g[i] as Ghost, seen + 1);
          yield* fetch_or(x[i] as Loc, 2);
          const c = yield* choose(2, 'pick');
          yield* ghost(g[i] as Ghost, c + 5);
          yield* send_ipi(2, 0, 'IPI to CPU 2');
          yield* wait_until(x[i] as Loc, (v) => v >= 3, 'x mine >= 3');
        },
        extra: (b) => b.interrupt(0, 'reschedule'),
      },
      'twins: any permutation of 2 members (2 renamings)',
    );
  });

  it('accepts three members under any permutation and under rotation, with one renaming per group element', () => {
    // Each writes its own location twice: symmetric under every permutation.
    const body: Twins['body'] = function* (i, x) {
      yield* WRITE_ONCE(x[i] as Loc, 1);
      yield* fetch_or(x[i] as Loc, 2);
    };
    expectExact({ n: 3, body }, 'twins: any permutation of 3 members (6 renamings)');
    expectExact({ n: 3, body, group: 'rotation' }, 'twins: rotations of 3 members (3 renamings)');
    // Every permutation is a symmetry of this program, so the full group stores no more states
    // than its rotations do, and a complete search shrinks at most by the group's size.
    const full = sc({ n: 3, body }, false);
    const perm = sc({ n: 3, body });
    const rot = sc({ n: 3, body, group: 'rotation' });
    expect(perm.states).toBeLessThanOrEqual(rot.states);
    expect(full.verdict).toBe('holds');
    expect(perm.states * 6).toBeGreaterThanOrEqual(full.states);
    expect(rot.states * 3).toBeGreaterThanOrEqual(full.states);
  });

  it('renames the history of threads with many states of their own', () => {
    // A choice among 66: 67 history nodes per thread, past the first table of renamed nodes (64).
    expectExact(
      {
        body: function* (i, _, g) {
          yield* ghost(g[i] as Ghost, yield* choose(66, 'pick'));
        },
      },
      'twins: any permutation of 2 members (2 renamings)',
    );
  });

  const differs: readonly (readonly [string, Twins['body'], RegExp, Twins['extra']?])[] = [
    [
      'kind',
      (i, x) => (i === 0 ? READ_ONCE(x[0] as Loc) : WRITE_ONCE(x[1] as Loc, 0)),
      /does "READ_ONCE\(x0\)" but T\d does "WRITE_ONCE\(x1, 0\)" \(different kinds of step\)|does "WRITE_ONCE\(x1, 0\)" but T\d does "READ_ONCE\(x0\)" \(different kinds of step\)/,
    ],
    ['ordering', (i, x) => (i === 0 ? READ_ONCE(x[0] as Loc) : smp_load_acquire(x[1] as Loc)), /different ordering/],
    [
      'location',
      (_, x) => READ_ONCE(x[0] as Loc),
      /T\d does "READ_ONCE\(x0\)" but T\d does "READ_ONCE\(x0\)" \(the locations do not correspond\)/,
    ],
    ['read-modify-write', (i, x) => fetch_or(x[i] as Loc, i + 1), /the read-modify-write functions differ/],
    [
      'awaited condition',
      (i, x) => wait_until(x[i] as Loc, (v) => v === i, 'x mine == me'),
      /the awaited conditions differ/,
    ],
    ['barrier', (i) => (i === 0 ? smp_mb() : smp_wmb()), /different barrier or exit kind/],
    ['number of choices', (i) => choose(i + 2, 'pick'), /different numbers of choices/],
    [
      'IPI target',
      (i) => send_ipi(i === 0 ? 2 : 0, 0, 'IPI'),
      /the target CPUs do not correspond/,
      (b) => b.interrupt(0, 'reschedule'),
    ],
    [
      'IPI vector',
      (i) => send_ipi(2, i, 'IPI'),
      /different vectors/,
      (b) => {
        b.interrupt(0, 'reschedule');
        b.interrupt(1, 'call function');
      },
    ],
  ];
  const cases = differs.map(([what, body, message, extra]) => ({ what, body, message, extra }));
  it.each(cases)('names a different $what', ({ body, message, extra }) => {
    const t: Twins = { body, ...(extra === undefined ? {} : { extra }) };
    expect(() => sc(t)).toThrow(ModelError);
    expect(() => sc(t)).toThrow(message);
    // Without the reduction the same model is checked, and no renaming is tried.
    expect(sc(t, false).symmetry).toBe('off (by option)');
  });
});

describe('a declaration that does not fit the model is refused', () => {
  const body: Twins['body'] = (i, x) => publish(i, x);
  const refused: readonly (readonly [string, Twins, RegExp])[] = [
    ['a thread of two members', { body, member: () => ({ threads: ['T0'] }) }, /thread T0 belongs to two members/],
    ['an unknown thread', { body, member: (i) => ({ threads: [i === 0 ? 'T0' : 'T9'] }) }, /no thread T9/],
    ['a CPU the machine lacks', { body, member: (i) => ({ threads: [`T${i}`], cpus: [i * 7] }) }, /no CPU 7/],
    ['a negative CPU', { body, member: (i) => ({ threads: [`T${i}`], cpus: [-i] }) }, /no CPU -1/],
    ['a fractional CPU', { body, member: (i) => ({ threads: [`T${i}`], cpus: [i / 2] }) }, /no CPU 0.5/],
    [
      'a CPU of two members',
      { body, member: (i) => ({ threads: [`T${i}`], cpus: [0] }) },
      /CPU 0 belongs to two members/,
    ],
    [
      'a ghost of two members',
      { body, member: (i, _, g) => ({ threads: [`T${i}`], ghosts: [g[0] as Ghost] }) },
      /ghost g0 belongs to two members/,
    ],
    [
      'members of different shapes',
      { body, member: (i, _, g) => ({ threads: [`T${i}`], ghosts: i === 0 ? [g[0] as Ghost] : [] }) },
      /member 1 has 1 threads, 0 CPUs, 0 locations, 0 ghosts, member 0 has 1 threads, 0 CPUs, 0 locations, 1 ghosts/,
    ],
    [
      'ghosts that start apart',
      { body, ghostInit: (i) => i },
      /symmetry twins: ghosts g0 and g1 start with different values/,
    ],
    [
      'a run loop and a thread that ends',
      { body, options: (i) => (i === 0 ? { loop: true } : {}) },
      /T0 and T1 differ in being run loops/,
    ],
    [
      'CPUs to migrate to that do not correspond',
      {
        body: () => migrate(),
        options: (i) => ({ cpus: i === 0 ? [0, 2] : [1] }),
      },
      /the CPUs T0 may migrate to do not correspond to those of T1/,
    ],
    ['more than 720 renamings', { n: 7, body }, /symmetry twins: 5040 renamings is more than the 720 supported/],
  ];
  it.each(refused)('%s', (_, t, message) => {
    expect(() => sc(t)).toThrow(ModelError);
    expect(() => sc(t)).toThrow(message);
  });

  it('needs at least two members', () => {
    const one = defineModel<Record<string, never>>({
      name: 'one',
      title: 'one',
      source: 'test/engine/symmetry-declaration.test.ts',
      memoryModels: ['sc'],
      defaultMemoryModel: 'sc',
      cpus: () => 1,
      variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
      setup(b) {
        const x = b.loc('x');
        b.thread('T0', { cpu: 0 }, () => WRITE_ONCE(x, 1));
        b.symmetric('alone', 'full', [{ threads: ['T0'] }]);
      },
    });
    expect(() => check(one, {})).toThrow(/symmetry alone: at least two members are needed/);
  });

  it('accepts seven members under rotation (7 renamings, within the limit)', () => {
    const r = sc({ n: 7, body: (i, x) => WRITE_ONCE(x[i] as Loc, 1), group: 'rotation' });
    expect(r.symmetry).toBe('twins: rotations of 7 members (7 renamings)');
    expect(r.verdict).toBe('holds');
    expect(r.states).toBeLessThan(sc({ n: 7, body: (i, x) => WRITE_ONCE(x[i] as Loc, 1) }, false).states);
  });

  it('accepts migration between CPUs that correspond, renaming the CPU a thread moved to', () => {
    expectExact(
      {
        n: 2,
        cpus: 4,
        body: function* (i, x, g) {
          const cpu = yield* migrate();
          // Whether it moved, not where to: a ghost's value is data, never renamed, so a
          // ghost holding the CPU number would differ between members (symmetry-ghosts.test.ts).
          yield* ghost(g[i] as Ghost, cpu === i ? 0 : 1);
          yield* publish(i, x);
        },
        options: (i) => ({ cpus: i === 0 ? [0, 2] : [1, 3] }),
        member: (i, x, g) => ({ threads: [`T${i}`], cpus: [i, i + 2], locs: [x[i] as Loc], ghosts: [g[i] as Ghost] }),
      },
      'twins: any permutation of 2 members (2 renamings)',
      // With migration the representatives can cost partial-order reduction more than the
      // renaming saves: the claim here is the verdict and the counterexample, not the count.
      false,
    );
  });
});

describe('where the reduction is not applied, the search runs unreduced and says why', () => {
  const body: Twins['body'] = (i, x) => publish(i, x);
  const unreduced = (t: Twins, why: string) => {
    const sym = sc(t);
    expect(sym.symmetry).toBe(why);
    expect(sym.states).toBe(sc(t, false).states);
    expect(sym.verdict).toBe(sc(t, false).verdict);
  };

  it('an interrupt handler with a body, on a machine whose CPUs are renamed', () => {
    const extra: Twins['extra'] = (b) => b.interrupt(0, 'reschedule', function* () {});
    unreduced(
      { body, extra },
      'symmetry twins is not applied: interrupt handlers with bodies on renamed CPUs are not supported',
    );
    // With no CPU renamed, the handler is no obstacle.
    const noCpus = sc({
      body,
      extra,
      options: () => ({ cpu: 2 }),
      member: (i, x) => ({ threads: [`T${i}`], locs: [x[i] as Loc] }),
    });
    expect(noCpus.symmetry).toBe('twins: any permutation of 2 members (2 renamings)');
  });

  it('a machine with a CPU offline, or a thread that may stop the machine', () => {
    const why = 'symmetry twins is not applied: models with CPU hotplug or stop_machine are not supported';
    unreduced({ body, extra: (b) => b.onlineCpus([0, 1]) }, why);
    unreduced({ body, options: () => ({ stopMachine: true }) }, why);
  });

  it('relaxed memory', () => {
    const sym = check(twins({ body }), { memoryModel: 'relaxed' });
    expect(sym.symmetry).toBe('symmetry twins is not applied under relaxed memory');
    expect(sym.states).toBe(check(twins({ body }), { memoryModel: 'relaxed', symmetry: false }).states);
  });
});

describe('the representative', () => {
  it('is one per class: as many stored states as orbits of the group', () => {
    // Three threads, each WRITE_ONCE(x_i, 1) then fetch_or(x_i, 2): under SC without partial-order
    // reduction a state is the tuple of the threads' positions (0, 1 or 2 steps done), 3^3 = 27
    // states. Any permutation leaves the multiset of positions, C(5, 3) = 10 classes; rotations
    // leave necklaces of 3 beads in 3 colours, (27 + 3 + 3) / 3 = 11 (Burnside).
    const body: Twins['body'] = function* (i, x) {
      yield* WRITE_ONCE(x[i] as Loc, 1);
      yield* fetch_or(x[i] as Loc, 2);
    };
    const states = (group: 'full' | 'rotation', symmetry: boolean) =>
      check(twins({ n: 3, body, group }), { memoryModel: 'sc', reduction: false, symmetry }).states;
    expect(states('full', false)).toBe(27);
    expect(states('full', true)).toBe(10);
    expect(states('rotation', true)).toBe(11);
  });

  it('is the same for a state and each of its renamings, and is one of them', () => {
    const model = twins({ n: 3, body: (i, x) => publish(i, x) });
    const inst = instantiate(model, 'v', {}).instance;
    const machine = new Machine(inst, 'tso');
    const sym = Symmetry.build(machine);
    if (typeof sym === 'string') throw new Error(sym);
    expect(sym.size).toBe(6);
    const init = machine.initial();
    const len = init.length;
    const a = new Int32Array(len);
    const b = new Int32Array(len);
    // The initial state is symmetric: its own representative.
    sym.canonical(init, len, a);
    expect([...a]).toEqual([...init]);
    expect(() => sym.canonical(init, len - 1, b)).toThrow(/symmetry: a state of \d+ words, expected \d+/);
  });
});
