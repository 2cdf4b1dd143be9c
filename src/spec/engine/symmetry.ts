/**
 * Symmetry reduction: one stored state per class of states that differ only by renaming
 * interchangeable members (identical vCPUs, the CPUs of a ring). See SymmetrySpec in model.ts
 * for what a model declares.
 *
 * A renaming maps each member to another, and with it the member's threads, CPUs, locations
 * and ghosts. Renaming a state moves thread words, CPU words, ghosts and memory words to their
 * new places, renames the CPU inside each thread word and the location inside each TSO
 * store-buffer entry, and renames each thread's history: threads of one position across the
 * members number their histories alike (automaton.ts), and history entries that are CPU
 * numbers (results of smp_processor_id() and migrate()) are renamed. The representative of a
 * state is the lexicographically least of its renamings, so two states in one class always
 * meet: the reduction is exact, and the BFS still finds shortest counterexamples, which
 * explore.ts turns back into a run of the unreduced model.
 *
 * The declaration is checked, not trusted: the shapes, pinned CPUs, allowed CPUs and initial
 * values must correspond, and whenever a thread's history is renamed the renamed thread must
 * take the renamed step at every point of it, merged steps (ghost updates and reads) included
 * (same kind, renamed location, CPU or ghost, same value, and read-modify-write and wait
 * functions that agree on a spread of inputs). A mismatch is a ModelError that names the two
 * steps.
 */
import { type Action, Kind } from './actions.ts';
import { cpuOf, type Machine, ModelError, nodeOf, withCpu, withNode } from './machine.ts';
import type { SymmetrySpec } from './model.ts';
import type { DomainKey } from './quotient.ts';

/** The symmetry group as tables: see Symmetry.group(). */
export interface LivenessGroup {
  readonly size: number;
  readonly compose: Int32Array;
  readonly inverse: Int32Array;
  readonly unitTo: Int32Array;
  /** Number of fairness units (the row length of unitTo). */
  readonly units: number;
}

/** Groups larger than this would make every state cost too many comparisons. */
const MAX_RENAMINGS = 720;

/** How a word changes when it moves: not at all, a thread word, a store-buffer entry. */
const WordKind = { Plain: 0, Thread: 1, Entry: 2 } as const;

interface Renaming {
  readonly memberTo: readonly number[];
  readonly threadTo: readonly number[];
  readonly cpuTo: readonly number[];
  readonly locTo: readonly number[];
  readonly ghostTo: readonly number[];
  /** For each word of a renamed state: where it comes from in the original, and how it changes. */
  readonly src: Int32Array;
  readonly kind: Uint8Array;
  /**
   * Per source thread: its history numbers renamed, plus one (0: not yet computed). Typed and
   * dense: a plain array filled at scattered node numbers becomes a slow dictionary.
   */
  readonly nodeTo: Int32Array[];
}

function permutations(k: number): number[][] {
  if (k === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(k - 1)) {
    for (let at = 0; at <= p.length; at++) out.push([...p.slice(0, at), k - 1, ...p.slice(at)]);
  }
  return out;
}

const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));

/** Inputs on which two renamed read-modify-write (or wait) functions must agree. */
const PROBES = [-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 63, 64, 127, 128, 255, 256, 1023, 65535];

export class Symmetry {
  readonly spec: SymmetrySpec;
  /** Renamings other than the identity. */
  readonly #renamings: Renaming[];
  readonly #machine: Machine;
  readonly #len: number;

  private constructor(machine: Machine, spec: SymmetrySpec, renamings: Renaming[], len: number) {
    this.#machine = machine;
    this.spec = spec;
    this.#renamings = renamings;
    this.#len = len;
  }

  /** How many renamings (the identity included) the group has. */
  get size(): number {
    return this.#renamings.length + 1;
  }

