/**
 * The calibration model for the benchmarks: store buffering around a ring of N CPUs under TSO.
 * CPU i writes its own flag, optionally runs smp_mb(), then reads its neighbour's flag:
 *
 *     WRITE_ONCE(x[i], 1); [smp_mb();] r[i] = READ_ONCE(x[(i + 1) % N]);
 *
 * With the barrier at least one CPU must see its neighbour's store (the invariant holds);
 * without it every CPU may read 0 (violated, as SB+poonceonces for N = 2). The state space
 * grows exponentially with N, which makes it a simple, well-understood yardstick.
 */
import {
  defineModel,
  type Ghost,
  ghost,
  instantiate,
  type Loc,
  type ModelInstance,
  READ_ONCE,
  smp_mb,
  WRITE_ONCE,
} from '../src/spec/engine/index.ts';

/** The ring as a model (parameter n: CPUs), for the benchmark and the engine's tests. */
export const ringModel = defineModel<{ mb: boolean; symmetry?: 'rotation' | 'full' }>({
  name: 'sb-ring',
  title: 'Store-buffering ring',
  source: 'bench/ring.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'tso',
  params: [{ name: 'n', description: 'CPUs', min: 2, max: 8, default: 5 }],
  cpus: (p) => p.n as number,
  variants: [
    { name: 'mb', description: 'with smp_mb()', flags: { mb: true }, expect: {} },
    { name: 'no-mb', description: 'without', flags: { mb: false }, expect: {} },
    // A wrong claim, for the engine's tests: swapping two CPUs of a ring is not a symmetry.
    {
      name: 'mb-wrong-symmetry',
      description: 'claims any permutation',
      flags: { mb: true, symmetry: 'full' },
      expect: {},
    },
  ],
  setup(b, flags, params) {
    const n = params.n as number;
    const x: Loc[] = [];
    const r: Ghost[] = [];
    for (let i = 0; i < n; i++) x.push(b.loc(`x${i}`));
    for (let i = 0; i < n; i++) r.push(b.ghost(`${i}:r0`, -1));
    for (let i = 0; i < n; i++) {
      const mine = x[i] as Loc;
      const next = x[(i + 1) % n] as Loc;
      const reg = r[i] as Ghost;
      b.thread(`P${i}`, { cpu: i }, function* () {
        yield* WRITE_ONCE(mine, 1);
        if (flags.mb) yield* smp_mb();
        yield* ghost(reg, yield* READ_ONCE(next));
      });
    }
    // Rotating the ring (CPU i becomes CPU i + r) maps the model to itself.
    b.symmetric(
      'ring',
      flags.symmetry ?? 'rotation',
      x.map((loc, i) => ({ threads: [`P${i}`], cpus: [i], locs: [loc], ghosts: [r[i] as Ghost] })),
    );
    b.always(
      'some-cpu-sees-its-neighbour',
      'when all CPUs are done, at least one read 1',
      (s) => !(s.final && r.every((g) => s.ghost(g) === 0)),
    );
  },
});

/** The N-CPU ring, with or without the barrier, ready to explore. */
export function ring(n: number, mb: boolean): ModelInstance {
  return instantiate(ringModel, mb ? 'mb' : 'no-mb', { n }).instance;
}
