/**
 * nohz_full and RCU at guest entry and exit: the model behind the nohz-rcu chapter.
 *
 * CPU 0 runs the vCPU task: one pass of the architecture's run loop, from local_irq_disable()
 * to local_irq_enable() (arm.ts, x86.ts). On a nohz_full CPU guest mode is an RCU extended
 * quiescent state, entered and left by context tracking (context_tracking.ts, kvm_host.ts).
 * Two interrupt sources (engine irq_source) raise one interrupt each on CPU 0 at any moment: a
 * timer tick, whose handler accounts the tick (vtime.ts), and a device interrupt whose handler
 * is an RCU reader (driver.ts). CPU 1 runs the updater: it publishes a new object, waits for a
 * grace period with synchronize_rcu(), and frees the old one. The interrupt entry policy
 * (entry_common.ts) decides whether an interrupt taken inside the EQS makes RCU watch again.
 *
 * Properties: no reader uses freed memory (RCU's guarantee, observable); a tick that arrives
 * while the guest runs is charged to the guest, one that arrives after the pass is not; with the
 * `lockdep` parameter, no handler begins while RCU is not watching (what lockdep-RCU reports
 * first); with `noinstr`, no instrumentable step between context enter and exit.
 */
import {
  defineModel,
  type Expectation,
  type Ghost,
  ghost,
  ghost_read,
  irq_source,
  type KernelRef,
  Noinstr,
  Rcu,
} from '../../engine/index.ts';
import { type Arm64Flags, kvm_arch_vcpu_ioctl_run, kvm_arch_vcpu_ioctl_run_v5_10 } from './arm.ts';
import { CHARGED_GUEST, CHARGED_SYSTEM, type NohzCpu, nohzGhosts, PHASE_GUEST, PHASE_LEFT } from './cpu.ts';
import { device_irq_handler, formatObj, OBJ_LIVE, rcu_updater, tick_handler } from './driver.ts';
import type { IrqEntryPolicy } from './entry_common.ts';
import { kvm_arch_vcpu_ioctl_run_riscv } from './riscv.ts';
import { vcpu_enter_guest, type X86Era } from './x86.ts';

export interface NohzFlags {
  readonly arch: 'arm64' | 'x86' | 'riscv';
  readonly arm64?: Arm64Flags;
  readonly x86?: X86Era;
  /** The vCPU's CPU is nohz_full: context tracking (and vtime accounting) run there. */
  readonly nohzFull: boolean;
  /** How an interrupt taken from kernel mode treats RCU (entry_common.ts). */
  readonly irqEntry: IrqEntryPolicy;
}

export const TICK_VECTOR = 2;
export const DEVICE_VECTOR = 3;

const holds = (states: number): Expectation => ({ verdict: 'holds', states });
const uaf = (states: number): Expectation => ({ verdict: 'violated', property: 'no-use-after-free', states });
const misaccounted = (states: number): Expectation => ({ verdict: 'violated', property: 'tick-accounting', states });

const REF: Record<string, KernelRef> = {
  '1b3d546daf85': { ref: '1b3d546daf85', subject: 'arm/arm64: KVM: Properly account for guest CPU time' },
  '8cfe148a7136': { ref: '8cfe148a7136', subject: 'kvm/arm64: rework guest entry logic' },
  '26dc129342cf': { ref: '26dc129342cf', subject: 'irq: arm64: perform irqentry in entry code' },
  ef9989afda73: { ref: 'ef9989afda73', subject: 'kvm: add guest_state_{enter,exit}_irqoff()' },
  'v5.7': {
    ref: 'v5.7',
    subject: 'x86 IRQ entry do_IRQ() → entering_irq() → irq_enter() (read in a v5.7.14 copy)',
    url: 'https://github.com/torvalds/linux/blob/v5.7/arch/x86/kernel/irq.c',
  },
  'v5.8': {
    ref: 'v5.8',
    subject: 'x86 IRQ entry idtentry_enter_cond_rcu() (read in a v5.8.1 copy, blob f09288431f28)',
    url: 'https://github.com/torvalds/linux/blob/v5.8/arch/x86/entry/common.c',
  },
  '0bf3924bfabd': { ref: '0bf3924bfabd', subject: 'x86/entry: Force rcu_irq_enter() when in idle task' },
  '87fa7f3e98a1': { ref: '87fa7f3e98a1', subject: 'x86/kvm: Move context tracking where it belongs' },
  '160457140187': { ref: '160457140187', subject: "KVM: x86: Defer vtime accounting 'til after IRQ handling" },
  bc908e091b32: { ref: 'bc908e091b32', subject: 'KVM: x86: Consolidate guest enter/exit logic to common helpers' },
  b2d2af7e5df3: { ref: 'b2d2af7e5df3', subject: 'kvm/x86: rework guest entry logic' },
  '6455317e4d0d': { ref: '6455317e4d0d', subject: 'kvm/riscv: rework guest entry logic' },
};
const refs = (...names: string[]): KernelRef[] => names.map((n) => REF[n] as KernelRef);

