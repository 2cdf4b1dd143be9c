/**
 * Symmetry and the merged steps: ghost updates and reads, smp_processor_id(), cpu_online() and
 * instrumentable() run inside the step before them, so a thread never rests at one. The
 * declaration check used to compare only the step a thread rests at, and so never compared
 * these: a declaration under which the members' ghost updates differ was accepted, and a
 * property that reads ghosts was then checked on a reduction that is not exact (a false
 * violation below). Now every step along a renamed history is compared.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  cpu_online,
  defineModel,
  type Ghost,
  ghost,
  ghost_read,
  type Loc,
  ModelError,
  Noinstr,
  type Op,
  READ_ONCE,
  smp_processor_id,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import type { StateView } from '../../src/spec/engine/model.ts';

interface Pair {
  /** What thread T<i> (on CPU i) does with the members' locations x and ghosts g. */
  readonly body: (i: number, x: readonly Loc[], g: readonly Ghost[], noinstr: Noinstr) => Op<unknown>;
  /** A property over both members alike. */
  readonly always?: (s: StateView, x: readonly Loc[], g: readonly Ghost[]) => boolean;
  /** Member i's ghosts (default [g<i>]). */
  readonly ghosts?: (i: number, g: readonly Ghost[]) => readonly Ghost[];
}

/** Two threads declared interchangeable: member i is {T<i>, CPU i, x<i>, g<i>}. */
function pair(p: Pair) {
  return defineModel<Record<string, never>>({
    name: 'ghost-pair',
    title: 'ghost pair',
    source: 'test/engine/symmetry-ghosts.test.ts',
    memoryModels: ['sc', 'tso', 'relaxed'],
    defaultMemoryModel: 'sc',
    cpus: () => 3,
    variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
    setup(b) {
      const x = [b.loc('x0'), b.loc('x1')];
      const g = [b.ghost('g0'), b.ghost('g1')];
      const noinstr = new Noinstr(b);
      for (let i = 0; i < 2; i++) b.thread(`T${i}`, { cpu: i }, () => p.body(i, x, g, noinstr));
      const always = p.always;
      if (always !== undefined) b.always('prop', 'the property', (s) => always(s, x, g));
      b.symmetric(
        'pair',
        'full',
        [0, 1].map((i) => ({ threads: [`T${i}`], cpus: [i], locs: [x[i] as Loc], ghosts: p.ghosts?.(i, g) ?? [g[i]] })),
      );
    },
  });
}

const run = (p: Pair, memoryModel: 'sc' | 'tso', symmetry = true) => check(pair(p), { memoryModel, symmetry });

/** Refused with `message` under SC and TSO; without the reduction the model runs as it is. */
function expectRefused(p: Pair, message: RegExp): void {
  for (const memoryModel of ['sc', 'tso'] as const) {
    expect(() => run(p, memoryModel)).toThrow(ModelError);
    expect(() => run(p, memoryModel)).toThrow(message);
    expect(run(p, memoryModel, false).symmetry).toBe('off (by option)');
  }
}

/** Accepted: the reduced search gives the unreduced verdict and counterexample length in fewer states. */
function expectExact(p: Pair): void {
  for (const memoryModel of ['sc', 'tso'] as const) {
    const sym = run(p, memoryModel);
    const full = run(p, memoryModel, false);
    expect(sym.symmetry).toBe('pair: any permutation of 2 members (2 renamings)');
    expect(sym.verdict).toBe(full.verdict);
    expect(sym.violation?.property).toBe(full.violation?.property);
    expect(sym.counterexample?.steps.length).toBe(full.counterexample?.steps.length);
    expect(sym.states).toBeLessThan(full.states);
  }
}

