/**
 * The TSC model under the relaxed memory model. Its verdicts and counts are the variants'
 * `expect.relaxed` (checked by test/engine/golden.test.ts); here: what the chapter says of them.
 * Every recorded relaxed verdict is the one SC and TSO give (patch-fall-guest's too, since a
 * context switch became a full barrier under relaxed: see the chapter); the variants too large under relaxed say so;
 * and which verdicts rest on the engine's full barrier at interrupt entry (stronger than arm64:
 * memory/relaxed.ts), found by checking without it. And the engine's clock under the relaxed
 * model: what a TSC read can and cannot return (clock.ts), which is what the chapter's account
 * of "a clock read going backwards" rests on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  Clock,
  check,
  defineModel,
  ghost,
  type MemoryModelName,
  READ_ONCE,
  smp_rmb,
  smp_wmb,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import { RelaxedMemory } from '../../src/spec/engine/memory/relaxed.ts';
import { tsc } from '../../src/spec/models/tsc/model.ts';
import { chapterStates } from '../support/chapter-claims.ts';
import { FULL_GOLDEN } from '../support/golden-budget.ts';

const variant = (name: string) => {
  const v = tsc.variants.find((x) => x.name === name);
  if (!v) throw new Error(`no variant ${name}`);
  return v;
};

describe('the TSC model under the relaxed memory model', () => {
  it('declares relaxed, and records a relaxed verdict for every variant small enough (the rest say why not)', () => {
    expect(tsc.memoryModels).toContain('relaxed');
    const recorded = tsc.variants.filter((v) => v.expect.relaxed !== undefined);
    const unrecorded = tsc.variants.filter((v) => v.unrecorded?.relaxed !== undefined);
    expect(recorded.length + unrecorded.length).toBe(tsc.variants.length);
    expect(recorded.length).toBeGreaterThan(unrecorded.length);
    for (const v of unrecorded) expect(v.unrecorded?.relaxed, v.name).toMatch(/^more than [\d,]+ states/);
  });

  it('gives every recorded variant the verdict and property of SC and TSO', () => {
    const differ = tsc.variants.filter(
      (v) =>
        v.expect.relaxed !== undefined &&
        (['sc', 'tso'] as const).some(
          (mm) =>
            v.expect[mm]?.verdict !== v.expect.relaxed?.verdict ||
            v.expect[mm]?.property !== v.expect.relaxed?.property,
        ),
    );
    expect(differ.map((v) => v.name)).toEqual([]);
  });

  // 3,027,545 relaxed states (46 minutes at a load average of 10 to 19, 8 GB):
  // `npm run test:golden` only. It was violated (806,916 states) while tasks of one CPU were
  // ordered only location by location: the 104-step counterexample had the vCPU, migrated to
  // CPU 0, read kworker/0's new tsc_synchronized and tsc_multiplier but its old
  // tsc_measure_base and tsc_offset. With every switch between two tasks of a CPU a full barrier
  // (threads.ts, contextSwitch; the shape is test/engine/relaxed-context-switch.test.ts's
  // migrate-mp) that read is impossible, and the variant holds, as under SC and TSO.
  it.runIf(FULL_GOLDEN)(
    'patch-fall-guest holds under relaxed, as under SC and TSO, now that a context switch is a full barrier',
    () => {
      const r = check(tsc, { variant: 'patch-fall-guest', memoryModel: 'relaxed' });
      expect(r.verdict).toBe('holds');
      expect(variant('patch-fall-guest').expect.tso?.verdict).toBe('holds');
    },
    3_600_000,
  );

  // patch-ref-read was violated under relaxed while wait_for_ipi_ack() ordered nothing: resync()
  // read CPU 1's last_ref after on_each_cpu(evict, 1) returned, then a TSC tick from before the
  // one evict() had read there. csd_lock_wait() is an acquire of csd_unlock()'s release
  // (kernel/smp.c), so the TSC read after it is no older than what the handler saw: it holds.
  // The search (95,102 relaxed states) runs once per `npm test`: in the build, for the chapter's
  // <LiveCheck> of this selection, which fails unless the checker finds the recorded "holds" and
  // state count (src/components/live-check-build.ts); `npm run test:golden` searches it too.
  it('patch-ref-read holds under relaxed: csd_lock_wait() orders resync()’s TSC read after evict()’s', () => {
    expect(variant('patch-ref-read').expect.relaxed?.verdict).toBe('holds');
    expect(chapterStates('tsc', 'patch-ref-read', 'relaxed')).toContain('holds');
  });
});

/**
 * The relaxed model without its full barrier at interrupt entry (MemorySystem.interruptTaken):
 * what x86 guarantees (interrupt delivery and IRET are serialising) and arm64 does not (an
 * exception entry is a context synchronisation event, not a DMB). Patched for these tests only.
 */
