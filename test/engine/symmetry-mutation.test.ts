/**
 * Symmetry declarations at their edges: what mutation testing of symmetry.ts found no test
 * for (reports/mutation/REPORT.md). Each test states behaviour of the checker: which
 * declarations are refused or not applied and why, how large a group is accepted, and that
 * the reduction stays exact where CPU words and ghosts move with a renaming.
 */
import { describe, expect, it } from 'vitest';
import {
  action,
  check,
  defineModel,
  type Ghost,
  ghost,
  instantiate,
  Kind,
  type Loc,
  Machine,
  type ModelBuilder,
  ModelError,
  type Op,
  READ_ONCE,
  type SymmetryMember,
  send_ipi,
  smp_processor_id,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';
import type { StateView } from '../../src/spec/engine/model.ts';
import { Symmetry } from '../../src/spec/engine/symmetry.ts';

interface Group {
  readonly n?: number;
  readonly cpus?: number;
  readonly body: (i: number, x: readonly Loc[], g: readonly Ghost[]) => Op<unknown>;
  readonly member?: (i: number, x: readonly Loc[], g: readonly Ghost[]) => SymmetryMember;
  /** Runs before the members' locations and ghosts are declared (so their ids start later). */
  readonly before?: (b: ModelBuilder) => void;
  readonly extra?: (b: ModelBuilder) => void;
  readonly always?: (s: StateView, x: readonly Loc[], g: readonly Ghost[]) => boolean;
  readonly declare?: boolean;
  readonly kind?: 'full' | 'rotation';
  /** The CPUs T<i> may migrate to (ThreadOptions.cpus); all when undefined. */
  readonly migrate?: (i: number) => readonly number[] | undefined;
}

/** n threads T<i> on CPU i, declared interchangeable with their location x<i> and ghost g<i>. */
function group(t: Group) {
  const n = t.n ?? 2;
  return defineModel<Record<string, never>>({
    name: 'group',
    title: 'group',
    source: 'test/engine/symmetry-mutation.test.ts',
    memoryModels: ['sc', 'tso', 'relaxed'],
    defaultMemoryModel: 'sc',
    cpus: () => t.cpus ?? n + 1,
    variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
    setup(b) {
      t.before?.(b);
      const x = Array.from({ length: n }, (_, i) => b.loc(`x${i}`));
      const g = Array.from({ length: n }, (_, i) => b.ghost(`g${i}`));
      t.extra?.(b);
      for (let i = 0; i < n; i++) {
        const cpus = t.migrate?.(i);
        b.thread(`T${i}`, cpus === undefined ? { cpu: i } : { cpu: i, cpus }, () => t.body(i, x, g));
      }
      const always = t.always;
      if (always !== undefined) b.always('prop', 'the property', (s) => always(s, x, g));
      if (t.declare === false) return;
      b.symmetric(
        'group',
        t.kind ?? 'full',
        Array.from(
          { length: n },
          (_, i) =>
            t.member?.(i, x, g) ?? { threads: [`T${i}`], cpus: [i], locs: [x[i] as Loc], ghosts: [g[i] as Ghost] },
        ),
      );
    },
  });
}

const machineOf = (t: Group, memoryModel: 'sc' | 'tso' = 'sc') =>
  new Machine(instantiate(group(t), 'v', {}).instance, memoryModel);

function* publish(i: number, x: readonly Loc[]): Op<number> {
  yield* WRITE_ONCE(x[i] as Loc, 1);
  return yield* READ_ONCE(x[(i + 1) % x.length] as Loc);
}

/** Reduced and unreduced agree on verdict, property and counterexample length, in fewer states. */
function expectExact(t: Group, memoryModel: 'sc' | 'tso'): void {
  const sym = check(group(t), { memoryModel });
  const full = check(group(t), { memoryModel, symmetry: false });
  expect(sym.symmetry).toMatch(/^group: any permutation/);
  expect(sym.verdict).toBe(full.verdict);
  expect(sym.violation?.property).toBe(full.violation?.property);
  expect(sym.counterexample?.steps.length).toBe(full.counterexample?.steps.length);
  expect(sym.states).toBeLessThan(full.states);
}

describe('building a symmetry', () => {
  it('says so when the model declares none', () => {
    expect(Symmetry.build(machineOf({ body: publish, declare: false }))).toBe('the model declares no symmetry');
  });

  it('refuses a CPU number equal to the number of CPUs, and accepts the last CPU', () => {
    // Three CPUs (0, 1, 2): member 1's second CPU would be CPU 3.
    const t = (last: number): Group => ({
      body: publish,
      cpus: 3,
      member: (i, x) => ({ threads: [`T${i}`], cpus: [i, i === 0 ? 2 : last], locs: [x[i] as Loc] }),
    });
    expect(() => Symmetry.build(machineOf(t(3)))).toThrow(ModelError);
    expect(() => Symmetry.build(machineOf(t(3)))).toThrow('symmetry group: no CPU 3');
    // CPU 2 for both is claimed twice: refused for that, not for its number.
    expect(() => Symmetry.build(machineOf(t(2)))).toThrow('symmetry group: CPU 2 belongs to two members');
  });

  it('compares the CPUs members may migrate to as sets: in any order, or all of them left implicit', () => {
    // Three CPUs; the renaming swaps CPUs 0 and 1 and leaves CPU 2.
    const t = (migrate: (i: number) => readonly number[] | undefined): Group => ({ body: publish, cpus: 3, migrate });
    // T0 may run on {0, 2}, T1 on {1, 2}, listed in another order.
    expect(Symmetry.build(machineOf(t((i) => (i === 0 ? [0, 2] : [2, 1]))))).toBeInstanceOf(Symmetry);
    // T0 on any CPU (none listed), T1 on every CPU listed out of order.
    expect(Symmetry.build(machineOf(t((i) => (i === 0 ? undefined : [2, 0, 1]))))).toBeInstanceOf(Symmetry);
    expect(Symmetry.build(machineOf(t((i) => (i === 0 ? [1, 0, 2] : undefined))))).toBeInstanceOf(Symmetry);
    // T1 on {0, 1}: not the renaming of {0, 2}.
    expect(() => Symmetry.build(machineOf(t((i) => (i === 0 ? [2, 0] : [0, 1]))))).toThrow(
      'symmetry group: the CPUs T0 may migrate to do not correspond to those of T1',
    );
    expect(() => Symmetry.build(machineOf(t((i) => (i === 0 ? undefined : [1, 0]))))).toThrow(
      'symmetry group: the CPUs T0 may migrate to do not correspond to those of T1',
    );
    expect(check(group(t((i) => (i === 0 ? [0, 2] : [2, 1]))), { memoryModel: 'sc' }).symmetry).toMatch(/^group: /);
  });

  it('is not applied when the memory system cannot rename its state', () => {
    // MemorySystem.rename may answer undefined for a state it cannot rename (memory/system.ts);
    // every shipped system that has rename() renames, so one is made to decline here.
    const machine = machineOf({ body: publish });
    Object.defineProperty(machine.mem, 'rename', { value: () => undefined });
    expect(Symmetry.build(machine)).toBe('symmetry group is not applied under sc memory');
  });

  it('is not applied with a CPU hotplug state, even with every CPU online', () => {
    const sym = Symmetry.build(machineOf({ body: publish, extra: (b) => b.hotplug('state', {}) }));
    expect(sym).toBe('symmetry group is not applied: models with CPU hotplug or stop_machine are not supported');
  });

  it('is not applied when one thread that is no member may stop the machine', () => {
    const sym = Symmetry.build(
      machineOf({
        body: publish,
        cpus: 3,
        extra: (b) =>
          b.thread('stopper', { cpu: 2, stopMachine: true }, function* () {
            yield* WRITE_ONCE({ id: 0, name: 'x0' }, 0);
          }),
      }),
    );
    expect(sym).toBe('symmetry group is not applied: models with CPU hotplug or stop_machine are not supported');
  });

  it('accepts six members under any permutation: 720 renamings, one stored state per orbit', () => {
    // Each T<i> writes x<i> once: a state is the set of threads that wrote (2^6 = 64 states
    // under SC without partial-order reduction), and its class is the size of that set: 7.
    const t: Group = { n: 6, body: (i, x) => WRITE_ONCE(x[i] as Loc, 1) };
    const sym = check(group(t), { memoryModel: 'sc', reduction: false });
    expect(sym.symmetry).toBe('group: any permutation of 6 members (720 renamings)');
    expect(sym.states).toBe(7);
    expect(check(group(t), { memoryModel: 'sc', reduction: false, symmetry: false }).states).toBe(64);
  });
});

describe('what moves with a renaming', () => {
  it("renames the CPU words: an IPI pending on the other member's CPU", () => {
    // T<i> sends an IPI to the other member's CPU, then writes x<i>: the pending interrupt is a
    // word of that CPU, which a renaming must move with the CPU.
    const t: Group = {
      body: function* (i, x) {
        yield* send_ipi(1 - i, 0, `IPI to CPU ${1 - i}`);
        yield* publish(i, x);
      },
      extra: (b) => b.interrupt(0, 'reschedule'),
      always: (s, x) => !(s.mem(x[0] as Loc) === 1 && s.mem(x[1] as Loc) === 1),
    };
    for (const memoryModel of ['sc', 'tso'] as const) expectExact(t, memoryModel);
    const states = (symmetry: boolean) =>
      check(group({ ...t, always: () => true }), { memoryModel: 'sc', reduction: false, symmetry }).states;
    // Every state but the symmetric ones has a distinct twin: (full + symmetric) / 2 classes.
    const full = states(false);
    const reduced = states(true);
    expect(reduced).toBeLessThan(full);
    expect(reduced * 2).toBeGreaterThan(full);
  });

  it('moves ghosts by the ghost renaming, not the CPU renaming, when their numbers differ', () => {
    // A ghost declared before the members' (so g0, g1 are ghosts 1 and 2 while the members' CPUs
    // are 0 and 1): a renaming that moved ghost words as it moves CPUs would swap the shared
    // ghost with g0.
    const t: Group = {
      before: (b) => b.ghost('shared', 0),
      body: function* (i, x, g) {
        const r = yield* publish(i, x);
        yield* ghost(g[i] as Ghost, 1 + r);
      },
      always: (s, _, g) => !(s.ghost(g[0] as Ghost) === 1 && s.ghost(g[1] as Ghost) === 1),
    };
    for (const memoryModel of ['sc', 'tso'] as const) expectExact(t, memoryModel);
    expect(check(group(t), { memoryModel: 'tso' }).verdict).toBe('violated');
    expect(check(group(t), { memoryModel: 'sc' }).verdict).toBe('holds');
  });
  it('renames a history through merged steps the other member has not taken yet', () => {
    // T<i>: WRITE_ONCE(x<i>, 1), then smp_processor_id() twice (merged into the write's step:
    // the thread rests after the write at [0, i, i], never at [0, i]), then a write and a read.
    // Renaming T0 at [0, 0, 0] numbers T1's [0, 1] and [0, 1, 1] before T1 has run: the table
    // must keep each prefix as it was numbered (a669aba's prefix-copy bug stored [0, 1] with
    // the history [0, 1, 1], and T1 then reached a node numbered for a longer history: a false
    // refusal at the first states). No ghosts: an unread ghost makes the search start again,
    // and T1 has then numbered its own histories first.
    const mergedCpuReads = (property: boolean) =>
      defineModel<Record<string, never>>({
        name: 'merged-cpu-reads',
        title: 'merged-cpu-reads',
        source: 'test/engine/symmetry-mutation.test.ts',
        memoryModels: ['sc', 'tso'],
        defaultMemoryModel: 'sc',
        cpus: () => 3,
        variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
        setup(b) {
          const x = [b.loc('x0'), b.loc('x1')];
          for (let i = 0; i < 2; i++) {
            b.thread(`T${i}`, { cpu: i }, function* () {
              yield* WRITE_ONCE(x[i] as Loc, 1);
              const c = yield* smp_processor_id();
              const d = yield* smp_processor_id();
              yield* WRITE_ONCE(x[i] as Loc, c === d ? 2 : 3);
              yield* READ_ONCE(x[1 - i] as Loc);
            });
          }
          if (property)
            b.always('not-both-2', 'not both 2', (s) => !(s.mem(x[0] as Loc) === 2 && s.mem(x[1] as Loc) === 2));
          b.symmetric(
            'pair',
            'full',
            [0, 1].map((i) => ({ threads: [`T${i}`], cpus: [i], locs: [x[i] as Loc] })),
          );
        },
      });
    for (const quotient of [false, true]) {
      for (const memoryModel of ['sc', 'tso'] as const) {
        const sym = check(mergedCpuReads(true), { memoryModel, quotient });
        const full = check(mergedCpuReads(true), { memoryModel, quotient, symmetry: false });
        expect(sym.symmetry).toMatch(/^pair: any permutation/);
        expect(sym.verdict).toBe('violated');
        expect(full.verdict).toBe('violated');
        expect(sym.counterexample?.steps.length).toBe(full.counterexample?.steps.length);
      }
    }
    // Without the property, numbered by history under SC: 26 states, 15 classes (4 states
    // are their own renaming: (26 + 4) / 2).
    const states = (symmetry: boolean) =>
      check(mergedCpuReads(false), { memoryModel: 'sc', reduction: false, quotient: false, symmetry }).states;
    expect(states(false)).toBe(26);
    expect(states(true)).toBe(15);
  });
});

describe('steps that must correspond', () => {
  it('refuses a lock-like wait (it writes) against a plain wait (it only reads)', () => {
    // Same kind (Await), same location renamed, same condition: only one writes on success.
    const t: Group = {
      body: function* (i, x) {
        if (i === 0) yield action(Kind.Await, 'take x0', { a: (x[0] as Loc).id, pred: (v) => v === 0, rmw: () => 1 });
        else yield* wait_until(x[1] as Loc, (v) => v === 0, 'wait x1');
        yield* WRITE_ONCE(x[i] as Loc, 0);
      },
    };
    expect(() => check(group(t), { memoryModel: 'sc' })).toThrow(
      /does "(take x0|wait x1)" but T\d does "(take x0|wait x1)" \(one writes, the other only reads\)/,
    );
  });

  it('refuses an idling wait against one that is not', () => {
    const t: Group = {
      body: function* (i, x) {
        yield* WRITE_ONCE(x[i] as Loc, 1);
        yield* wait_until(x[i] as Loc, (v) => v === 2, `wait x${i}`, { end: i === 0 });
      },
    };
    expect(() => check(group(t), { memoryModel: 'sc' })).toThrow(/one may idle there, the other not/);
  });

  it('compares written values: accepted when they agree, refused when not', () => {
    const t = (v: (i: number) => number): Group => ({
      body: function* (i, x) {
        yield* WRITE_ONCE(x[i] as Loc, v(i));
        yield* READ_ONCE(x[1 - i] as Loc);
      },
    });
    expectExact(
      t(() => 3),
      'sc',
    );
    expect(() => check(group(t((i) => i + 1)), { memoryModel: 'sc' })).toThrow(/different values are written/);
  });
});

describe('the orbits the explorer and the quotient widen alike', () => {
  // Members T<i> (CPU i, x<i> = location i, g<i> = ghost i) and, outside every member, a
  // location `shared` and a ghost `other` (number n each) and a thread `stranger` on CPU n.
  const withStranger = (n: number, kind: 'full' | 'rotation'): Symmetry => {
    const sym = Symmetry.build(
      machineOf({
        n,
        kind,
        body: publish,
        extra: (b) => {
          const shared = b.loc('shared');
          b.ghost('other');
          b.thread('stranger', { cpu: n }, () => WRITE_ONCE(shared, 1));
        },
      }),
    );
    if (typeof sym === 'string') throw new Error(sym);
    return sym;
  };
  const sorted = <T>(xs: readonly T[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

  it("moves a location's or a ghost's value to every member's, the value unchanged", () => {
    const sym = withStranger(2, 'full');
    expect(sorted(sym.domainOrbit('loc:0', 5))).toEqual(
      sorted([
        ['loc:0', 5],
        ['loc:1', 5],
      ]),
    );
    expect(sorted(sym.domainOrbit('ghost:1', 7))).toEqual(
      sorted([
        ['ghost:1', 7],
        ['ghost:0', 7],
      ]),
    );
    // Outside every member: the entry alone, once.
    expect(sym.domainOrbit('loc:2', 3)).toEqual([['loc:2', 3]]);
    expect(sym.domainOrbit('ghost:2', 3)).toEqual([['ghost:2', 3]]);
    // A location's number is not a ghost's: loc:0 and ghost:0 are renamed by their own maps.
    const rotated = withStranger(3, 'rotation');
    expect(sorted(rotated.domainOrbit('loc:1', 0))).toEqual(
      sorted([
        ['loc:1', 0],
        ['loc:2', 0],
        ['loc:0', 0],
      ]),
    );
    expect(sorted(rotated.domainOrbit('ghost:3', 1))).toEqual([JSON.stringify(['ghost:3', 1])]);
  });

  it("moves a thread's CPU with the thread and renames the CPU; other threads and CPUs stay", () => {
    const sym = withStranger(2, 'full');
    expect(sorted(sym.domainOrbit('cpu:T0', 0))).toEqual(
      sorted([
        ['cpu:T0', 0],
        ['cpu:T1', 1],
      ]),
    );
    // T0 on CPU 1 is T1 on CPU 0.
    expect(sorted(sym.domainOrbit('cpu:T0', 1))).toEqual(
      sorted([
        ['cpu:T0', 1],
        ['cpu:T1', 0],
      ]),
    );
    // CPU 2 is no member's: T1 on CPU 2.
    expect(sorted(sym.domainOrbit('cpu:T1', 2))).toEqual(
      sorted([
        ['cpu:T1', 2],
        ['cpu:T0', 2],
      ]),
    );
    expect(sym.domainOrbit('cpu:stranger', 2)).toEqual([['cpu:stranger', 2]]);
    // The stranger on a member's CPU: the CPU is renamed, the thread is not.
    expect(sorted(sym.domainOrbit('cpu:stranger', 0))).toEqual(
      sorted([
        ['cpu:stranger', 0],
        ['cpu:stranger', 1],
      ]),
    );
    // The interrupt handlers' key and a name no thread has: not renamed.
    expect(sym.domainOrbit('cpu:-', 0)).toEqual([['cpu:-', 0]]);
    expect(sym.domainOrbit('cpu:nobody', 1)).toEqual([['cpu:nobody', 1]]);
  });

  it('lists each entry once however many renamings reach it', () => {
    // Any permutation of three members: 5 renamings besides the identity, 3 images.
    const sym = withStranger(3, 'full');
    expect(sym.size).toBe(6);
    expect(sorted(sym.domainOrbit('loc:0', 1))).toEqual(
      sorted([
        ['loc:0', 1],
        ['loc:1', 1],
        ['loc:2', 1],
      ]),
    );
    expect(sorted(sym.domainOrbit('cpu:T2', 2))).toEqual(
      sorted([
        ['cpu:T2', 2],
        ['cpu:T0', 0],
        ['cpu:T1', 1],
      ]),
    );
    // T0 (thread 1) accessing x1: T<a> accessing x<b> for every a != b.
    const pairs = [0, 1, 2].flatMap((a) => [0, 1, 2].filter((b) => b !== a).map((b) => [a + 1, b]));
    expect(sorted(sym.accessOrbit(1, 1))).toEqual(sorted(pairs));
    expect([...sym.threadOrbit(2)].sort()).toEqual([1, 2, 3]);
    expect([...sym.ghostOrbit(2)].sort()).toEqual([0, 1, 2]);
    // The stranger (thread 0) accessing x0: 5 renamings, 2 images besides itself.
    expect(sorted(sym.accessOrbit(0, 0))).toEqual(
      sorted([
        [0, 0],
        [0, 1],
        [0, 2],
      ]),
    );
    expect(sorted(sym.domainOrbit('ghost:0', 4))).toEqual(
      sorted([
        ['ghost:0', 4],
        ['ghost:1', 4],
        ['ghost:2', 4],
      ]),
    );
  });

  it('maps a thread accessing a location to each renamed thread accessing the renamed location', () => {
    // The stranger is declared first: thread 0; T<i> is thread i + 1.
    const sym = withStranger(3, 'rotation');
    expect(sym.size).toBe(3);
    // The pair itself first, then its images.
    expect(sym.accessOrbit(1, 0)[0]).toEqual([1, 0]);
    expect(sorted(sym.accessOrbit(1, 0))).toEqual(
      sorted([
        [1, 0],
        [2, 1],
        [3, 2],
      ]),
    );
    expect(sorted(sym.accessOrbit(1, 1))).toEqual(
      sorted([
        [1, 1],
        [2, 2],
        [3, 0],
      ]),
    );
    // A member accessing the shared location (3), the stranger a member's location.
    expect(sorted(sym.accessOrbit(2, 3))).toEqual(
      sorted([
        [2, 3],
        [3, 3],
        [1, 3],
      ]),
    );
    expect(sorted(sym.accessOrbit(0, 2))).toEqual(
      sorted([
        [0, 2],
        [0, 0],
        [0, 1],
      ]),
    );
    expect(sym.accessOrbit(0, 3)).toEqual([[0, 3]]);
    expect(sym.threadOrbit(0)).toEqual([0]);
    expect(sym.ghostOrbit(3)).toEqual([3]);
    expect([...sym.threadOrbit(1)].sort()).toEqual([1, 2, 3]);
  });
});