const ARM64_NEW: NohzFlags = {
  arch: 'arm64',
  arm64: { era: '8cfe148a7136' },
  nohzFull: true,
  irqEntry: 'irqentry_enter',
};
const ARM64_OLD: NohzFlags = {
  arch: 'arm64',
  arm64: { era: '1b3d546daf85' },
  nohzFull: true,
  irqEntry: 'irqentry_enter',
};
const x86 = (era: X86Era, nohzFull: boolean, irqEntry: IrqEntryPolicy = 'irqentry_enter'): NohzFlags => ({
  arch: 'x86',
  x86: era,
  nohzFull,
  irqEntry,
});

export const nohzRcu = defineModel<NohzFlags>({
  name: 'nohz-rcu',
  title: 'nohz_full and RCU at guest entry/exit',
  source: 'src/spec/models/nohz-rcu/model.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'relaxed',
  cpus: () => 2,
  params: [
    {
      name: 'lockdep',
      description: 'CONFIG_PROVE_RCU: also report any handler that begins while RCU is not watching (0 or 1)',
      min: 0,
      max: 1,
      default: 0,
    },
    {
      name: 'noinstr',
      description: 'also report instrumentable code between guest context enter and exit (0 or 1)',
      min: 0,
      max: 1,
      default: 0,
    },
  ],
  variants: [
    {
      name: 'arm64-8cfe148a7136',
      description: 'arm64 since 8cfe148a7136, nohz_full: context exit, then the IRQ window, then timing exit',
      flags: ARM64_NEW,
      kernel: refs('8cfe148a7136', 'ef9989afda73'),
      expect: { sc: holds(3098), tso: holds(5302), relaxed: holds(79505) },
    },
    {
      name: 'arm64-1b3d546daf85',
      description:
        'arm64 before 8cfe148a7136 (order of 1b3d546daf85), nohz_full, v5.16 IRQ entry: IRQs on inside the EQS',
      flags: ARM64_OLD,
      kernel: refs('1b3d546daf85', '26dc129342cf'),
      expect: { sc: uaf(2630), tso: uaf(4248), relaxed: uaf(44320) },
    },
    {
      name: 'arm64-1b3d546daf85-irq-enter',
      description: 'the same order before 26dc129342cf: handle_domain_irq() → irq_enter() woke RCU, the bug was latent',
      flags: { ...ARM64_OLD, irqEntry: 'irq_enter' },
      kernel: refs('1b3d546daf85', '26dc129342cf'),
      expect: { sc: holds(3610), tso: holds(5617), relaxed: holds(114142) },
    },
    {
      name: 'arm64-1b3d546daf85-no-nohz',
      description: 'the same order on a CPU without context tracking (tick-based accounting): RCU is never ignored',
      flags: { ...ARM64_OLD, nohzFull: false },
      kernel: refs('1b3d546daf85'),
      expect: { sc: holds(2353), tso: holds(4651), relaxed: holds(20250) },
    },
    {
      name: 'arm64-8cfe148a7136-no-nohz',
      description:
        'arm64 since 8cfe148a7136 without context tracking: ticks from the guest are charged to it (the steps, so the counts, of x86 160457140187 and b2d2af7e5df3 without it)',
      flags: { ...ARM64_NEW, nohzFull: false },
      kernel: refs('8cfe148a7136'),
      expect: { sc: holds(3077), tso: holds(6418), relaxed: holds(27556) },
    },
    {
      name: 'arm64-no-isb',
      description:
        'plausible mistake: the 8cfe148a7136 window without isb(), so the pending tick may be taken too late (the steps, so the counts, of riscv without nohz_full)',
      flags: { ...ARM64_NEW, arm64: { era: '8cfe148a7136', noIsb: true }, nohzFull: false },
      expect: { sc: misaccounted(698), tso: misaccounted(1705), relaxed: misaccounted(1804) },
    },
    {
      name: 'context-exit-after-window',
      description:
        'plausible mistake: guest_state_exit_irqoff() after the IRQ window (arm64 order otherwise): the steps, so the counts, of x86 v5.8',
      flags: { ...ARM64_NEW, arm64: { era: '8cfe148a7136', contextExitAfterWindow: true } },
      expect: { sc: uaf(2613), tso: uaf(4602), relaxed: uaf(41043) },
    },
    {
      name: 'timing-exit-before-window',
      description:
        'plausible mistake: guest_timing_exit_irqoff() before the IRQ window (tick-based accounting): the steps, so the counts, of x86 87fa7f3e98a1',
      flags: { ...ARM64_NEW, arm64: { era: '8cfe148a7136', timingExitBeforeWindow: true }, nohzFull: false },
      expect: { sc: misaccounted(454), tso: misaccounted(1158), relaxed: misaccounted(1122) },
    },
    {
      name: 'x86-v5-7',
      description: 'x86 v5.7 (before 87fa7f3e98a1), nohz_full: the window inside the EQS, but irq_enter() woke RCU',
      flags: x86('v5.7', true, 'irq_enter'),
      kernel: refs('v5.7', '87fa7f3e98a1'),
      expect: { sc: holds(3851), tso: holds(6436), relaxed: holds(113134) },
    },
    {
      name: 'x86-v5-8',
      description:
        'x86 v5.8, nohz_full: the same order, but idtentry_enter_cond_rcu() (0bf3924bfabd) wakes RCU only in the idle task',
      flags: x86('v5.8', true),
      kernel: refs('v5.8', '0bf3924bfabd', '87fa7f3e98a1'),
      expect: { sc: uaf(2613), tso: uaf(4602), relaxed: uaf(41043) },
    },
    {
      name: 'x86-87fa7f3e98a1',
      description: 'x86 87fa7f3e98a1 to 160457140187, tick-based accounting: guest time always 0 (bugzilla 209831)',
      flags: x86('87fa7f3e98a1', false),
      kernel: refs('87fa7f3e98a1', '160457140187'),
      expect: { sc: misaccounted(454), tso: misaccounted(1158), relaxed: misaccounted(1122) },
    },
    {
      name: 'x86-87fa7f3e98a1-nohz',
      description: 'x86 87fa7f3e98a1 on nohz_full: RCU watches before the window, vtime does the accounting',
      flags: x86('87fa7f3e98a1', true),
      kernel: refs('87fa7f3e98a1'),
      expect: { sc: holds(2999), tso: holds(5201), relaxed: holds(71044) },
    },
    {
      name: 'x86-160457140187',
      description:
        'x86 v5.13 to v5.16 (160457140187, bc908e091b32), tick-based: vtime exit deferred after the window (PF_VCPU set after trace_kvm_entry(); b2d2af7e5df3 sets it before, with IRQs off in both: the same counts)',
      flags: x86('160457140187', false),
      kernel: refs('160457140187', 'bc908e091b32'),
      expect: { sc: holds(3077), tso: holds(6418), relaxed: holds(27556) },
    },
    {
      name: 'x86-b2d2af7e5df3',
      description:
        "x86 since b2d2af7e5df3, nohz_full: the generic helpers, in arm64's order (the same counts as arm64)",
      flags: x86('b2d2af7e5df3', true),
      kernel: refs('b2d2af7e5df3', 'ef9989afda73'),
      expect: { sc: holds(3098), tso: holds(5302), relaxed: holds(79505) },
    },
    {
      name: 'x86-b2d2af7e5df3-no-nohz',
      description:
        'x86 since b2d2af7e5df3 without context tracking: ticks from the guest are charged to it (the steps, so the counts, of 160457140187)',
      flags: x86('b2d2af7e5df3', false),
      kernel: refs('b2d2af7e5df3'),
      expect: { sc: holds(3077), tso: holds(6418), relaxed: holds(27556) },
    },
    {
      name: 'riscv-6455317e4d0d',
      description: 'riscv since 6455317e4d0d, nohz_full: the generic helpers, and a window with no barrier',
      flags: { arch: 'riscv', nohzFull: true, irqEntry: 'irqentry_enter' },
      kernel: refs('6455317e4d0d', 'ef9989afda73'),
      expect: { sc: holds(3557), tso: holds(6186), relaxed: holds(96025) },
    },
    {
      name: 'riscv-6455317e4d0d-no-nohz',
      description:
        "riscv since 6455317e4d0d, tick-based: if the window passes without the pending tick, it is the system's",
      flags: { arch: 'riscv', nohzFull: false, irqEntry: 'irqentry_enter' },
      kernel: refs('6455317e4d0d'),
      expect: { sc: misaccounted(698), tso: misaccounted(1705), relaxed: misaccounted(1804) },
    },
  ],
  setup(b, flags, params) {
    const VCPU_CPU = 0;
    const UPDATER_CPU = 1;
    const rcu = new Rcu(b);
    const currentFlags = b.loc('current->flags', 0, (v) => (v & 1 ? 'PF_VCPU' : '0'));
    const gp = b.loc('gp', 0, (v) => `object ${v}`);
    const obj: [typeof gp, typeof gp] = [b.loc('object 0', OBJ_LIVE, formatObj), b.loc('object 1', 0, formatObj)];
    const g = nohzGhosts(b);
    const k: NohzCpu = {
      cpu: VCPU_CPU,
      contextTracking: flags.nohzFull,
      noinstr: new Noinstr(b, { name: 'guest_context', check: params.noinstr === 1 }),
      currentFlags,
      rcu,
      g,
    };
    const updaterSide: NohzCpu = { ...k, cpu: UPDATER_CPU };
    const data = { gp, obj };

    // #region nohz-threads
    b.thread('vcpu', { cpu: VCPU_CPU }, function* () {
      if (flags.arch === 'x86') yield* vcpu_enter_guest(k, flags.x86 ?? 'b2d2af7e5df3');
      else if (flags.arch === 'riscv') yield* kvm_arch_vcpu_ioctl_run_riscv(k);
      else if (flags.arm64?.era === '1b3d546daf85') yield* kvm_arch_vcpu_ioctl_run_v5_10(k);
      else yield* kvm_arch_vcpu_ioctl_run(k, flags.arm64 ?? { era: '8cfe148a7136' });
    });
    b.thread('updater', { cpu: UPDATER_CPU }, () => rcu_updater(updaterSide, data, UPDATER_CPU));
    irq_source(b, {
      name: 'timer tick',
      vector: TICK_VECTOR,
      cpu: VCPU_CPU,
      sourceCpu: UPDATER_CPU,
      handler: () => tick_handler(k, flags.irqEntry),
      *onRaise() {
        yield* ghost(g.tickArrival, yield* ghost_read(g.phase));
      },
    });
    irq_source(b, {
      name: 'device IRQ',
      vector: DEVICE_VECTOR,
      cpu: VCPU_CPU,
      sourceCpu: UPDATER_CPU,
      handler: () => device_irq_handler(k, data, flags.irqEntry),
    });
    // #endregion nohz-threads

    // #region nohz-properties
    const is = (x: Ghost, v: number) => (s: { ghost(g: Ghost): number }) => s.ghost(x) === v;
    b.always('no-use-after-free', 'no RCU reader reads an object after synchronize_rcu() let it be freed', (s) =>
      is(g.useAfterFree, 0)(s),
    );
    b.always(
      'tick-accounting',
      'a tick raised while the guest runs is charged to the guest; one raised after the pass, to the system',
      (s) => {
        const arrival = s.ghost(g.tickArrival);
        const charged = s.ghost(g.tickCharged);
        if (arrival === PHASE_GUEST && charged === CHARGED_SYSTEM) return false;
        return !(arrival === PHASE_LEFT && charged === CHARGED_GUEST);
      },
    );
    if (params.lockdep === 1) {
      b.always(
        'rcu-watching-in-irq',
        'no interrupt handler begins, and no reader starts, while RCU is not watching the CPU (lockdep-RCU)',
        (s) => is(g.irqUnwatched, 0)(s) && is(rcu.illegal, 0)(s),
      );
    }
    if (params.noinstr === 1) {
      b.always(
        'noinstr',
        'no instrumentable step between guest context enter and guest context exit',
        is(k.noinstr.violated, 0),
      );
    }
    b.sometimes('gp-in-guest', 'a grace period completes while the vCPU is in the guest', is(g.gpInGuest, 1));
    b.sometimes('tick-in-window', 'the tick is taken in the IRQ window after the VM exit', is(g.tickInWindow, 1));
    b.sometimes('device-irq-in-window', 'the device interrupt is taken in the IRQ window', is(g.deviceInWindow, 1));
    // #endregion nohz-properties
  },
});
