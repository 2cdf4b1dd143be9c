/**
 * What the TSC chapter says about its counterexamples and verdicts, asserted on the traces the
 * checker produces (the verdicts themselves are in the golden file and the chapter's live
 * checks): where the resync IPI lands in race 3, how the 2009 code gets to call
 * smp_call_function_single() with interrupts off, why the patch's guest clock runs ahead after a
 * speed-up, and that each piece of today's notifier is needed.
 */
import { describe, expect, it } from 'vitest';
import { check, type Trace } from '../../src/spec/engine/index.ts';
import { tsc } from '../../src/spec/models/tsc/model.ts';

const trace = (variant: string): Trace => {
  const r = check(tsc, { variant, memoryModel: 'sc' });
  if (!r.counterexample) throw new Error(`${variant}: no counterexample`);
  return r.counterexample;
};
const at = (t: Trace, pred: (s: Trace['steps'][number]) => boolean): number => t.steps.findIndex(pred);

describe('tsc counterexamples', () => {
  it('race 3: the resync IPI runs between the reader’s tsc_measure_base and tsc_offset reads', () => {
    const t = trace('before-ref-read');
    const base = at(t, (s) => s.actor === 'ref-reader' && s.text.includes('tsc_measure_base'));
    const ipi = at(t, (s) => s.actor === 'resync IPI@cpu0' && s.text.startsWith('WRITE_ONCE(cpu0.tsc_offset'));
    const offset = at(t, (s) => s.actor === 'ref-reader' && s.text.includes('cpu0.tsc_offset'));
    expect(base).toBeGreaterThanOrEqual(0);
    expect(ipi).toBeGreaterThan(base);
    expect(offset).toBeGreaterThan(ipi);
  });

  it('race 1 (2009 code): resync() called directly on the base CPU runs resync_user() with interrupts off', () => {
    const r = check(tsc, { variant: 'before-rapid', memoryModel: 'sc' });
    expect(r.violation?.property).toMatch(
      /^WARN: smp_call_function_single\(1, kvm_sync_tsc\) with interrupts disabled/,
    );
    const t = r.counterexample as Trace;
    // No resync IPI is ever taken: the notifier's call to its own CPU ran resync() in the thread.
    expect(t.steps.some((s) => s.actor.startsWith('resync IPI'))).toBe(false);
    expect(t.steps.some((s) => s.actor === 'cpufreq' && s.text === 'WRITE_ONCE(work_scheduled, 0)')).toBe(true);
  });

  it('the patch after a speed-up: resync() evicts the base after the change, with the old multiplier', () => {
    const t = trace('patch-rise-guest');
    const change = at(t, (s) => s.text.startsWith("cpu0's frequency changes"));
    const evict = at(t, (s) => s.actor === 'kworker/0' && s.text.startsWith('WRITE_ONCE(cpu0.last_ref'));
    const read = at(
      t,
      (s) => s.actor === 'kworker/0' && s.text === 'READ_ONCE(cpu0.tsc_multiplier)' && s.index < evict,
    );
    expect(change).toBeGreaterThanOrEqual(0);
    expect(evict).toBeGreaterThan(change);
    // The multiplier it used is the slow frequency's (2), so last_ref overstates the reference.
    expect(t.steps[read]?.result).toBe('2');
    expect(t.steps.at(-1)?.actor).toBe('vcpu');
  });

  it('the patch never takes resync()’s -1 path in any of its variants (resync-never-fails is checked and holds)', () => {
    for (const v of tsc.variants.filter((x) => x.flags.code === 'patch' && x.name !== 'rule1-broken')) {
      if (v.name === 'patch-rise-guest') continue; // violated earlier by another property
      const r = check(tsc, { variant: v.name, memoryModel: 'sc' });
      expect(r.verdict, v.name).toBe('holds');
    }
  });

  it('today: each piece of the notifier is needed, and the code holds in both directions', () => {
    for (const v of ['today-request-before-store', 'today-no-ping', 'today-wrong-direction']) {
      expect(check(tsc, { variant: v, memoryModel: 'sc' }).violation?.property, v).toBe('guest-clock-not-ahead');
    }
    for (const v of ['today-rise', 'today-fall'])
      expect(check(tsc, { variant: v, memoryModel: 'sc' }).verdict).toBe('holds');
  });
});
