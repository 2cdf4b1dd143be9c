/**
 * vCPU requests and kicks: the model behind the requests chapter.
 *
 * Threads: one vCPU task per vCPU, looping over vcpu_run_once(); one sender per requester,
 * making its request of every vCPU once and kicking it. pCPUs: one per vCPU and per sender,
 * plus a spare one when vCPUs may migrate. The properties are the promises of
 * Documentation/virt/kvm/vcpu-requests.rst ("Ensuring Requests Are Seen").
 */
import {
  CALL_FUNCTION_VECTOR,
  defineModel,
  type Expectation,
  type Ghost,
  ghost,
  type KernelRef,
  type Loc,
  type ModelBuilder,
  type Op,
  READ_ONCE,
  RESCHEDULE_VECTOR,
  type StateView,
  send_ipi,
  test_and_set_bit,
  WRITE_ONCE,
} from '../../engine/index.ts';
import {
  __kvm_make_request,
  IN_GUEST_MODE,
  KVM_REQ_TEST,
  KVM_REQUEST_NO_WAKEUP,
  KVM_REQUEST_WAIT,
  type KvmVcpu,
  MODE_NAMES,
  TASK_INTERRUPTIBLE,
} from './kvm_host.ts';
import {
  kvm_make_all_cpus_request,
  kvm_make_all_cpus_request_v4_11,
  kvm_vcpu_kick,
  kvm_vcpu_wake_up,
  type SenderFlags,
} from './kvm_main.ts';
import { type VcpuFlags, type VcpuGhosts, vcpu_run_once } from './vcpu_run.ts';

export interface RequestsFlags extends VcpuFlags, SenderFlags {
  /** What the sender publishes before it kicks. */
  readonly signal: 'request' | 'event' | 'pause' | 'posted-interrupt' | 'tlb-flush';
  /** kvm_make_request() + kvm_vcpu_kick() per vCPU, or kvm_make_all_cpus_request(). */
  readonly sender: 'kick' | 'all-cpus';
  /** KVM_REQUEST_WAIT / KVM_REQUEST_NO_WAKEUP for kvm_make_all_cpus_request(). */
  readonly requestFlags: number;
  /** Kick first, make the request afterwards (a plausible mistake). */
  readonly requestAfterKick: boolean;
  /** At least this many requesters, whatever the `requesters` parameter says. */
  readonly minRequesters: number;
  /** Before b95234c84004: vmx_deliver_posted_interrupt() also makes KVM_REQ_EVENT, and kicks if ON was already set. */
  readonly piRequest: boolean;
  /** The pause sender is v4.11's kvm_arm_halt_guest() with that era's kvm_make_all_cpus_request(). */
  readonly v411Sender: boolean;
}

const X86: RequestsFlags = {
  arch: 'x86',
  modeStore: 'kernel',
  checkRequests: true,
  checkPause: false,
  checkBeforeIrqsOff: false,
  modeAfterCheck: false,
  piSync: 'none',
  migrate: false,
  halt: false,
  shadowWalk: false,
  event: false,
  requesterBarrier: true,
  exitingMode: true,
  cpuReadFirst: false,
  waitCountsShadowWalk: true,
  signal: 'request',
  sender: 'kick',
  requestFlags: 0,
  requestAfterKick: false,
  minRequesters: 1,
  piRequest: false,
  v411Sender: false,
  xferWorkCheck: true,
};
const ARM64: RequestsFlags = { ...X86, arch: 'arm64' };

const LKML_2017 = 'https://lore.kernel.org/kvm/?q=kvm-req.promela';
const PAOLO_2017: KernelRef = {
  ref: 'kvm list, 5 April 2017, Paolo Bonzini to Christoffer Dall',
  subject: 'Spin models kvm-req.promela, kvm-arm-pause.promela, kvm-x86-pi.promela',
  url: LKML_2017,
};
const DOC: KernelRef = {
  ref: 'Documentation/virt/kvm/vcpu-requests.rst',
  subject: 'Ensuring Requests Are Seen',
  url: 'https://github.com/torvalds/linux/blob/v6.12/Documentation/virt/kvm/vcpu-requests.rst',
};
const commit = (id: string, subject: string): KernelRef => ({
  ref: id,
  subject,
  url: `https://github.com/torvalds/linux/commit/${id}`,
});

