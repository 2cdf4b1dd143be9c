/**
 * Symmetry on the liveness graph (explore.ts, Liveness): fair cycles are searched on the
 * quotient lifted by the renamings, never on the quotient's own unit labels, which name a
 * different thread each time a stored successor is a renaming of the real one.
 *
 * The token model below is built so that the naive check is wrong: of two interchangeable
 * threads one wins a token and then toggles its own flag for ever, the loser's next step ends
 * the obligation. Every run that loops is unfair to the loser (enabled throughout, never
 * stepping), so the property holds under weak fairness. In the quotient the looping thread is
 * the first member in some representatives and the second in others, so along the quotient's
 * cycle both unit labels step and both are enabled throughout: a naive check of the quotient
 * reports a fair cycle (naiveFairCycle, here). The lifted check does not.
 */
import { describe, expect, it } from 'vitest';
import {
  type CheckResult,
  check,
  cmpxchg,
  defineModel,
  type Loc,
  Machine,
  type MemoryModelName,
  ModelError,
  READ_ONCE,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import { instantiate } from '../../src/spec/engine/model.ts';
import { Symmetry } from '../../src/spec/engine/symmetry.ts';
import { MODELS } from '../../src/spec/models/index.ts';

/**
 * Two threads (members {T<i>, CPU i, flag<i>}) race for `token`; the winner toggles its flag
 * for ever, the loser sets `stop`. With `progress: 'one-member'` the property reads member 0's
 * flag only (a wrong claim of symmetry, refused); with `winnerStops` the winner may also stop,
 * and without `loserStops` the loser spins too (then a fair cycle exists: a real violation).
 */
function tokenModel(opts: { loserStops?: boolean; progress?: 'stop' | 'one-member' } = {}) {
  return defineModel<Record<string, never>>({
    name: 'token',
    title: 'token',
    source: 'test/engine/symmetry-liveness.test.ts',
    memoryModels: ['sc', 'tso'],
    defaultMemoryModel: 'sc',
    cpus: () => 2,
    variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
    setup(b) {
      const token = b.loc('token');
      const stop = b.loc('stop');
      const flag = [b.loc('flag0'), b.loc('flag1')];
      for (let i = 0; i < 2; i++) {
        const mine = flag[i] as Loc;
        b.thread(`T${i}`, { cpu: i, loop: true }, function* () {
          const f = yield* READ_ONCE(mine);
          if (f !== 0) {
            yield* WRITE_ONCE(mine, 3 - f);
            return;
          }
          if ((yield* cmpxchg(token, 0, 1)) === 0) yield* WRITE_ONCE(mine, 1);
          else if (opts.loserStops ?? true) yield* WRITE_ONCE(stop, 1);
        });
      }
      if (opts.progress === 'one-member')
        b.eventually('flag0-set', 'member 0 holds the token', (s) => s.mem(flag[0] as Loc) === 0);
      else b.eventually('stops', 'someone eventually sets stop', (s) => s.mem(stop) === 0);
      b.symmetric(
        'pair',
        'full',
        [0, 1].map((i) => ({ threads: [`T${i}`], cpus: [i], locs: [flag[i] as Loc] })),
      );
    },
  });
}

/**
 * The naive check: the quotient graph (one representative per class, each edge labelled with
 * the unit of the real step it stands for), and a strongly connected set of pending
 * representatives in which every unit label enabled throughout also labels an inner edge.
 */
function naiveFairCycle(model: ReturnType<typeof tokenModel>, mm: MemoryModelName): boolean {
  const inst = instantiate(model, 'v').instance;
  const machine = new Machine(inst, mm);
  const sym = Symmetry.build(machine);
  if (typeof sym === 'string') throw new Error(sym);
  const progress = inst.progress[0];
  if (progress === undefined) throw new Error('no progress property');
  const view = machine.view();
  const index = new Map<string, number>();
  const states: Int32Array[] = [];
  const edges: { from: number; to: number; unit: number }[] = [];
  const enabled: number[] = [];
  const add = (s: Int32Array): number => {
    const rep = new Int32Array(s.length);
    sym.canonical(s, s.length, rep);
    const key = rep.join(',');
    let at = index.get(key);
    if (at === undefined) {
      at = states.length;
      index.set(key, at);
      states.push(rep);
    }
    return at;
  };
  add(machine.initial());
  for (let i = 0; i < states.length; i++) {
    const s = states[i] as Int32Array;
    let on = 0;
    machine.successors(s, s.length, (unit, _c, next, len) => {
      on |= 1 << unit;
      edges.push({ from: i, to: add(next.slice(0, len)), unit });
    });
    enabled.push(on);
  }
  const pending = states.map((s) => {
    view.s = s;
    return progress.pending(view);
  });
  const n = states.length;
  const reach = (from: number): Set<number> => {
    const seen = new Set([from]);
    const queue = [from];
    while (queue.length > 0) {
      const v = queue.pop() as number;
      for (const e of edges) if (e.from === v && pending[e.to] && !seen.has(e.to)) seen.add(e.to) && queue.push(e.to);
    }
    return seen;
  };
  const reachable = Array.from({ length: n }, (_, v) => (pending[v] ? reach(v) : new Set<number>()));
  for (let v = 0; v < n; v++) {
    if (!pending[v]) continue;
    const scc = [...(reachable[v] as Set<number>)].filter((w) => reachable[w]?.has(v));
    const inner = edges.filter((e) => scc.includes(e.from) && scc.includes(e.to));
    if (inner.length === 0) continue;
    const always = scc.reduce((m, w) => m & (enabled[w] as number), -1);
    const taken = inner.reduce((m, e) => m | (1 << e.unit), 0);
    if ((always & ~taken) === 0) return true;
  }
  return false;
}

const same = (a: CheckResult, b: CheckResult): void => {
  expect(a.verdict).toBe(b.verdict);
  expect(a.violation?.property).toBe(b.violation?.property);
};

describe('fair cycles on the quotient graph', () => {
  it.each(['sc', 'tso'] as const)(
    'under %s, a naive check of the quotient reports a fair cycle that does not exist; the lifted check does not',
    (mm) => {
      const model = tokenModel();
      expect(naiveFairCycle(model, mm)).toBe(true);
      const sym = check(model, { memoryModel: mm });
      const full = check(model, { memoryModel: mm, symmetry: false });
      expect(full.verdict).toBe('holds');
      same(sym, full);
      expect(sym.symmetry).toMatch(/on the one graph of safety and liveness$/);
      expect(sym.states).toBeLessThan(full.states);
      // With the safety search and the liveness graph apart, both reduced.
      const apart = check(model, { memoryModel: mm, oneGraph: false });
      same(apart, full);
      expect(apart.symmetry).toMatch(/in safety and liveness$/);
    },
  );

  it.each(['sc', 'tso'] as const)(
    'under %s, a real fair cycle (the loser spins too) is found, as a run of the model that replays',
    (mm) => {
      const model = tokenModel({ loserStops: false });
      const sym = check(model, { memoryModel: mm });
      const full = check(model, { memoryModel: mm, symmetry: false });
      expect(full.verdict).toBe('violated');
      same(sym, full);
      // check() rebuilds the trace by replaying the lasso; its cycle must be a cycle of the model.
      expect(sym.counterexample?.cycleStart).toBeDefined();
      expect(sym.states).toBeLessThan(full.states);
    },
  );

  it('refuses a progress property that names one member (it would tell a state from its renaming)', () => {
    const model = tokenModel({ progress: 'one-member' });
    expect(() => check(model, { memoryModel: 'sc' })).toThrow(ModelError);
    expect(() => check(model, { memoryModel: 'sc' })).toThrow(/flag0-set tells a state from its renaming/);
    expect(check(model, { memoryModel: 'sc', symmetry: false }).verdict).toBe('violated');
  });
});

describe('the requests model with two requesters, on one graph, with and without symmetry', () => {
  const requests = MODELS.find((m) => m.name === 'requests');
  if (requests === undefined) throw new Error('no requests model');
  // Under TSO every variant is in symmetry.test.ts.
  const cases = ['correct-x86', 'halt-no-wakeup', 'check-before-irqs-off', 'tlb-flush-no-final-check'].map(
    (v) => [v, 'sc'] as const,
  );
  it.each(cases)('%s under %s at 1 x 2: same verdict, property and safety counterexample length', (variant, mm) => {
    const req = { variant, memoryModel: mm, params: { vcpus: 1, requesters: 2 } };
    const sym = check(requests, req);
    const full = check(requests, { ...req, symmetry: false });
    same(sym, full);
    if (sym.violation?.kind !== 'progress')
      expect(sym.counterexample?.steps.length).toBe(full.counterexample?.steps.length);
    expect(sym.symmetry).toMatch(/on the one graph of safety and liveness$/);
    expect(sym.states).toBeLessThan(full.states);
  });
});

describe("the group's tables (Symmetry.group)", () => {
  it.each(['sc', 'tso'] as const)(
    'under %s, with three requesters (6 renamings, not commutative): composition, inverses and renamed units match the renamed states',
    (mm) => {
      const requests = MODELS.find((m) => m.name === 'requests');
      if (requests === undefined) throw new Error('no requests model');
      const inst = instantiate(requests, 'correct-x86', { requesters: 3 }).instance;
      const machine = new Machine(inst, mm);
      const sym = Symmetry.build(machine);
      if (typeof sym === 'string') throw new Error(sym);
      const group = sym.group();
      if (typeof group === 'string') throw new Error(group);
      expect(group.size).toBe(6);
      // States along a few seeded random runs.
      const states: Int32Array[] = [];
      let seed = 7;
      for (let run = 0; run < 4; run++) {
        let s = machine.initial();
        for (let step = 0; step < 40; step++) {
          states.push(s);
          const next: Int32Array[] = [];
          machine.successors(s, s.length, (_u, _c, st, len) => {
            next.push(st.slice(0, len));
          });
          if (next.length === 0) break;
          seed = (seed * 1103515245 + 12345) % 2147483648;
          s = next[seed % next.length] as Int32Array;
        }
      }
      const G = group.size;
      const ren = (k: number, s: Int32Array): Int32Array => {
        const out = new Int32Array(s.length);
        sym.apply(k, s, s.length, out);
        return out;
      };
      const succ = (s: Int32Array): string[] => {
        const out: string[] = [];
        machine.successors(s, s.length, (u, _c, st, len) => {
          out.push(`${u}:${st.slice(0, len).join(',')}`);
        });
        return out.sort();
      };
      let nonCommuting = 0;
      for (const s of states.filter((_, i) => i % 8 === 0)) {
        for (let a = 0; a < G; a++) {
          expect([...ren(group.inverse[a] as number, ren(a, s))]).toEqual([...s]);
          for (let b = 0; b < G; b++) {
            const ab = group.compose[a * G + b] as number;
            expect([...ren(a, ren(b, s))]).toEqual([...ren(ab, s)]);
            if (ab !== group.compose[b * G + a]) nonCommuting++;
          }
          // The successors of a(s) are the a-renamings of s's successors, by the renamed units.
          const renamedSuccessors: string[] = [];
          machine.successors(s, s.length, (u, _c, st, len) => {
            renamedSuccessors.push(`${group.unitTo[a * group.units + u]}:${ren(a, st.slice(0, len)).join(',')}`);
          });
          expect(renamedSuccessors.sort()).toEqual(succ(ren(a, s)));
        }
      }
      expect(nonCommuting).toBeGreaterThan(0);
      // The canonical form reports the renaming that gives it.
      for (const s of states) {
        const rep = new Int32Array(s.length);
        const k = sym.canonical(s, s.length, rep);
        expect([...ren(k, s)]).toEqual([...rep]);
      }
    },
  );
});