describe('ghost updates and reads under a symmetry declaration', () => {
  it('refuses members whose ghost updates differ (the reproducer of reports/mutation/REPORT.md)', () => {
    // T<i> writes x<i>, sets g<i> to i, reads the other's x: g0 = 0 and g1 = 1 are not each
    // other's renaming (a ghost's value is data, never renamed).
    expectRefused(
      {
        body: function* (i, x, g) {
          yield* WRITE_ONCE(x[i] as Loc, 1);
          yield* ghost(g[i] as Ghost, i);
          yield* READ_ONCE(x[1 - i] as Loc);
        },
      },
      /symmetry pair does not hold: after the same history, T\d does "ghost g\d = \d" but T\d does "ghost g\d = \d" \(different ghost values\)/,
    );
  });

  it('no longer misses a violation: the old check let the reduced search say "holds"', () => {
    // T<i> writes x<i>, reads the other's x into r, sets g<i> to i + 1 + 3r: T0 sets 1 or 4,
    // T1 sets 2 or 5, so the ghosts are {0, 1} (g0 = 1, g1 = 0) right after T0 has run alone,
    // two steps in. The old check accepted the declaration (the ghost updates were never
    // compared), and under SC the reduced search stored T0's lone run as its swap, in which
    // T1 stands where T0 stood but g1 holds T0's 1: T1 then sets g1 to 2 or 5, and the search
    // never met {0, 1}. It answered "holds" (and under TSO a counterexample of 3 steps, not
    // 2), and a "holds" is not caught by replaying a counterexample.
    const p: Pair = {
      body: function* (i, x, g) {
        yield* WRITE_ONCE(x[i] as Loc, 1);
        const r = yield* READ_ONCE(x[1 - i] as Loc);
        yield* ghost(g[i] as Ghost, i + 1 + 3 * r);
      },
      always: (s, _, g) => {
        const pair = [s.ghost(g[0] as Ghost), s.ghost(g[1] as Ghost)].sort().join();
        return pair !== '0,1';
      },
    };
    for (const memoryModel of ['sc', 'tso'] as const) {
      const full = run(p, memoryModel, false);
      expect(full.verdict).toBe('violated');
      expect(full.counterexample?.steps.length).toBe(2);
    }
    expectRefused(p, /T\d does "ghost g\d = \d" but T\d does "ghost g\d = \d" \(different ghost values\)/);
  });

  it('no longer stores states no run has: the old check ended in a failed replay', () => {
    // T0 only sets g0 to 1 and T1 only g1 to 2, so the ghosts are never both 1. The old reduced
    // search stored T0's step as its swap (g1 = 1, a state no run has), went on to g0 = g1 = 1,
    // and failed only when it turned that path back into a run: "symmetry: no successor of
    // the run leads to stored state 3".
    const p: Pair = {
      body: function* (i, x, g) {
        yield* WRITE_ONCE(x[i] as Loc, 1);
        yield* ghost(g[i] as Ghost, i + 1);
      },
      always: (s, _, g) => !(s.ghost(g[0] as Ghost) === 1 && s.ghost(g[1] as Ghost) === 1),
    };
    for (const memoryModel of ['sc', 'tso'] as const) expect(run(p, memoryModel, false).verdict).toBe('holds');
    expectRefused(p, /different ghost values/);
  });

  it('refuses members that read ghosts that do not correspond', () => {
    // Both read g0, which belongs to member 0: T1's read is not T0's renamed.
    expectRefused(
      {
        body: function* (i, x, g) {
          yield* WRITE_ONCE(x[i] as Loc, yield* ghost_read(g[0] as Ghost));
          yield* ghost(g[i] as Ghost, 1);
        },
      },
      /does "ghost g0" but T\d does "ghost g0" \(the ghosts do not correspond\)/,
    );
  });

  it('compares a ghost update at the start of a body, before the first step', () => {
    expectRefused(
      {
        body: function* (i, x, g) {
          yield* ghost(g[i] as Ghost, 7 * i);
          yield* WRITE_ONCE(x[i] as Loc, 1);
        },
      },
      /different ghost values/,
    );
  });

  it('is exact for symmetric ghost updates and reads, with a property that reads them', () => {
    // Store buffering with the outcome recorded in ghosts: g<i> = 2 + what T<i> read, after a
    // ghost_read() of its own ghost. Both 2 (both read 0) is reachable under TSO, not under SC.
    const p: Pair = {
      body: function* (i, x, g) {
        yield* WRITE_ONCE(x[i] as Loc, 1);
        yield* ghost(g[i] as Ghost, 1);
        const r = yield* READ_ONCE(x[1 - i] as Loc);
        yield* ghost(g[i] as Ghost, (yield* ghost_read(g[i] as Ghost)) + 1 + r);
      },
      always: (s, _, g) => !(s.ghost(g[0] as Ghost) === 2 && s.ghost(g[1] as Ghost) === 2),
    };
    expectExact(p);
    expect(run(p, 'sc').verdict).toBe('holds');
    expect(run(p, 'tso').verdict).toBe('violated');
  });

  it('accepts a ghost both members share, set alike', () => {
    // As the requests model's requesters share "request made": not a member's, so not renamed.
    expectExact({
      body: function* (i, x, g) {
        yield* WRITE_ONCE(x[i] as Loc, 1);
        yield* ghost(g[0] as Ghost, 1);
        yield* READ_ONCE(x[1 - i] as Loc);
      },
      ghosts: () => [],
      always: (s, x, g) => s.ghost(g[0] as Ghost) === 1 || (s.mem(x[0] as Loc) === 0 && s.mem(x[1] as Loc) === 0),
    });
  });
});

describe('the other merged steps under a symmetry declaration', () => {
  it('renames the CPU of smp_processor_id() in the history, and compares what follows it', () => {
    // The ghost records whether the thread runs on CPU 0: a value that differs by member.
    expectRefused(
      {
        body: function* (i, x, g) {
          yield* WRITE_ONCE(x[i] as Loc, 1);
          yield* ghost(g[i] as Ghost, (yield* smp_processor_id()) === 0 ? 1 : 0);
        },
      },
      /different ghost values/,
    );
    // Asked whether it runs on its own CPU, every member answers alike.
    expectExact({
      body: function* (i, x, g) {
        yield* WRITE_ONCE(x[i] as Loc, 1);
        yield* ghost(g[i] as Ghost, (yield* smp_processor_id()) === i ? 1 : 0);
        yield* READ_ONCE(x[1 - i] as Loc);
      },
      always: (s, _, g) => s.ghost(g[0] as Ghost) !== 2,
    });
  });

  it('compares the CPUs cpu_online() asks about', () => {
    expectRefused(
      {
        body: function* (i, x) {
          yield* WRITE_ONCE(x[i] as Loc, 1);
          if (yield* cpu_online(0)) yield* READ_ONCE(x[1 - i] as Loc);
        },
      },
      /does "cpu_online\(\d\)" but T\d does "cpu_online\(\d\)" \(the CPUs asked about do not correspond\)/,
    );
    expectExact({
      body: function* (i, x) {
        yield* WRITE_ONCE(x[i] as Loc, 1);
        if (yield* cpu_online(i)) yield* READ_ONCE(x[1 - i] as Loc);
      },
    });
  });

  it('refuses instrumentable() on renamed threads (its per-CPU ghosts are not renamed)', () => {
    expectRefused(
      {
        body: function* (i, x, _, noinstr) {
          yield* WRITE_ONCE(x[i] as Loc, 1);
          yield* noinstr.instrumentable('a tracepoint');
        },
      },
      /does "instrumentable: a tracepoint" but T\d does "instrumentable: a tracepoint" \(instrumentable steps are not renamed\)/,
    );
  });
});