const FIX_85B6 = commit(
  '85b640450ddcfa09cf72771b69a9c3daf0ddc772',
  'KVM: Clean up benign vcpu->cpu data races when kicking vCPUs',
);
const PI_B952 = commit(
  'b95234c840045b7c72380fd14c59416af28fcb02',
  'kvm: x86: do not use KVM_REQ_EVENT for APICv interrupt injection',
);
// Full hash and subject from the Fixes: line of b49defe83659 ("kvm: avoid unused variable warning
// for UP builds", Paolo Bonzini, 30 June 2017); Arnd Bergmann's report of the same warning (July
// 2017, Fixes: 7a97cec26b94) shows this commit gave kvm_make_all_cpus_request() its
// `wait = req & KVM_REQUEST_WAIT`. The commit's own diff and author were not read.
// Read at v6.12 (kvm_vcpu_block(): prepare_to_rcuwait(), then set_current_state(TASK_INTERRUPTIBLE),
// kvm_vcpu_check_block() and schedule() in a loop, then finish_rcuwait(); the wake-up and kick as
// kvm_main.ts has them). Left out: the preempt_disable() pairs around kvm_arch_vcpu_blocking() +
// prepare_to_rcuwait() and finish_rcuwait() + kvm_arch_vcpu_unblocking() (they keep SVM's AVIC
// hooks, which are not modelled, from being preempted), halt polling in kvm_vcpu_halt(), and
// kvm_vcpu_check_block()'s other wake conditions (a pending timer, a signal).
const HALT_V6_12: KernelRef = {
  ref: 'v6.12',
  subject: 'virt/kvm/kvm_main.c: kvm_vcpu_block(), kvm_vcpu_wake_up(), kvm_vcpu_kick()',
  url: 'https://github.com/torvalds/linux/blob/v6.12/virt/kvm/kvm_main.c',
};
const WAIT_7A97 = commit('7a97cec26b94c909f4cbad2dc3186af3e457a522', 'KVM: mark requests that need synchronization');
const V4_11_ARM: KernelRef = {
  ref: 'v4.11',
  subject: 'arch/arm/kvm/arm.c: kvm_arch_vcpu_ioctl_run(), kvm_arm_halt_guest()',
  url: 'https://github.com/torvalds/linux/blob/v4.11/arch/arm/kvm/arm.c',
};
// Read in a stored v4.11/v4.12-era copy of arch/arm/kvm/arm.c (run->immediate_exit and
// KVM_CAP_ARM_USER_IRQ, both new in v4.11; no KVM_REQ_SLEEP, which the v4.13 rework added):
// kvm_arm_halt_guest() and kvm_arch_vcpu_ioctl_run() as modelled, no barrier after the store of
// IN_GUEST_MODE. kvm_make_all_cpus_request()'s smp_mb__after_atomic() ("Set ->requests bit
// before we read ->mode") was seen only in derivatives of that code, not in an upstream v4.11
// copy; the kvm-arm-pause-v4-11 verdict does not depend on it (violated under SC).
const V4_11_MAIN: KernelRef = {
  ref: 'v4.11',
  subject: 'virt/kvm/kvm_main.c: kvm_make_all_cpus_request() (its smp_mb__after_atomic() not seen in an upstream copy)',
  url: 'https://github.com/torvalds/linux/blob/v4.11/virt/kvm/kvm_main.c',
};
const ARM_REWORK_2017: KernelRef = {
  ref: 'v4.13',
  subject:
    'KVM/ARM vcpu requests rework (Andrew Jones, Christoffer Dall): smp_store_mb(vcpu->mode, IN_GUEST_MODE) before the final check',
  url: 'https://github.com/torvalds/linux/blob/v4.13/virt/kvm/arm/arm.c',
};
/** One commit of that series, read from its commit page; the one that added smp_store_mb() was not identified. */
const ARM_REWORK_IRQ = commit(
  '325f9c649c8a4e447e4d3babacc7a60b75012d5d',
  'KVM: arm/arm64: use vcpu requests for irq injection',
);

const holds = (states: number): Expectation => ({ verdict: 'holds', states });
const lost = (states: number, property = 'no-lost-request'): Expectation => ({ verdict: 'violated', property, states });