  /** Ghost `g` and every ghost a renaming moves it to (stored together, or not at all: explore.ts). */
  ghostOrbit(g: number): number[] {
    return [...new Set([g, ...this.#renamings.map((r) => r.ghostTo[g] as number)])];
  }

  /** The (thread, location) pairs the renamings map thread `t` accessing location `l` to, itself included. */
  accessOrbit(t: number, l: number): [number, number][] {
    const out: [number, number][] = [[t, l]];
    for (const r of this.#renamings) {
      const u = r.threadTo[t] as number;
      const k = r.locTo[l] as number;
      if (!out.some(([a, b]) => a === u && b === k)) out.push([u, k]);
    }
    return out;
  }

  /**
   * The domain entries (quotient.ts) that the renamings move `value` of domain `where` to, that
   * entry included: a location's or a ghost's value stays the same, a thread's CPU is renamed.
   * The explorer widens every member's domain alike, so that the members' compiled automata
   * stay renamings of each other (#node renames a class through its history).
   */
  domainOrbit(where: DomainKey, value: number): [DomainKey, number][] {
    const out: [DomainKey, number][] = [[where, value]];
    const threads = this.#machine.inst.threads;
    for (const r of this.#renamings) {
      let to: [DomainKey, number];
      if (where.startsWith('cpu:')) {
        const t = threads.findIndex((th) => `cpu:${th.name}` === where);
        const name = threads[r.threadTo[t] as number]?.name;
        if (t < 0 || name === undefined) continue;
        to = [`cpu:${name}`, r.cpuTo[value] ?? value];
      } else {
        const id = Number(where.slice(where.indexOf(':') + 1));
        to = where.startsWith('loc:') ? [`loc:${r.locTo[id] ?? id}`, value] : [`ghost:${r.ghostTo[id] ?? id}`, value];
      }
      if (!out.some(([k, v]) => k === to[0] && v === to[1])) out.push(to);
    }
    return out;
  }

  /** Thread `t` and every thread a renaming moves it to. */
  threadOrbit(t: number): number[] {
    return [...new Set([t, ...this.#renamings.map((r) => r.threadTo[t] as number)])];
  }

  describe(): string {
    return `${this.spec.name}: ${this.spec.group === 'full' ? 'any permutation' : 'rotations'} of ${this.spec.members.length} members (${this.size} renamings)`;
  }

  /**
   * The symmetry of `machine`'s model, ready to canonicalise its states; or, when the declared
   * symmetry is sound but this machine cannot use it, the reason. Throws ModelError for a
   * declaration that does not fit the model.
   */
  static build(machine: Machine): Symmetry | string {
    const inst = machine.inst;
    const spec = inst.symmetry;
    if (spec === undefined) return 'the model declares no symmetry';
    const where = `symmetry ${spec.name}`;
    const k = spec.members.length;
    if (k < 2) throw new ModelError(`${where}: at least two members are needed`);
    const first = spec.members[0] as SymmetrySpec['members'][number];
    const shape = (m: SymmetrySpec['members'][number]): string =>
      `${m.threads.length} threads, ${m.cpus?.length ?? 0} CPUs, ${m.locs?.length ?? 0} locations, ${m.ghosts?.length ?? 0} ghosts`;
    const threadIndex = new Map(inst.threads.map((t, i) => [t.name, i]));
    const claimed = {
      threads: new Set<number>(),
      cpus: new Set<number>(),
      locs: new Set<number>(),
      ghosts: new Set<number>(),
    };
    const claim = (set: Set<number>, x: number, what: string): number => {
      if (set.has(x)) throw new ModelError(`${where}: ${what} belongs to two members`);
      set.add(x);
      return x;
    };
    const members = spec.members.map((m, i) => {
      if (shape(m) !== shape(first))
        throw new ModelError(`${where}: member ${i} has ${shape(m)}, member 0 has ${shape(first)}`);
      const threads = m.threads.map((name) => {
        const t = threadIndex.get(name);
        if (t === undefined) throw new ModelError(`${where}: no thread ${name}`);
        return claim(claimed.threads, t, `thread ${name}`);
      });
      const cpus = (m.cpus ?? []).map((c) => {
        if (!Number.isInteger(c) || c < 0 || c >= inst.cpus) throw new ModelError(`${where}: no CPU ${c}`);
        return claim(claimed.cpus, c, `CPU ${c}`);
      });
      const locs = (m.locs ?? []).map((l) => claim(claimed.locs, l.id, `location ${l.name}`));
      const ghosts = (m.ghosts ?? []).map((g) => claim(claimed.ghosts, g.id, `ghost ${g.name}`));
      return { threads, cpus, locs, ghosts };
    });
    const mems = machine.mem;
    if (mems.rename === undefined) return `${where} is not applied under ${machine.memoryModel} memory`;
    if (claimed.cpus.size > 0 && inst.interrupts.some((irq) => irq.handler !== undefined))
      return `${where} is not applied: interrupt handlers with bodies on renamed CPUs are not supported`;
    // The hotplug word (online mask, stopping thread) then never changes, so it is not renamed.
    if (
      inst.hotplug.length > 0 ||
      inst.online.length !== inst.cpus ||
      inst.threads.some((t) => t.options.stopMachine === true)
    )
      return `${where} is not applied: models with CPU hotplug or stop_machine are not supported`;

    const groupSize = spec.group === 'full' ? factorial(k) : k;
    if (groupSize > MAX_RENAMINGS)
      throw new ModelError(`${where}: ${groupSize} renamings is more than the ${MAX_RENAMINGS} supported`);
    const memberMaps =
      spec.group === 'full'
        ? permutations(k)
        : Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, i) => (i + r) % k));
    const len = machine.base + mems.length(machine.initial(), machine.base);
    const renamings: Renaming[] = [];
    for (const memberTo of memberMaps) {
      if (memberTo.every((to, i) => to === i)) continue;
      const identity = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
      const threadTo = identity(inst.threads.length);
      const cpuTo = identity(inst.cpus);
      const locTo = identity(inst.locs.length);
      const ghostTo = identity(inst.ghosts.length);
      members.forEach((m, i) => {
        const to = members[memberTo[i] as number] as (typeof members)[number];
        m.threads.forEach((t, j) => {
          threadTo[t] = to.threads[j] as number;
        });
        m.cpus.forEach((c, j) => {
          cpuTo[c] = to.cpus[j] as number;
        });
        m.locs.forEach((l, j) => {
          locTo[l] = to.locs[j] as number;
        });
        m.ghosts.forEach((g, j) => {
          ghostTo[g] = to.ghosts[j] as number;
        });
      });
      Symmetry.#checkStatic(machine, where, threadTo, cpuTo, locTo, ghostTo);
      // Words not renamed below stay where they are.
      const src = Int32Array.from({ length: len }, (_, j) => j);
      const kind = new Uint8Array(len);
      threadTo.forEach((to, t) => {
        src[to] = t;
        kind[to] = WordKind.Thread;
      });
      if (machine.hasCpuWords) {
        cpuTo.forEach((to, c) => {
          src[machine.cpuBase + to] = machine.cpuBase + c;
        });
      }
      ghostTo.forEach((to, g) => {
        src[machine.ghostBase + to] = machine.ghostBase + g;
      });
      const memory = mems.rename(threadTo, locTo);
      if (memory === undefined) return `${where} is not applied under ${machine.memoryModel} memory`;
      memory.src.forEach((from, j) => {
        src[machine.base + j] = machine.base + from;
        if (memory.entry[j] === 1) kind[machine.base + j] = WordKind.Entry;
      });
      renamings.push({
        memberTo,
        threadTo,
        cpuTo,
        locTo,
        ghostTo,
        src,
        kind,
        nodeTo: inst.threads.map(() => new Int32Array(64)),
      });
    }
    return new Symmetry(machine, spec, renamings, len);
  }

  static #checkStatic(
    machine: Machine,
    where: string,
    threadTo: readonly number[],
    cpuTo: readonly number[],
    locTo: readonly number[],
    ghostTo: readonly number[],
  ): void {
    const inst = machine.inst;
    const allowed = (t: number): number[] =>
      [...(inst.threads[t]?.options.cpus ?? Array.from({ length: inst.cpus }, (_, c) => c))].sort((x, y) => x - y);
    threadTo.forEach((to, t) => {
      const a = inst.threads[t] as (typeof inst.threads)[number];
      const b = inst.threads[to] as (typeof inst.threads)[number];
      if (cpuTo[a.options.cpu] !== b.options.cpu)
        throw new ModelError(
          `${where}: ${a.name} starts on CPU ${a.options.cpu}, so ${b.name} must start on CPU ${cpuTo[a.options.cpu]}, not ${b.options.cpu}`,
        );
      if ((a.options.loop ?? false) !== (b.options.loop ?? false))
        throw new ModelError(`${where}: ${a.name} and ${b.name} differ in being run loops`);
      const renamed = allowed(t)
        .map((c) => cpuTo[c] as number)
        .sort((x, y) => x - y);
      if (renamed.join() !== allowed(to).join())
        throw new ModelError(`${where}: the CPUs ${a.name} may migrate to do not correspond to those of ${b.name}`);
    });
    locTo.forEach((to, l) => {
      if (inst.locs[l]?.init !== inst.locs[to]?.init)
        throw new ModelError(`${where}: ${inst.locs[l]?.name} and ${inst.locs[to]?.name} start with different values`);
    });
    ghostTo.forEach((to, g) => {
      if (inst.ghosts[g]?.init !== inst.ghosts[to]?.init)
        throw new ModelError(
          `${where}: ghosts ${inst.ghosts[g]?.name} and ${inst.ghosts[to]?.name} start with different values`,
        );
    });
  }

  /**
   * Writes the representative of s[0..len) (the least of its renamings) into `out`, and returns
   * which renaming gives it: 0 for the identity, i + 1 for the i-th other one (the numbering of
   * apply() and group()).
   */
  canonical(s: Int32Array, len: number, out: Int32Array): number {
    if (len !== this.#len) throw new ModelError(`symmetry: a state of ${len} words, expected ${this.#len}`);
    for (let j = 0; j < len; j++) out[j] = s[j] as number;
    let which = 0;
    this.#renamings.forEach((r, i) => {
      for (let j = 0; j < len; j++) {
        const v = this.#word(r, s, j);
        const best = out[j] as number;
        if (v === best) continue;
        if (v < best) {
          out[j] = v;
          for (let m = j + 1; m < len; m++) out[m] = this.#word(r, s, m);
          which = i + 1;
        }
        break;
      }
    });
    return which;
  }

  /** Writes renaming `k` of s[0..len) into `out` (k numbered as canonical() returns it; 0: a copy). */
  apply(k: number, s: Int32Array, len: number, out: Int32Array): void {
    if (len !== this.#len) throw new ModelError(`symmetry: a state of ${len} words, expected ${this.#len}`);
    const r = k === 0 ? undefined : this.#renamings[k - 1];
    if (k !== 0 && r === undefined) throw new ModelError(`symmetry: no renaming ${k}`);
    for (let j = 0; j < len; j++) out[j] = r === undefined ? (s[j] as number) : this.#word(r, s, j);
  }

  /**
   * The group as tables, for the liveness check on the quotient graph (explore.ts, Liveness):
   * renamings numbered as canonical() returns them; `compose[a * size + b]` is a∘b (b first,
   * then a), `inverse[a]` undoes a, and `unitTo[a * units + u]` is the fairness unit that unit u
   * becomes under a (a thread's unit follows the thread, an interrupt unit its CPU, a TSO store
   * buffer its thread). A string instead says why the liveness check cannot use the symmetry:
   * it needs every renaming to fix the initial state (so that every renaming of a reachable
   * state is reachable) and fairness units it knows how to rename.
   */
  group(): LivenessGroup | string {
    const machine = this.#machine;
    const size = this.size;
    const maps = [machine.inst.threads.map((_, i) => i), ...this.#renamings.map((r) => r.threadTo)];
    const memberMaps = [this.spec.members.map((_, i) => i), ...this.#renamings.map((r) => r.memberTo)];
    const indexOf = (memberTo: readonly number[]): number =>
      memberMaps.findIndex((m) => m.every((to, i) => to === memberTo[i]));
    const compose = new Int32Array(size * size);
    const inverse = new Int32Array(size);
    for (let a = 0; a < size; a++) {
      const ma = memberMaps[a] as readonly number[];
      for (let b = 0; b < size; b++) {
        const mb = memberMaps[b] as readonly number[];
        const ab = indexOf(mb.map((to) => ma[to] as number));
        if (ab < 0) throw new ModelError(`symmetry ${this.spec.name}: the renamings do not form a group`);
        compose[a * size + b] = ab;
        if (ab === 0) inverse[a] = b;
      }
    }
    const units = machine.units;
    const unitTo = new Int32Array(size * units.length);
    for (let a = 0; a < size; a++) {
      const threadTo = maps[a] as readonly number[];
      const cpuTo = a === 0 ? undefined : (this.#renamings[a - 1] as Renaming).cpuTo;
      for (let u = 0; u < units.length; u++) {
        const info = units[u] as (typeof units)[number];
        let to: number;
        if (info.kind === 'thread') to = threadTo[u] as number;
        else if (info.kind === 'interrupt' && info.cpu !== undefined)
          to = machine.nthreads + (cpuTo?.[info.cpu] ?? info.cpu);
        else if (info.kind === 'memory' && machine.mem.internalUnits === machine.nthreads) {
          const k = u - machine.nthreads - machine.ncpus;
          to = machine.nthreads + machine.ncpus + (threadTo[k] as number);
        } else return `fairness unit ${info.name} cannot be renamed`;
        unitTo[a * units.length + u] = to;
      }
    }
    const init = machine.initial();
    const renamed = new Int32Array(init.length);
    for (let a = 1; a < size; a++) {
      this.apply(a, init, init.length, renamed);
      if (renamed.some((w, j) => w !== init[j]))
        return 'a renaming moves the initial state, so renamings of reachable states need not be reachable';
    }
    return { size, compose, inverse, unitTo, units: units.length };
  }

  /** Word j of the renaming r of s. */
  #word(r: Renaming, s: Int32Array, j: number): number {
    const from = r.src[j] as number;
    const w = s[from] as number;
    switch (r.kind[j]) {
      case WordKind.Thread:
        return withNode(withCpu(w, r.cpuTo[cpuOf(w)] as number), this.#node(r, from, nodeOf(w)));
      case WordKind.Entry:
        return (this.#machine.mem.renameEntry as (w: number, locTo: readonly number[]) => number)(w, r.locTo);
      default:
        return w;
    }
  }

  /** The renamed history number of thread t's node, checked once per renaming and node. */
  #node(r: Renaming, t: number, node: number): number {
    let memo = r.nodeTo[t] as Int32Array;
    const known = memo[node];
    if (known !== undefined && known > 0) return known - 1;
    const aut = this.#machine.threads[t];
    const to = this.#machine.threads[r.threadTo[t] as number];
    if (aut === undefined || to === undefined) throw new ModelError(`symmetry: no thread ${t}`);
    const history = aut.history(node);
    // Every step along the history is compared, not only the one at `node`: the merged steps
    // (ghost updates and reads, smp_processor_id(), cpu_online()…) run inside the step before
    // them, so a thread never rests at one, and only here are they ever compared.
    const renamed: number[] = [];
    for (let p = 0; p <= history.length; p++) {
      const a = aut.action(p === history.length ? node : aut.internHistory(history.slice(0, p)));
      // A copy: the table keeps the array it is given as the history of a new number.
      const b = to.action(to.internHistory(renamed.slice()));
      const why = this.#differ(r, a, b);
      if (why !== undefined) {
        throw new ModelError(
          `symmetry ${this.spec.name} does not hold: after the same history, ${aut.name} does "${a.text}" ` +
            `but ${to.name} does "${b.text}" (${why})`,
        );
      }
      if (p === history.length) break;
      const v = history[p] as number;
      renamed.push(a.kind === Kind.ThisCpu || a.kind === Kind.Migrate ? (r.cpuTo[v] ?? v) : v);
    }
    const id = to.internHistory(renamed);
    if (node >= memo.length) {
      const grown = new Int32Array(Math.max(memo.length * 2, node + 1));
      grown.set(memo);
      memo = grown;
      r.nodeTo[t] = grown;
    }
    memo[node] = id + 1;
    return id;
  }

  /** Why b is not the renaming of a, or undefined when it is. */
  #differ(r: Renaming, a: Action, b: Action): string | undefined {
    if (a.kind !== b.kind) return 'different kinds of step';
    if (a.order !== b.order) return 'different ordering';
    if ((a.end ?? false) !== (b.end ?? false)) return 'one may idle there, the other not';
    switch (a.kind) {
      case Kind.Read:
      case Kind.Write:
      case Kind.Rmw:
      case Kind.Await:
        if (r.locTo[a.a] !== b.a) return 'the locations do not correspond';
        if (a.kind === Kind.Write && a.b !== b.b) return 'different values are written';
        // An Await with a read-modify-write (a lock acquisition) writes; one without only waits.
        if ((a.rmw === undefined) !== (b.rmw === undefined)) return 'one writes, the other only reads';
        if (
          a.rmw &&
          b.rmw &&
          PROBES.some((v) => (a.rmw as (x: number) => number)(v) !== (b.rmw as (x: number) => number)(v))
        )
          return 'the read-modify-write functions differ';
        if (
          a.pred &&
          b.pred &&
          PROBES.some((v) => (a.pred as (x: number) => boolean)(v) !== (b.pred as (x: number) => boolean)(v))
        )
          return 'the awaited conditions differ';
        return undefined;
      case Kind.Ghost:
      case Kind.GhostRead:
        if (r.ghostTo[a.a] !== b.a) return 'the ghosts do not correspond';
        return a.b === b.b ? undefined : 'different ghost values';
      case Kind.Ipi:
      case Kind.IpiWait:
        if (r.cpuTo[a.a] !== b.a) return 'the target CPUs do not correspond';
        return a.b === b.b ? undefined : 'different vectors';
      case Kind.CpuOnline:
        // A CPU outside the machine is never online, and is not renamed.
        return (r.cpuTo[a.a] ?? a.a) === b.a ? undefined : 'the CPUs asked about do not correspond';
      case Kind.Fence:
      case Kind.GuestExit:
        return a.b === b.b ? undefined : 'different barrier or exit kind';
      case Kind.Choose:
        return a.a === b.a ? undefined : 'different numbers of choices';
      case Kind.Instrumentable:
        // Its ghost depends on the CPU it runs on (noinstr.ts); not renamed.
        return 'instrumentable steps are not renamed';
      default:
        return undefined;
    }
  }
}
