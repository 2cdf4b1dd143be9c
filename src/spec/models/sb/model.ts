/**
 * Store buffering (SB), the litmus test at the heart of vCPU kicks: each CPU writes its own
 * flag, then reads the other's. With smp_mb() between the write and the read on both sides,
 * at least one CPU must see the other's write (tools/memory-model/litmus-tests/
 * SB+fencembonceonces.litmus: "Never"); without it both may miss (SB+poonceonces: "Sometimes",
 * even on x86). The requests chapter's vcpu->mode / vcpu->requests pairing is this shape.
 */
import { defineModel, ghost, READ_ONCE, smp_mb, WRITE_ONCE } from '../../engine/index.ts';

export interface SbFlags {
  /** smp_mb() between the store and the load on CPU 0 and on CPU 1. */
  readonly mb: readonly [boolean, boolean];
}

export const sb = defineModel<SbFlags>({
  name: 'sb',
  title: 'Store buffering',
  source: 'src/spec/models/sb/model.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'tso',
  cpus: () => 2,
  variants: [
    {
      name: 'fenced',
      description: 'smp_mb() between the store and the load on both CPUs (SB+fencembonceonces)',
      flags: { mb: [true, true] },
      expect: {
        sc: { verdict: 'holds', states: 20 },
        tso: { verdict: 'holds', states: 22 },
        relaxed: { verdict: 'holds', states: 25 },
      },
    },
    {
      name: 'unfenced',
      description: 'no barriers (SB+poonceonces): both loads may miss the other store',
      flags: { mb: [false, false] },
      expect: {
        sc: { verdict: 'holds', states: 13 },
        tso: { verdict: 'violated', property: 'one-sees-the-other', states: 27 },
        relaxed: { verdict: 'violated', property: 'one-sees-the-other', states: 14 },
      },
    },
    {
      name: 'one-sided',
      description: 'smp_mb() on CPU 0 only: a barrier pairs with a barrier, one alone is not enough',
      flags: { mb: [true, false] },
      expect: {
        sc: { verdict: 'holds', states: 17 },
        tso: { verdict: 'violated', property: 'one-sees-the-other', states: 26 },
        relaxed: { verdict: 'violated', property: 'one-sees-the-other', states: 18 },
      },
    },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    const y = b.loc('y');
    const r0 = b.ghost('0:r0', -1);
    const r1 = b.ghost('1:r0', -1);

    // #region sb-threads
    b.thread('P0', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
      if (flags.mb[0]) yield* smp_mb();
      yield* ghost(r0, yield* READ_ONCE(y));
    });
    b.thread('P1', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(y, 1);
      if (flags.mb[1]) yield* smp_mb();
      yield* ghost(r1, yield* READ_ONCE(x));
    });
    // #endregion sb-threads

    // #region sb-properties
    b.always(
      'one-sees-the-other',
      "when both CPUs are done, at least one read the other's store",
      (s) => !(s.final && s.ghost(r0) === 0 && s.ghost(r1) === 0),
    );
    b.sometimes('p0-sees-p1', 'CPU 0 reads y = 1', (s) => s.ghost(r0) === 1);
    b.sometimes('p1-sees-p0', 'CPU 1 reads x = 1', (s) => s.ghost(r1) === 1);
    // #endregion sb-properties
  },
});