export const requests = defineModel<RequestsFlags>({
  name: 'requests',
  title: 'vCPU requests and kicks',
  source: 'src/spec/models/requests/model.ts',
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'tso',
  params: [
    { name: 'vcpus', description: 'number of vCPUs', min: 1, max: 3, default: 1 },
    { name: 'requesters', description: 'number of threads making requests', min: 1, max: 4, default: 1 },
    {
      name: 'timer',
      description: '1: the guest may also exit on a timer tick, not only on an IPI (for timed simulation)',
      min: 0,
      max: 1,
      default: 0,
    },
  ],
  // One pCPU per vCPU and per requester (at least two requester slots: some variants fix two),
  // plus the spare one a migrating vCPU moves to.
  cpus: (p) => (p.vcpus as number) + Math.max(p.requesters as number, 2) + 1,
  variants: [
    {
      name: 'correct-x86',
      description:
        'x86 vcpu_enter_guest() (v6.12): smp_store_release + smp_mb__after_srcu_read_unlock, check with IRQs off',
      flags: X86,
      kernel: [DOC],
      expect: { sc: holds(332), tso: holds(468), relaxed: holds(1065) },
    },
    {
      name: 'correct-arm64',
      description:
        'arm64 kvm_arch_vcpu_ioctl_run() (v6.12): smp_store_mb(vcpu->mode, IN_GUEST_MODE), check with IRQs off',
      flags: ARM64,
      kernel: [DOC],
      expect: { sc: holds(239), tso: holds(306), relaxed: holds(583) },
    },
    {
      name: 'no-vcpu-barrier',
      description: 'plausible mistake: IN_GUEST_MODE stored with no barrier before the final request check',
      flags: { ...X86, modeStore: 'no-barrier' },
      expect: { sc: holds(304), tso: lost(282), relaxed: lost(238) },
    },
    {
      name: 'no-requester-barrier',
      description:
        "plausible mistake: no smp_mb__before_atomic() before the cmpxchg; kvm_vcpu_kick() still has rcuwait_wake_up()'s smp_mb()",
      flags: { ...ARM64, requesterBarrier: false },
      expect: { sc: holds(220), tso: holds(282), relaxed: holds(527) },
    },
    {
      name: 'no-requester-barrier-no-wakeup',
      description:
        'plausible mistake: no smp_mb__before_atomic(), on the KVM_REQUEST_NO_WAKEUP path that skips kvm_vcpu_wake_up()',
      flags: { ...ARM64, requesterBarrier: false, sender: 'all-cpus', requestFlags: KVM_REQUEST_NO_WAKEUP },
      expect: { sc: holds(170), tso: holds(217), relaxed: lost(90) },
    },
    {
      name: 'check-before-irqs-off',
      description:
        'plausible mistake: mode set and requests checked before local_irq_disable(): the kick IPI is taken too early',
      flags: { ...X86, checkBeforeIrqsOff: true },
      kernel: [DOC],
      expect: { sc: lost(294), tso: lost(391), relaxed: lost(592) },
    },
    {
      name: 'request-less-kick',
      description:
        'plausible mistake: the sender publishes state and kicks without a request; nothing re-checks it after IN_GUEST_MODE',
      flags: { ...X86, signal: 'event', event: true },
      kernel: [DOC],
      expect: { sc: lost(185), tso: lost(226), relaxed: lost(275) },
    },
    {
      name: 'request-after-kick',
      description: 'plausible mistake: the kick is sent before the request is made',
      flags: { ...X86, requestAfterKick: true },
      kernel: [FIX_85B6],
      expect: { sc: lost(151), tso: lost(162), relaxed: lost(184) },
    },
    {
      name: 'kvm-req',
      description:
        "Paolo Bonzini's kvm-req.promela (2017, re-derived): requests checked after IN_GUEST_MODE with IRQs off",
      flags: { ...X86, modeStore: 'plain+mb' },
      kernel: [PAOLO_2017],
      expect: { sc: holds(332), tso: holds(468), relaxed: holds(1068) },
    },
    {
      name: 'kvm-req-no-check',
      description: 'kvm-req.promela with its bug #define (re-derived): no request check in the IRQs-off region',
      flags: { ...X86, modeStore: 'plain+mb', checkRequests: false },
      kernel: [PAOLO_2017],
      expect: { sc: lost(164), tso: lost(175), relaxed: lost(250) },
    },
    {
      name: 'kvm-arm-pause',
      description:
        "kvm-arm-pause.promela (re-derived): pause re-checked after IN_GUEST_MODE + smp_mb, the order of the 2017 rework, not v4.11's",
      flags: {
        ...ARM64,
        xferWorkCheck: false,
        modeStore: 'plain+mb',
        checkRequests: false,
        checkPause: true,
        signal: 'pause',
        sender: 'all-cpus',
      },
      kernel: [PAOLO_2017, ARM_REWORK_2017, ARM_REWORK_IRQ],
      expect: { sc: holds(206), tso: holds(333), relaxed: holds(465) },
    },
    {
      name: 'kvm-arm-pause-v4-11',
      description:
        'v4.11 arch/arm/kvm/arm.c: pause checked with IRQs off, then vcpu->mode = IN_GUEST_MODE with no barrier',
      flags: {
        ...ARM64,
        xferWorkCheck: false,
        modeStore: 'no-barrier',
        modeAfterCheck: true,
        checkRequests: false,
        checkPause: true,
        signal: 'pause',
        sender: 'all-cpus',
        v411Sender: true,
      },
      kernel: [V4_11_ARM, V4_11_MAIN, PAOLO_2017],
      expect: { sc: lost(114), tso: lost(149), relaxed: lost(176) },
    },
    {
      name: 'kvm-arm-pause-no-check',
      description: 'kvm-arm-pause.promela with its bug #define (re-derived): pause not re-checked with IRQs off',
      flags: {
        ...ARM64,
        modeStore: 'plain+mb',
        checkRequests: false,
        checkPause: false,
        signal: 'pause',
        sender: 'all-cpus',
      },
      kernel: [PAOLO_2017],
      expect: { sc: lost(119), tso: lost(155), relaxed: lost(174) },
    },
    {
      name: 'kvm-x86-pi',
      description:
        'since b95234c84004 (kvm-x86-pi.promela): no KVM_REQ_EVENT; PIR synced after IN_GUEST_MODE with IRQs off',
      flags: { ...X86, signal: 'posted-interrupt', piSync: 'irqs-off' },
      kernel: [PAOLO_2017, PI_B952],
      expect: { sc: holds(106), tso: holds(113), relaxed: holds(163) },
    },
    {
      name: 'kvm-x86-pi-v4-10',
      description:
        'before b95234c84004 (v4.10): the sender also makes KVM_REQ_EVENT; PIR synced while processing it, IRQs on',
      flags: { ...X86, xferWorkCheck: false, signal: 'posted-interrupt', piSync: 'req-event', piRequest: true },
      kernel: [PI_B952],
      expect: { sc: holds(442), tso: holds(575), relaxed: holds(1831) },
    },
    {
      name: 'kvm-x86-pi-early-sync',
      description:
        'plausible mistake: no KVM_REQ_EVENT (as since b95234c84004) but PIR synced before IRQs are disabled',
      flags: { ...X86, signal: 'posted-interrupt', piSync: 'early' },
      kernel: [PAOLO_2017, PI_B952],
      expect: { sc: lost(102), tso: lost(106), relaxed: lost(145) },
    },
    {
      name: 'no-exiting-mode',
      description:
        'plausible mistake (Paolo Bonzini, 2017): no IN_GUEST_MODE→EXITING_GUEST_MODE cmpxchg; every kick of a running vCPU IPIs',
      flags: { ...ARM64, exitingMode: false },
      kernel: [PAOLO_2017],
      expect: { sc: holds(225), tso: holds(288), relaxed: holds(609) },
    },
    {
      name: 'cpu-read-first',
      description: 'v5.15 x86 (before 85b640450ddc): kvm_vcpu_kick() reads vcpu->cpu at entry; the vCPU migrates',
      flags: { ...X86, xferWorkCheck: false, cpuReadFirst: true, migrate: true },
      kernel: [FIX_85B6],
      expect: { sc: holds(1054), tso: holds(1884), relaxed: lost(1581) },
    },
    {
      name: 'cpu-read-first-arm64',
      description: 'v5.15 arm64 (before 85b640450ddc): kvm_vcpu_kick() reads vcpu->cpu at entry; the vCPU migrates',
      flags: { ...ARM64, xferWorkCheck: false, cpuReadFirst: true, migrate: true },
      kernel: [FIX_85B6],
      expect: { sc: holds(752), tso: holds(1213), relaxed: lost(1254) },
    },
    {
      name: 'cpu-read-first-2-requesters',
      description:
        'v5.15 x86 (before 85b640450ddc), two requesters: the first IPIs the old pCPU, the second sees EXITING_GUEST_MODE',
      flags: {
        ...ARM64,
        xferWorkCheck: false,
        cpuReadFirst: true,
        migrate: true,
        minRequesters: 2,
        sender: 'all-cpus',
        requestFlags: KVM_REQUEST_NO_WAKEUP,
      },
      kernel: [FIX_85B6],
      expect: { sc: lost(3927), tso: lost(5910), relaxed: lost(35050) },
    },
    {
      name: 'cpu-read-first-tlb-flush',
      description:
        'v5.15 kvm_make_vcpus_request_mask() (before 85b640450ddc): a WAIT | NO_WAKEUP request with the early vcpu->cpu read, arm64 vCPU migrating',
      flags: {
        ...ARM64,
        xferWorkCheck: false,
        signal: 'tlb-flush',
        sender: 'all-cpus',
        requestFlags: KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP,
        cpuReadFirst: true,
        migrate: true,
      },
      kernel: [FIX_85B6],
      expect: { sc: holds(578), tso: holds(963), relaxed: lost(678, 'wait-semantics') },
    },
    {
      name: 'migrating',
      description: 'v6.12: the kick reads vcpu->cpu after the mode check (since 85b640450ddc), the vCPU migrating',
      flags: { ...X86, migrate: true },
      kernel: [FIX_85B6],
      expect: { sc: holds(850), tso: holds(1352), relaxed: holds(4950) },
    },
    {
      name: 'tlb-flush-wait',
      description:
        'kvm_flush_remote_tlbs(): KVM_REQUEST_WAIT waits for vCPUs in guest mode or walking shadow page tables',
      flags: {
        ...X86,
        signal: 'tlb-flush',
        sender: 'all-cpus',
        requestFlags: KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP,
        shadowWalk: true,
      },
      kernel: [WAIT_7A97],
      expect: { sc: holds(677), tso: holds(1351), relaxed: holds(6246) },
    },
    {
      name: 'tlb-flush-ignores-walkers',
      description:
        'plausible mistake: KVM_REQUEST_WAIT that IPIs only IN_GUEST_MODE vCPUs, not READING_SHADOW_PAGE_TABLES ones',
      flags: {
        ...X86,
        signal: 'tlb-flush',
        sender: 'all-cpus',
        requestFlags: KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP,
        shadowWalk: true,
        waitCountsShadowWalk: false,
      },
      kernel: [WAIT_7A97],
      expect: {
        sc: lost(151, 'wait-semantics'),
        tso: lost(286, 'wait-semantics'),
        relaxed: lost(229, 'wait-semantics'),
      },
    },
    {
      name: 'tlb-flush-no-final-check',
      description:
        'plausible mistake: the TLB flush with no request check after IN_GUEST_MODE: the flush returns, the guest runs unflushed',
      flags: {
        ...X86,
        signal: 'tlb-flush',
        sender: 'all-cpus',
        requestFlags: KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP,
        shadowWalk: true,
        checkRequests: false,
      },
      expect: {
        sc: lost(280, 'wait-semantics'),
        tso: lost(548, 'wait-semantics'),
        relaxed: lost(555, 'wait-semantics'),
      },
    },
    {
      name: 'halt-wakeup',
      description: 'the vCPU may halt; kvm_vcpu_kick() wakes it through kvm_vcpu_wake_up()',
      flags: { ...X86, halt: true },
      kernel: [HALT_V6_12],
      expect: { sc: holds(754), tso: holds(1119), relaxed: holds(3646) },
    },
    {
      name: 'halt-no-wakeup',
      description: 'a KVM_REQUEST_NO_WAKEUP request leaves a halted vCPU asleep, by design',
      flags: { ...X86, halt: true, sender: 'all-cpus', requestFlags: KVM_REQUEST_NO_WAKEUP },
      kernel: [HALT_V6_12],
      expect: {
        sc: lost(604, 'request-processed'),
        tso: lost(888, 'request-processed'),
        relaxed: lost(1895, 'request-processed'),
      },
    },
  ],
  setup: (b, f, p) =>
    setup(
      b,
      { ...f, timerExits: p.timer === 1, recordFlush: f.signal === 'tlb-flush' },
      p.vcpus as number,
      Math.max(p.requesters as number, f.minRequesters),
    ),
});

