/**
 * The nohz-rcu model: the claims the chapter makes beyond the variants' declared verdicts
 * (which the golden test checks): the counterexamples take the route the chapter describes
 * (the device IRQ taken in the window with RCU not watching), the lockdep and noinstr
 * parameters give the verdicts the chapter states, the RCU primitives keep their grace-period
 * guarantee, and the plots measure what the chapter reads from them.
 */
import { describe, expect, it } from 'vitest';
import { defaults } from '../../src/plots/controls.ts';
import { type AccountingData, nohzRcuAccounting } from '../../src/plots/nohz-rcu-accounting.ts';
import { nohzRcuUnwatched, type UnwatchedData } from '../../src/plots/nohz-rcu-unwatched.ts';
import {
  type CheckResult,
  check,
  defineModel,
  ghost,
  instantiate,
  Kind,
  type MemoryModelName,
  ModelBuilder,
  Noinstr,
  Rcu,
  READ_ONCE,
  rcu_assign_pointer,
  rcu_dereference,
  simulate,
  type Trace,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import { MODELS } from '../../src/spec/models/index.ts';
import { type NohzCpu, nohzGhosts } from '../../src/spec/models/nohz-rcu/cpu.ts';
import { nohzRcu } from '../../src/spec/models/nohz-rcu/model.ts';
import { vcpu_enter_guest, type X86Era } from '../../src/spec/models/nohz-rcu/x86.ts';
import { chapterStates } from '../support/chapter-claims.ts';
import { checkOnce } from '../support/check-once.ts';

/** Shared with golden.test.ts and the other files of a worker (check-once.ts). */
function run(
  variant: string,
  params: Record<string, number> = {},
  memoryModel: MemoryModelName = 'relaxed',
): CheckResult {
  return checkOnce(nohzRcu, { variant, memoryModel, params });
}
/**
 * Expects the variant to hold with these parameters under relaxed: a selection a chapter shows
 * is run by the build, which fails unless the checker finds what the chapter states
 * (src/components/live-check-build.ts), so here only that it
 * states "holds"; any other is searched here.
 */
function expectHolds(variant: string, params: Record<string, number> = {}): void {
  const claimed = chapterStates('nohz-rcu', variant, 'relaxed', params);
  const what = `${variant} ${JSON.stringify(params)}`;
  if (claimed.length > 0) expect(claimed, `what the chapter states for ${what}`).toEqual(claimed.map(() => 'holds'));
  else expect(run(variant, params).verdict, what).toBe('holds');
}
const texts = (t: Trace): string[] => t.steps.map((s) => s.text);
const ghostAt = (t: Trace, step: number, name: string): number =>
  t.steps[step]?.state.ghosts.find((g) => g.name === name)?.value ?? Number.NaN;

describe('nohz-rcu model', () => {
  it('is registered, with a historical commit or a "mistake"/"counterfactual" label on every variant', () => {
    expect(MODELS).toContain(nohzRcu);
    for (const v of nohzRcu.variants) {
      const labelled = /plausible mistake|counterfactual/.test(v.description);
      expect(labelled || (v.kernel?.length ?? 0) > 0, v.name).toBe(true);
    }
  });

  const USE_AFTER_FREE = ['arm64-1b3d546daf85', 'context-exit-after-window', 'x86-v5-8'];
  it.each(USE_AFTER_FREE)(
    '%s: the shortest counterexample takes the device IRQ in the window, inside the EQS',
    (variant) => {
      for (const mm of nohzRcu.memoryModels) {
        const t = run(variant, {}, mm).counterexample as Trace;
        const steps = texts(t);
        const enable = steps.indexOf('local_irq_enable()');
        const taken = steps.indexOf('interrupt taken: device IRQ');
        expect(enable).toBeGreaterThan(steps.findIndex((s) => s.startsWith('VM exit')));
        expect(taken).toBeGreaterThan(enable);
        // At the IRQ, RCU is not watching the vCPU's CPU and the window is open.
        expect(ghostAt(t, taken, 'rcu_eqs[0]')).toBe(1);
        expect(ghostAt(t, taken, 'irq_window')).toBe(1);
        // The grace period ends while the reader is inside its critical section, then the free.
        const gp = steps.findIndex((s) => s.startsWith('synchronize_rcu(): wait until cpu0'));
        expect(gp).toBeGreaterThan(taken);
        expect(t.steps[gp]?.result ?? '').toContain('EQS');
        expect(steps.at(-1)).toBe('READ_ONCE(object 0)');
        expect(ghostAt(t, t.steps.length - 1, 'use_after_free')).toBe(1);
      }
    },
  );

  it('before 26dc129342cf (irq_enter() on every IRQ) the same order is safe: the bug was latent', () => {
    expectHolds('arm64-1b3d546daf85-irq-enter');
    expectHolds('arm64-1b3d546daf85-irq-enter', { lockdep: 1 });
  });

  it('with lockdep, the IRQ inside the EQS is reported at the interrupt, before any use-after-free', () => {
    for (const v of USE_AFTER_FREE) {
      const r = run(v, { lockdep: 1 });
      expect(r.violation?.property, v).toBe('rcu-watching-in-irq');
      const t = r.counterexample as Trace;
      expect(texts(t).at(-1)).toMatch(/^interrupt taken: /);
      expect(t.steps.length).toBeLessThan((run(v).counterexample as Trace).steps.length);
    }
    for (const v of ['arm64-8cfe148a7136', 'x86-b2d2af7e5df3', 'x86-v5-7', 'x86-87fa7f3e98a1-nohz']) {
      expectHolds(v, { lockdep: 1 });
    }
  });

  it('noinstr: the pre-2022 orders run instrumentable code in the guest context, the generic helpers do not', () => {
    const inContext = [
      'arm64-1b3d546daf85',
      'arm64-1b3d546daf85-no-nohz',
      'x86-v5-7',
      'x86-v5-8',
      'x86-87fa7f3e98a1-nohz',
      'context-exit-after-window',
    ];
    for (const v of inContext) expect(run(v, { noinstr: 1 }).violation?.property, v).toBe('noinstr');
    // x86 before 87fa7f3e98a1 (the FPU reload and the vendor run's C code after
    // guest_enter_irqoff()) and at 87fa7f3e98a1 itself (vmx_vcpu_run() not yet noinstr): the
    // instrumentable code runs before the VM entry, as in the 5.8-rc7 nohz_full report.
    for (const v of ['x86-v5-7', 'x86-v5-8', 'x86-87fa7f3e98a1-nohz']) {
      const t = run(v, { noinstr: 1 }).counterexample as Trace;
      expect(
        t.steps.some((s) => s.text.includes('VMLAUNCH')),
        v,
      ).toBe(false);
      expect(ghostAt(t, t.steps.length - 1, 'rcu_eqs[0]'), v).toBe(1);
    }
    for (const v of ['arm64-8cfe148a7136', 'x86-b2d2af7e5df3', 'x86-160457140187']) expectHolds(v, { noinstr: 1 });
  });

  it('arm64 before 8cfe148a7136, noinstr: the check fails at the post-exit syncs, before lockdep would', () => {
    const t = run('arm64-1b3d546daf85', { noinstr: 1 }).counterexample as Trace;
    // The step that fails is the VM exit with what it merges: the instrumentable vgic/PMU syncs
    // that follow it, still inside the EQS and before interrupts are unmasked.
    expect(texts(t).at(-1)).toMatch(/^VM exit/);
    expect(texts(t)).not.toContain('local_irq_enable()');
    expect(ghostAt(t, t.steps.length - 1, 'rcu_eqs[0]')).toBe(1);
    const lockdep = run('arm64-1b3d546daf85', { lockdep: 1 }).counterexample as Trace;
    expect(t.steps.length).toBeLessThan(lockdep.steps.length);
  });

  describe('x86 eras: the vCPU thread alone, in the order read at each commit', () => {
    // The vCPU's own steps, without the engine: each action's text, every result 0.
    function vcpuSteps(era: X86Era, nohzFull: boolean): string[] {
      const b = new ModelBuilder(2);
      const g = nohzGhosts(b);
      const k: NohzCpu = {
        cpu: 0,
        contextTracking: nohzFull,
        noinstr: new Noinstr(b, { name: 'guest_context' }),
        currentFlags: b.loc('current->flags'),
        rcu: new Rcu(b),
        g,
      };
      const texts: string[] = [];
      const it = vcpu_enter_guest(k, era);
      for (let r = it.next(); !r.done; r = it.next(0)) texts.push(r.value.text);
      return texts;
    }
    const EVENTS: [RegExp, string][] = [
      [/^local_irq_disable\(\)$/, 'irqs off'],
      [/^local_irq_enable\(\)$/, 'irqs on'],
      [/trace_kvm_entry/, 'trace_kvm_entry'],
      [/switch_fpu_return/, 'switch_fpu_return'],
      [/\|= PF_VCPU/, 'PF_VCPU set'],
      [/&= ~PF_VCPU/, 'PF_VCPU clear'],
      [/RCU stops watching/, 'EQS enter'],
      [/RCU watches again/, 'EQS exit'],
      [/VMLAUNCH/, 'VM entry'],
      [/^VM exit/, 'VM exit'],
      [/trace_kvm_exit/, 'trace_kvm_exit'],
      [/handle_exit_irqoff/, 'handle_exit_irqoff'],
    ];
    const events = (texts: string[]): string[] =>
      texts.flatMap((t) => EVENTS.filter(([re]) => re.test(t)).map(([, e]) => e)).filter((e, i, a) => e !== a[i - 1]);
    const READ: Record<X86Era, string[]> = {
      // The v5.7.14 copy: trace_kvm_exit() is in vmx_handle_exit(), after this pass.
      'v5.7': [
        'irqs off',
        'trace_kvm_entry',
        'PF_VCPU set',
        'EQS enter',
        'switch_fpu_return',
        'VM entry',
        'VM exit',
        'handle_exit_irqoff',
        'irqs on',
        'irqs off',
        'EQS exit',
        'PF_VCPU clear',
        'irqs on',
      ],
      // x86.c and vmx.c at 87fa7f3e98a1 with its diff reversed, and the v5.8.1 copy (x86.c blob 88c593f83b28).
      'v5.8': [
        'irqs off',
        'trace_kvm_entry',
        'PF_VCPU set',
        'EQS enter',
        'switch_fpu_return',
        'VM entry',
        'VM exit',
        'trace_kvm_exit',
        'handle_exit_irqoff',
        'irqs on',
        'irqs off',
        'EQS exit',
        'PF_VCPU clear',
        'irqs on',
      ],
      '87fa7f3e98a1': [
        'irqs off',
        'trace_kvm_entry',
        'switch_fpu_return',
        'PF_VCPU set',
        'EQS enter',
        'VM entry',
        'VM exit',
        'EQS exit',
        'PF_VCPU clear',
        'trace_kvm_exit',
        'handle_exit_irqoff',
        'irqs on',
        'irqs off',
        'irqs on',
      ],
      // vmx.c at 160457140187; x86.c as the commit's hunk and a v5.16-rc2-based copy (x86.ts).
      '160457140187': [
        'irqs off',
        'switch_fpu_return',
        'trace_kvm_entry',
        'PF_VCPU set',
        'EQS enter',
        'VM entry',
        'VM exit',
        'EQS exit',
        'trace_kvm_exit',
        'handle_exit_irqoff',
        'irqs on',
        'irqs off',
        'PF_VCPU clear',
        'irqs on',
      ],
      b2d2af7e5df3: [
        'irqs off',
        'switch_fpu_return',
        'PF_VCPU set',
        'trace_kvm_entry',
        'EQS enter',
        'VM entry',
        'VM exit',
        'EQS exit',
        'trace_kvm_exit',
        'handle_exit_irqoff',
        'irqs on',
        'irqs off',
        'PF_VCPU clear',
        'irqs on',
      ],
    };
    it.each(Object.keys(READ) as X86Era[])('%s', (era) => {
      const texts = vcpuSteps(era, true);
      expect(events(texts)).toEqual(READ[era]);
      // handle_exit_irqoff() (where VMX runs the handler of the interrupt it acknowledged on the
      // VM exit) is the step right before the window: nothing between them changes context
      // tracking or PF_VCPU, so the model's taking that interrupt in the window changes nothing.
      const h = texts.findIndex((t) => t.includes('handle_exit_irqoff'));
      expect(texts[h + 1]).toBe('local_irq_enable()');
      // Without context tracking, the same order with no EQS.
      expect(events(vcpuSteps(era, false))).toEqual(READ[era].filter((e) => !e.startsWith('EQS')));
    });
  });

  describe('variants with the same state counts', () => {
    // Different commits (or mistakes) with identical counts under every memory model. The tick
    // and device handlers and the updater depend only on nohzFull and irqEntry, so if those are
    // the same and the vCPU thread makes the same shared-memory and ghost steps, the state
    // spaces are the same, and the counts must be too: the variants differ only in
    // instrumentable code, which is no step at all at the default noinstr=0. The texts must still
    // differ, so each variant does run its own era's code (and the "x86 eras" test pins that order).
    type Variant = (typeof nohzRcu.variants)[number];
    const counts = (v: Variant) => nohzRcu.memoryModels.map((mm) => v.expect[mm]?.states).join('/');
    const groups = new Map<string, Variant[]>();
    for (const v of nohzRcu.variants) groups.set(counts(v), [...(groups.get(counts(v)) ?? []), v]);
    const same = [...groups.values()].filter((g) => g.length > 1).map((g) => g.map((v) => v.name));

    /** The vCPU thread of `variant` alone (noinstr=1, so instrumentable code shows), every choice `choice`. */
    function vcpuRun(variant: string, choice: number): { steps: string[]; texts: string[] } {
      const { instance } = instantiate(nohzRcu, variant, { noinstr: 1 });
      const body = instance.threads.find((t) => t.name === 'vcpu')?.body;
      if (!body) throw new Error(`${variant}: no vcpu thread`);
      const steps: string[] = [];
      const texts: string[] = [];
      const it = body();
      for (let r = it.next(); !r.done; ) {
        const a = r.value;
        texts.push(a.text);
        if (a.kind !== Kind.Instrumentable) steps.push(`${a.kind}:${a.a}:${a.b}:${a.order}`);
        r = it.next(a.kind === Kind.Choose ? choice : 0);
      }
      return { steps, texts };
    }

    it('the groups are the ones the chapter names', () => {
      expect(same).toEqual([
        ['arm64-8cfe148a7136', 'x86-b2d2af7e5df3'],
        ['arm64-8cfe148a7136-no-nohz', 'x86-160457140187', 'x86-b2d2af7e5df3-no-nohz'],
        ['arm64-no-isb', 'riscv-6455317e4d0d-no-nohz'],
        ['context-exit-after-window', 'x86-v5-8'],
        ['timing-exit-before-window', 'x86-87fa7f3e98a1'],
      ]);
    });

    it.each(same.map((g) => [g.join(', '), g] as const))('%s: the same steps, different code', (_, group) => {
      const vs = group.map((n) => nohzRcu.variants.find((v) => v.name === n) as Variant);
      vs.forEach((v, i) => {
        for (const w of vs.slice(i + 1)) {
          const pair = `${v.name} vs ${w.name}`;
          expect(w.flags.nohzFull, pair).toBe(v.flags.nohzFull);
          expect(w.flags.irqEntry, pair).toBe(v.flags.irqEntry);
          for (const choice of [0, 1]) {
            const a = vcpuRun(v.name, choice);
            const b = vcpuRun(w.name, choice);
            expect(b.steps, `${pair}, choice ${choice}`).toEqual(a.steps);
            expect(b.texts, `${pair}: the same code`).not.toEqual(a.texts);
          }
        }
      });
    });
  });

  it.each(['x86-87fa7f3e98a1', 'timing-exit-before-window'])(
    '%s: the tick that hits the guest finds PF_VCPU clear and is charged to the system',
    (variant) => {
      const t = run(variant).counterexample as Trace;
      const last = t.steps.length - 1;
      expect(ghostAt(t, last, 'tick_arrival')).toBe(1);
      expect(ghostAt(t, last, 'tick_charged')).toBe(2);
      const steps = texts(t);
      expect(steps.indexOf('current->flags &= ~PF_VCPU')).toBeLessThan(steps.indexOf('interrupt taken: timer tick'));
    },
  );

  it('riscv 6455317e4d0d: RCU watches in the window, nothing instrumentable runs in the guest context', () => {
    const cases: Record<string, number>[] = [{ lockdep: 1 }, { noinstr: 1 }];
    for (const params of cases) expectHolds('riscv-6455317e4d0d', params);
  });

  it("riscv 6455317e4d0d without context tracking: the tick is the system's only if the window passes without it", () => {
    const t = run('riscv-6455317e4d0d-no-nohz').counterexample as Trace;
    const steps = texts(t);
    expect(steps.some((s) => s.startsWith('no barrier:'))).toBe(true);
    expect(steps.indexOf('current->flags &= ~PF_VCPU')).toBeLessThan(steps.indexOf('interrupt taken: timer tick'));
    expect(ghostAt(t, t.steps.length - 1, 'tick_in_window')).toBe(0);
  });

  it('arm64 without isb(): the tick is charged to the system only when the unmask is not seen in the window', () => {
    const t = run('arm64-no-isb').counterexample as Trace;
    const steps = texts(t);
    expect(steps.some((s) => s.startsWith('no isb()'))).toBe(true);
    expect(steps.indexOf('current->flags &= ~PF_VCPU')).toBeLessThan(steps.indexOf('interrupt taken: timer tick'));
  });
});

describe('Rcu primitives', () => {
  // The grace-period guarantee in its litmus form (RCU-deferred-free): a reader that sees the
  // old pointer cannot see the old object freed; without the grace period it can.
  const gpModel = (withGp: boolean) =>
    defineModel<Record<string, never>>({
      name: withGp ? 'rcu-gp' : 'rcu-no-gp',
      title: 'grace period',
      source: 'test/models/nohz-rcu.test.ts',
      memoryModels: ['sc', 'tso', 'relaxed'],
      defaultMemoryModel: 'relaxed',
      cpus: () => 2,
      variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
      setup(b) {
        const rcu = new Rcu(b);
        const gp = b.loc('gp');
        const obj = [b.loc('obj0', 1), b.loc('obj1')];
        const bad = b.ghost('bad');
        b.thread('reader', { cpu: 0 }, function* () {
          yield* rcu.rcu_read_lock(0);
          const p = yield* rcu_dereference(gp);
          const v = yield* READ_ONCE(obj[p] as (typeof obj)[0]);
          if (v === 2) yield* ghost(bad, 1);
          yield* rcu.rcu_read_unlock(0);
        });
        b.thread('updater', { cpu: 1 }, function* () {
          yield* WRITE_ONCE(obj[1] as (typeof obj)[0], 1);
          yield* rcu_assign_pointer(gp, 1);
          if (withGp) yield* rcu.synchronize_rcu(1);
          yield* WRITE_ONCE(obj[0] as (typeof obj)[0], 2);
        });
        b.always('no-use-after-free', 'reader never sees a freed object', (s) => s.ghost(bad) === 0);
      },
    });
  it.each(['sc', 'tso', 'relaxed'] as const)('under %s: forbidden with synchronize_rcu(), allowed without', (mm) => {
    expect(check(gpModel(true), { memoryModel: mm }).verdict).toBe('holds');
    expect(check(gpModel(false), { memoryModel: mm }).verdict).toBe('violated');
  });

  it('a CPU in an EQS is quiescent: a reader started there is not waited for, and is recorded as illegal', () => {
    const m = defineModel<Record<string, never>>({
      name: 'rcu-eqs',
      title: 'eqs',
      source: 'test/models/nohz-rcu.test.ts',
      memoryModels: ['sc'],
      defaultMemoryModel: 'sc',
      cpus: () => 2,
      variants: [{ name: 'v', description: 'v', flags: {}, expect: {} }],
      setup(b) {
        const rcu = new Rcu(b, { eqsAtStart: [0] });
        const freed = b.loc('freed');
        const bad = b.ghost('bad');
        b.thread('reader', { cpu: 0 }, function* () {
          yield* rcu.rcu_read_lock(0);
          if ((yield* READ_ONCE(freed)) === 1) yield* ghost(bad, 1);
          yield* rcu.rcu_read_unlock(0);
        });
        b.thread('updater', { cpu: 1 }, function* () {
          yield* rcu.synchronize_rcu(1);
          yield* WRITE_ONCE(freed, 1);
        });
        b.always('no-use-after-free', 'reader never sees freed', (s) => s.ghost(bad) === 0);
        b.always('legal', 'no reader in an EQS', (s) => s.ghost(rcu.illegal) === 0);
      },
    });
    const r = check(m);
    expect(r.violation?.property).toBe('legal');
  });
});

describe('nohz-rcu plots', () => {
  it('unwatched: IRQs inside the EQS only with the old orders, more often at higher rates', () => {
    const values = { ...defaults(nohzRcuUnwatched.controls), runs: 100 };
    const data = nohzRcuUnwatched.measure((o) => simulate(nohzRcu, o), values, {
      model: nohzRcu,
      check,
      simulate,
    }) as UnwatchedData;
    const series = (label: string) => data.points.filter((p) => p.ordering === label).map((p) => p.unwatched);
    const [old, mistake, arm64, x86] = [
      'arm64 before 8cfe148a7136',
      'context exit after the window (mistake)',
      'arm64 since 8cfe148a7136',
      'x86 since b2d2af7e5df3',
    ].map(series);
    expect(arm64?.every((x) => x === 0)).toBe(true);
    expect(x86?.every((x) => x === 0)).toBe(true);
    expect((old?.at(-1) ?? 0) > 0.9).toBe(true);
    expect((mistake?.at(-1) ?? 0) > 0.9).toBe(true);
    expect((old?.[0] ?? 1) < (old?.at(-1) ?? 0)).toBe(true);
    // Same seed, same data.
    expect(nohzRcuUnwatched.measure((o) => simulate(nohzRcu, o), values, { model: nohzRcu, check, simulate })).toEqual(
      data,
    );
  });

  it('accounting: x86 87fa7f3e98a1 measures no guest time at all; the fixed orders track the true guest time', () => {
    const values = { ...defaults(nohzRcuAccounting.controls), runs: 200 };
    const data = nohzRcuAccounting.measure((o) => simulate(nohzRcu, o), values, {
      model: nohzRcu,
      check,
      simulate,
    }) as AccountingData;
    const of = (label: string) => data.points.filter((p) => p.ordering.startsWith(label));
    expect(of('x86 87fa7f3e98a1').every((p) => p.measuredGuestUs === 0)).toBe(true);
    for (const label of ['x86 160457140187', 'x86 since b2d2af7e5df3', 'arm64 since 8cfe148a7136']) {
      for (const p of of(label)) expect(Math.abs(p.measuredGuestUs - p.trueGuestUs), label).toBeLessThan(2);
      // Slightly above the diagonal on average: ticks raised on the exit path count as guest time.
      const bias = of(label).reduce((a, p) => a + p.measuredGuestUs - p.trueGuestUs, 0) / of(label).length;
      expect(bias, label).toBeGreaterThan(0);
    }
  });
});
