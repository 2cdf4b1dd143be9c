/**
 * What multiplies a model's state space: explores (breadth first, every interleaving, as the
 * one-graph search does) up to --max-states states of one variant, splits each state into its
 * components (each thread's history class and flags, each CPU's interrupt word, the hotplug word,
 * each stored ghost, each memory location, each store buffer or relaxed view), and prints per
 * component how many distinct values it takes and how many states are left when it is erased:
 * states / left is how much that component alone multiplies the space (an upper bound on what
 * forgetting it could save), and a component that is constant costs nothing.
 *
 *   node --import ./src/cli/register.mjs scripts/state-components.ts requests correct-x86 \
 *     --mm sc --param vcpus=2 --param requesters=2 [--max-states N] [--pairs]
 *
 * The machine is the one the checker's search used (its thread automata compiled by the
 * quotient, the ghosts nothing reads left out), taken after a check of the same configuration
 * with the same budget. With --pairs it also prints, for the components that multiply most,
 * the states left when two are erased together (two components that only together tell
 * states apart).
 */
import { parseArgs } from 'node:util';
import { Exploration } from '../src/spec/engine/explore.ts';
import { F_CPU, F_EARLY, F_GUEST, F_IRQ, F_RACE, F_RESCHED, nodeOf, PREEMPT_SHIFT } from '../src/spec/engine/layout.ts';
import { instantiate, type MemoryModelName } from '../src/spec/engine/model.ts';
import { StateStore } from '../src/spec/engine/store.ts';
import { MODELS } from '../src/spec/models/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mm: { type: 'string', default: 'tso' },
    param: { type: 'string', multiple: true, default: [] },
    'max-states': { type: 'string', default: '2000000' },
    pairs: { type: 'boolean', default: false },
  },
});
const [modelName, variantName] = positionals;
const model = MODELS.find((m) => m.name === modelName);
if (model === undefined || variantName === undefined) {
  console.error('usage: state-components.ts <model> <variant> [--mm sc|tso|relaxed] [--param k=v]… [--max-states N]');
  process.exit(2);
}
const params: Record<string, number> = {};
for (const p of values.param as string[]) {
  const [k, v] = p.split('=');
  params[k as string] = Number(v);
}
const mm = values.mm as MemoryModelName;
const maxStates = Number(values['max-states']);
const { instance } = instantiate(model, variantName, params);

// The checker's own search first, for its compiled automata and stored ghosts (and its count).
const t0 = performance.now();
const exploration = new Exploration(instance, { memoryModel: mm, maxStates, liveness: true });
const r = exploration.run();
console.log(
  `check: ${r?.verdict} ${r?.states} states${r?.reason ? ` (${r.reason})` : ''}, ${Math.round(performance.now() - t0)} ms; ` +
    `automata ${r?.automata?.histories ?? '-'} histories → ${r?.automata?.classes ?? '-'} classes; ghosts stored ${
      r?.ghosts ? r.ghosts.of - r.ghosts.unstored : '-'
    } of ${instance.ghosts.length}`,
);
const m = exploration.machine;

// The same graph (every successor, no reduction), kept in a store of our own.
const store = new StateStore();
const init = m.initial();
store.intern(init, init.length, -1, -1, -1);
let cur = new Int32Array(init.length);
for (let next = 0; next < store.count && store.count < maxStates; next++) {
  const n = store.lengthOf(next);
  if (cur.length !== n) cur = new Int32Array(n);
  store.load(next, cur);
  m.successors(cur, n, (_u, _c, s, len) => {
    store.intern(s, len, next, 0, 0);
  });
}
const total = store.count;
console.log(`explored: ${total} states (every interleaving${total >= maxStates ? ', cut at the budget' : ''})`);