function setup(b: ModelBuilder, f: RequestsFlags, nvcpus: number, nrequesters: number): void {
  const modeName = (v: number) => MODE_NAMES[v] ?? String(v);
  const spte = b.loc('spte', 1);
  const vcpus: KvmVcpu[] = [];
  const ghosts: VcpuGhosts[] = [];
  const requestEpoch = b.ghost('request made', 0);
  for (let i = 0; i < nvcpus; i++) {
    const v = nvcpus === 1 ? 'vcpu' : `vcpu${i}`;
    vcpus.push({
      id: i,
      mode: b.loc(`${v}->mode`, 0, modeName),
      requests: b.loc(`${v}->requests`, 0),
      cpu: b.loc(`${v}->cpu`, i),
      event: b.loc(`${v}->arch.event`, 0),
      pause: b.loc(`${v}->arch.pause`, 0),
      pi_on: b.loc(`${v}->pi_desc.ON`, 0),
      wait_task: b.loc(`${v}->wait.task`, 0),
      task_state: b.loc(`${v} task state`, 0, (s) =>
        s === TASK_INTERRUPTIBLE ? 'TASK_INTERRUPTIBLE' : 'TASK_RUNNING',
      ),
    });
    ghosts.push({
      requestEpoch,
      entryEpoch: b.ghost(`${v} entered guest after request`, 0),
      walkEpoch: b.ghost(`${v} walk began after request`, 0),
      walking: b.ghost(`${v} walking SPTEs`, 0),
      sleeping: b.ghost(`${v} paused`, 0),
      irr: b.ghost(`${v} interrupt in IRR`, 0),
      flushed: b.ghost(`${v} processed the request`, 0),
    });
  }
  const spare = nvcpus + nrequesters;
  vcpus.forEach((vcpu, i) => {
    const cpus = f.migrate ? [i, spare] : [i];
    b.thread(nvcpus === 1 ? 'vcpu' : `vcpu${i}`, { cpu: i, loop: true, cpus }, () =>
      vcpu_run_once(vcpu, spte, f, ghosts[i] as VcpuGhosts),
    );
  });
  const senders: string[] = [];
  for (let r = 0; r < nrequesters; r++) {
    const name = nrequesters === 1 ? 'sender' : `sender${r}`;
    senders.push(name);
    b.thread(name, { cpu: nvcpus + r }, () => sender(vcpus, spte, f, requestEpoch));
  }
  // Requesters run the same code on CPUs of their own, so any two may trade places: the checker
  // stores one state per class (see SymmetrySpec). The vCPUs may not: kvm_for_each_vcpu() visits
  // them in index order, so a sender's steps depend on which vCPU is which.
  if (nrequesters > 1) {
    b.symmetric(
      'requesters',
      'full',
      senders.map((name, r) => ({ threads: [name], cpus: [nvcpus + r] })),
    );
  }
  b.interrupt(RESCHEDULE_VECTOR, 'reschedule IPI');
  b.interrupt(CALL_FUNCTION_VECTOR, 'call-function IPI (ack_kick)');
  b.interrupt(POSTED_INTR_VECTOR, 'posted-interrupt notification');

  properties(b, f, vcpus, ghosts, senders);
}

