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
      for (let i = 0; i < n; i++) b.thread(`T${i}`, { cpu: i }, () => t.body(i, x, g));
      const always = t.always;
      if (always !== undefined) b.always('prop', 'the property', (s) => always(s, x, g));
      if (t.declare === false) return;
      b.symmetric(
        'group',
        'full',
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