/** A component: a name and what it reads of a state (a string or number key). */
interface Component {
  readonly name: string;
  readonly get: (s: Int32Array, len: number) => number | string;
}
const comps: Component[] = [];
for (let i = 0; i < m.nthreads; i++) {
  const name = m.threadName(i);
  comps.push({ name: `${name}.node`, get: (s) => nodeOf(s[i] as number) });
  comps.push({ name: `${name}.cpu`, get: (s) => (s[i] as number) & F_CPU });
  comps.push({
    name: `${name}.flags(irq,guest,early,preempt,resched,race)`,
    get: (s) => (s[i] as number) & (F_IRQ | F_GUEST | F_EARLY | (7 << PREEMPT_SHIFT) | F_RESCHED | F_RACE),
  });
}
if (m.irqWords) {
  for (let c = 0; c < m.ncpus; c++) {
    comps.push({ name: `cpu${c}.pending`, get: (s) => (s[m.cpuBase + c] as number) & 0xff });
    comps.push({ name: `cpu${c}.handler`, get: (s) => (s[m.cpuBase + c] as number) >>> 8 });
  }
}
if (m.hotplugWords) comps.push({ name: 'hotplug word', get: (s) => s[m.hotplugAt] as number });
instance.ghosts.forEach((g, k) => {
  if (m.unstored[k] === 0) comps.push({ name: `ghost ${g.name}`, get: (s) => s[m.ghostBase + k] as number });
});
instance.locs.forEach((l, k) => {
  comps.push({ name: `mem ${l.name}`, get: (s) => s[m.base + k] as number });
});
const nlocs = instance.locs.length;
if (mm === 'tso') {
  const cap = instance.storeBufferSize;
  for (let t = 0; t < m.nthreads; t++) {
    const at = m.base + nlocs + t * cap;
    comps.push({
      name: `store buffer of ${m.threadName(t)}`,
      get: (s) => Array.from(s.subarray(at, at + cap)).join(','),
    });
  }
} else if (mm === 'relaxed') {
  comps.push({
    name: 'relaxed memory beyond the values',
    get: (s, len) => Array.from(s.subarray(m.base + nlocs, len)).join(','),
  });
}

// Every state's components as small integers (values interned per component), one row each.
const ncomp = comps.length;
const table = new Int32Array(total * ncomp);
const ids = comps.map(() => new Map<number | string, number>());
const buf = new Int32Array(4096);
for (let idx = 0; idx < total; idx++) {
  const len = store.load(idx, buf);
  for (let c = 0; c < ncomp; c++) {
    const v = (comps[c] as Component).get(buf, len);
    const map = ids[c] as Map<number | string, number>;
    let id = map.get(v);
    if (id === undefined) {
      id = map.size;
      map.set(v, id);
    }
    table[idx * ncomp + c] = id;
  }
}
/** Distinct rows with the columns in `skip` erased (by a 52-bit hash of the rest: a collision only undercounts by one). */
const countWithout = (skip: readonly number[]): number => {
  const seen = new Set<number>();
  for (let idx = 0; idx < total; idx++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let c = 0; c < ncomp; c++) {
      const v = skip.includes(c) ? -1 : (table[idx * ncomp + c] as number);
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul(h2 ^ v, 0x5bd1e995) ^ (h2 >>> 15);
    }
    seen.add((h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff));
  }
  return seen.size;
};
const distinct = ids.map((map) => ({ size: map.size }));
const without = comps.map((_, c) => ({ size: countWithout([c]) }));
const rows = comps.map((c, k) => ({
  name: c.name,
  values: (distinct[k] as { size: number }).size,
  left: (without[k] as { size: number }).size,
}));
rows.sort((a, b) => a.left - b.left);
console.log('\ncomponent | distinct values | states with it erased | factor');
for (const row of rows) {
  if (row.values === 1) continue;
  console.log(`${row.name} | ${row.values} | ${row.left} | ${(total / row.left).toFixed(2)}`);
}
console.log(
  `constant: ${rows
    .filter((row) => row.values === 1)
    .map((row) => row.name)
    .join(', ')}`,
);

if (values.pairs) {
  const top = rows
    .filter((row) => row.values > 1)
    .slice(0, 10)
    .map((row) => comps.findIndex((c) => c.name === row.name));
  console.log('\npairs (the ten that multiply most) | states with both erased | factor');
  for (let a = 0; a < top.length; a++) {
    for (let b = a + 1; b < top.length; b++) {
      const skip = [top[a] as number, top[b] as number];
      const left = countWithout(skip);
      console.log(
        `${comps[skip[0] as number]?.name} + ${comps[skip[1] as number]?.name} | ${left} | ${(total / left).toFixed(2)}`,
      );
    }
  }
}