const POSTED_INTR_VECTOR = 2;

// #region sender
/** One requester: makes its request of every vCPU, the way the variant says. */
function* sender(vcpus: readonly KvmVcpu[], spte: Loc, f: RequestsFlags, made: Ghost): Op {
  switch (f.signal) {
    case 'request':
      if (f.sender === 'all-cpus') {
        yield* kvm_make_all_cpus_request(vcpus, KVM_REQ_TEST | f.requestFlags, f, made);
        return;
      }
      for (const vcpu of vcpus) {
        if (f.requestAfterKick) yield* kvm_vcpu_kick(vcpu, f);
        yield* __kvm_make_request(KVM_REQ_TEST, vcpu); // kvm_make_request()
        yield* ghost(made, 1);
        if (!f.requestAfterKick) yield* kvm_vcpu_kick(vcpu, f);
      }
      return;
    case 'event':
      // A "request-less kick": publish state, then kick, with no request bit.
      for (const vcpu of vcpus) {
        yield* WRITE_ONCE(vcpu.event, 1);
        yield* ghost(made, 1);
        yield* kvm_vcpu_kick(vcpu, f);
      }
      return;
    case 'pause':
      // arm64 (2017) kvm_arm_halt_guest(): set every vCPU's pause flag, then kick them all.
      for (const vcpu of vcpus) {
        yield* WRITE_ONCE(vcpu.pause, 1);
        yield* ghost(made, 1);
      }
      // KVM_REQ_VCPU_EXIT, used purely to kick
      if (f.v411Sender) yield* kvm_make_all_cpus_request_v4_11(vcpus, KVM_REQ_TEST);
      else yield* kvm_make_all_cpus_request(vcpus, KVM_REQ_TEST, f);
      return;
    case 'posted-interrupt':
      for (const vcpu of vcpus) yield* vmx_deliver_posted_interrupt(vcpu, f, made);
      return;
    case 'tlb-flush':
      // kvm_flush_remote_tlbs() after zapping an SPTE: KVM_REQ_TLB_FLUSH is WAIT | NO_WAKEUP.
      yield* WRITE_ONCE(spte, 0);
      yield* ghost(made, 1);
      yield* kvm_make_all_cpus_request(vcpus, KVM_REQ_TEST | f.requestFlags, f);
      return;
  }
}
// #endregion sender