describe('relaxed verdicts that rest on the full barrier at interrupt entry', () => {
  const proto = RelaxedMemory.prototype as unknown as {
    interruptTaken: (s: Int32Array, base: number, threads: readonly number[]) => number;
  };
  const withBarrier = proto.interruptTaken;
  const withoutBarrier = () => {
    proto.interruptTaken = function (this: RelaxedMemory, s: Int32Array, base: number) {
      return this.length(s, base);
    };
  };
  afterEach(() => {
    proto.interruptTaken = withBarrier;
  });

  it('today-fall: without it the vCPU reads a TSC tick from before the frequency change it was sent the IPI after', () => {
    expect(variant('today-fall').expect.relaxed?.verdict).toBe('holds');
    withoutBarrier();
    const r = check(tsc, { variant: 'today-fall', memoryModel: 'relaxed' });
    expect(r.violation?.property).toBe('guest-clock-not-ahead');
  });

  it.each(['patch-non-base', 'patch-hotplug'])('%s holds under relaxed without it too', (name) => {
    expect(variant(name).expect.relaxed?.verdict).toBe('holds');
    withoutBarrier();
    expect(check(tsc, { variant: name, memoryModel: 'relaxed' }).verdict).toBe('holds');
  });
});

/**
 * A ticker advances host time; a reader on another CPU reads the TSC twice, and in the second
 * shape first reads a flag the ticker sets after its tick.
 */
const clockShapes = defineModel<{ shape: 'twice' | 'after-flag' | 'after-flag-barriers' }>({
  name: 'test-clock-relaxed',
  title: 'TSC reads under each memory model (test)',
  source: 'test/models/tsc-relaxed.test.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'relaxed',
  cpus: () => 2,
  variants: (['twice', 'after-flag', 'after-flag-barriers'] as const).map((shape) => ({
    name: shape,
    description: shape,
    flags: { shape },
    expect: {},
  })),
  setup(b, { shape }) {
    const clock = new Clock(b, { maxTime: 2, rates: [1] });
    const flag = b.loc('ticked');
    const back = b.ghost('read went back');
    b.thread('ticker', { cpu: 1 }, function* () {
      yield* clock.tick();
      if (shape === 'after-flag-barriers') yield* smp_wmb();
      yield* WRITE_ONCE(flag, 1);
      yield* clock.tick();
    });
    b.thread('reader', { cpu: 0 }, function* () {
      if (shape === 'twice') {
        const a = yield* clock.rdtsc(0);
        const c = yield* clock.rdtsc(0);
        if (c < a) yield* ghost(back, 1);
        return;
      }
      const seen = yield* READ_ONCE(flag);
      if (shape === 'after-flag-barriers') yield* smp_rmb();
      // The flag was set after the first tick: a TSC read after seeing it is at least 1.
      if (seen === 1 && (yield* clock.rdtsc(0)) < 1) yield* ghost(back, 1);
    });
    b.always('not-back', 'no TSC read older than what the reader has seen', (s) => s.ghost(back) === 0);
  },
});

const verdict = (shape: string, mm: MemoryModelName) => check(clockShapes, { variant: shape, memoryModel: mm }).verdict;

describe('TSC reads under the relaxed model', () => {
  it.each(['sc', 'tso', 'relaxed'] as const)('two reads on one CPU never go backwards (%s)', (mm) => {
    expect(verdict('twice', mm)).toBe('holds');
  });

  it('a read after seeing a later store can return the older tick, as an unordered RDTSC can, but not under SC or TSO', () => {
    expect(verdict('after-flag', 'relaxed')).toBe('violated');
    expect(verdict('after-flag', 'tso')).toBe('holds');
    expect(verdict('after-flag', 'sc')).toBe('holds');
  });

  it('smp_wmb() after the tick and smp_rmb() before the read order them, as for any store (message passing)', () => {
    expect(verdict('after-flag-barriers', 'relaxed')).toBe('holds');
  });
});