// #region vmx_deliver_posted_interrupt
/**
 * arch/x86/kvm/vmx/vmx.c: vmx_deliver_posted_interrupt() → kvm_vcpu_trigger_posted_interrupt().
 * With `piRequest`, the code before b95234c84004 (v4.10): `r = pi_test_and_set_on();
 * kvm_make_request(KVM_REQ_EVENT, vcpu); if (r || !kvm_vcpu_trigger_posted_interrupt(vcpu))
 * kvm_vcpu_kick(vcpu);`. pi_test_and_set_pir() is left out: one vector.
 */
function* vmx_deliver_posted_interrupt(vcpu: KvmVcpu, f: RequestsFlags, made: Ghost): Op {
  if (f.piRequest) {
    const r = yield* test_and_set_bit(0, vcpu.pi_on, 'POSTED_INTR_ON');
    yield* ghost(made, 1);
    yield* __kvm_make_request(KVM_REQ_TEST, vcpu); // KVM_REQ_EVENT
    if (r || !(yield* kvm_vcpu_trigger_posted_interrupt(vcpu))) yield* kvm_vcpu_kick(vcpu, f);
    return;
  }
  // pi_test_and_set_on() is fully ordered and pairs with the barrier after IN_GUEST_MODE in
  // vcpu_enter_guest().
  if (yield* test_and_set_bit(0, vcpu.pi_on, 'POSTED_INTR_ON')) return;
  yield* ghost(made, 1);
  if (yield* kvm_vcpu_trigger_posted_interrupt(vcpu)) return;
  // Not in the guest: wake it if it is blocking; vcpu_enter_guest() syncs PIR before entry.
  yield* kvm_vcpu_wake_up(vcpu);
}

/** `if (vcpu->mode == IN_GUEST_MODE) { send POSTED_INTR_VECTOR to vcpu->cpu; return true; }` */
function* kvm_vcpu_trigger_posted_interrupt(vcpu: KvmVcpu): Op<boolean> {
  if ((yield* READ_ONCE(vcpu.mode)) !== IN_GUEST_MODE) return false;
  yield* send_ipi(yield* READ_ONCE(vcpu.cpu), POSTED_INTR_VECTOR, '__apic_send_IPI_mask(POSTED_INTR_VECTOR)');
  return true;
}
// #endregion vmx_deliver_posted_interrupt

// #region properties
function properties(
  b: ModelBuilder,
  f: RequestsFlags,
  vcpus: readonly KvmVcpu[],
  ghosts: readonly VcpuGhosts[],
  senders: readonly string[],
): void {
  const name = (i: number) => (vcpus.length === 1 ? 'vcpu' : `vcpu${i}`);
  const sendersDone = (s: StateView) => senders.every((n) => s.thread(n).done);
  /** The vCPU has something to act on before it may run guest code. */
  const signalled = (s: StateView, v: KvmVcpu): boolean => {
    switch (f.signal) {
      case 'request':
      case 'tlb-flush':
        return s.mem(v.requests) !== 0;
      case 'event':
        return s.mem(v.event) !== 0;
      case 'pause':
        return s.mem(v.pause) !== 0;
      case 'posted-interrupt':
        return s.mem(v.pi_on) !== 0;
    }
  };

  if (f.signal !== 'tlb-flush') {
    b.always(
      'no-lost-request',
      'never in guest mode with a request (or its stand-in) pending that no IPI will interrupt',
      (s) =>
        vcpus.every((v, i) => {
          const t = s.thread(name(i));
          return !(t.inGuest && signalled(s, v) && sendersDone(s) && !s.ipiPending(t.cpu));
        }),
    );
  } else {
    // Not "in guest mode after the zap implies flushed since the zap" at every moment: a vCPU may
    // legitimately enter between the zap and the request (it then runs on a stale TLB until the
    // IPI the sender is about to send). The promise is about the moment the flush returns.
    b.always(
      'wait-semantics',
      'when kvm_flush_remote_tlbs() returns, every vCPU in guest mode has flushed since the zap, and none is in a lockless walk begun before it',
      (s) =>
        !sendersDone(s) ||
        vcpus.every((_, i) => {
          const g = ghosts[i] as VcpuGhosts;
          const t = s.thread(name(i));
          const zapped = s.ghost(g.requestEpoch);
          return !(t.inGuest && s.ghost(g.flushed) < zapped) && !(s.ghost(g.walking) && s.ghost(g.walkEpoch) < zapped);
        }),
    );
  }

  if (f.signal === 'request' || f.signal === 'tlb-flush') {
    b.eventually('request-processed', 'every request made is eventually processed by its vCPU', (s) =>
      vcpus.some((v) => s.mem(v.requests) !== 0),
    );
  }

  b.sometimes('guest-runs', 'a vCPU enters the guest', (s) => vcpus.some((_, i) => s.thread(name(i)).inGuest));
  b.sometimes('request-made', 'a sender makes its request', (s) => s.ghost(ghosts[0]?.requestEpoch as Ghost) === 1);
  b.sometimes('kick-ipi', 'an IPI is sent to a vCPU', (s) => vcpus.some((_, c) => s.ipiPending(c)));
  if (f.signal === 'request') {
    b.sometimes('request-seen', 'a vCPU clears the request it was sent', (s) =>
      vcpus.some((v) => s.ghost(ghosts[0]?.requestEpoch as Ghost) === 1 && s.mem(v.requests) === 0),
    );
  }
  if (f.signal === 'posted-interrupt') {
    b.sometimes('interrupt-delivered', 'the posted interrupt reaches the IRR', (s) =>
      ghosts.some((g) => s.ghost(g.irr) === 1),
    );
  }
  if (f.signal === 'pause') {
    b.sometimes('vcpu-paused', 'a vCPU sees the pause flag and sleeps', (s) =>
      ghosts.some((g) => s.ghost(g.sleeping) === 1),
    );
  }
  if (f.halt) {
    b.sometimes('vcpu-halts', 'a vCPU blocks in kvm_vcpu_block()', (s) =>
      vcpus.some((v) => s.mem(v.task_state) === TASK_INTERRUPTIBLE),
    );
  }
  if (f.migrate) {
    b.sometimes('ipi-to-previous-cpu', 'a kick IPI is pending on a pCPU the vCPU has left', (s) =>
      vcpus.some((v, i) => {
        const t = s.thread(name(i));
        const kick = s.ipiPending(v.id, RESCHEDULE_VECTOR) || s.ipiPending(v.id, CALL_FUNCTION_VECTOR);
        return kick && t.cpu !== v.id;
      }),
    );
  }
}
// #endregion properties
