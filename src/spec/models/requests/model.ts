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
import { kvm_make_all_cpus_request, kvm_vcpu_kick, kvm_vcpu_wake_up, type SenderFlags } from './kvm_main.ts';
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
}

const X86: RequestsFlags = {
  arch: 'x86',
  modeStore: 'kernel',
  checkRequests: true,
  checkPause: false,
  checkBeforeIrqsOff: false,
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
  cpus: (p) => (p.vcpus as number) + (p.requesters as number) + 1,
  variants: [
    {
      name: 'correct-x86',
      description: 'x86 vcpu_enter_guest(): smp_store_release + smp_mb__after_srcu_read_unlock, check with IRQs off',
      flags: X86,
      kernel: [DOC],
      expect: { sc: holds(386), tso: holds(506), relaxed: holds(1172) },
    },
    {
      name: 'correct-arm64',
      description: 'arm64 kvm_arch_vcpu_ioctl_run(): smp_store_mb(vcpu->mode, IN_GUEST_MODE), check with IRQs off',
      flags: ARM64,
      kernel: [DOC],
      expect: { sc: holds(239), tso: holds(297), relaxed: holds(476) },
    },
    {
      name: 'no-vcpu-barrier',
      description: 'IN_GUEST_MODE stored with no barrier before the final request check',
      flags: { ...X86, modeStore: 'no-barrier' },
      expect: { sc: holds(354), tso: lost(191), relaxed: lost(160) },
    },
    {
      name: 'no-requester-barrier',
      description: 'no smp_mb__before_atomic() between setting the request and reading vcpu->mode',
      flags: { ...ARM64, requesterBarrier: false },
      expect: { sc: holds(220), tso: holds(274), relaxed: lost(104) },
    },
    {
      name: 'check-before-irqs-off',
      description: 'mode set and requests checked before local_irq_disable(): the kick IPI is taken too early',
      flags: { ...X86, checkBeforeIrqsOff: true },
      kernel: [DOC],
      expect: { sc: lost(247), tso: lost(311), relaxed: lost(391) },
    },
    {
      name: 'request-less-kick',
      description: 'the sender publishes state and kicks without a request: nothing re-checks it after IN_GUEST_MODE',
      flags: { ...X86, signal: 'event', event: true },
      kernel: [DOC],
      expect: { sc: lost(162), tso: lost(220), relaxed: lost(186) },
    },
    {
      name: 'request-after-kick',
      description: 'the kick is sent before the request is made',
      flags: { ...X86, requestAfterKick: true },
      kernel: [
        commit(
          '85b640450ddcfa09cf72771b69a9c3daf0ddc772',
          'KVM: Clean up benign vcpu->cpu data races when kicking vCPUs',
        ),
      ],
      expect: { sc: lost(132), tso: lost(132), relaxed: lost(152) },
    },
    {
      name: 'kvm-req',
      description: "Paolo Bonzini's kvm-req.promela (2017): requests checked after IN_GUEST_MODE with IRQs off",
      flags: { ...X86, modeStore: 'plain+mb' },
      kernel: [PAOLO_2017],
      expect: { sc: holds(386), tso: holds(506), relaxed: holds(1140) },
    },
    {
      name: 'kvm-req-no-check',
      description: 'kvm-req.promela with its bug #define: no request check in the IRQs-off region',
      flags: { ...X86, modeStore: 'plain+mb', checkRequests: false },
      kernel: [PAOLO_2017],
      expect: { sc: lost(125), tso: lost(121), relaxed: lost(143) },
    },
    {
      name: 'kvm-arm-pause',
      description: "Paolo Bonzini's kvm-arm-pause.promela: the 2017 arm64 pause flag, checked with IRQs off",
      flags: {
        ...ARM64,
        modeStore: 'plain+mb',
        checkRequests: false,
        checkPause: true,
        signal: 'pause',
        sender: 'all-cpus',
      },
      kernel: [PAOLO_2017],
      expect: { sc: holds(200), tso: holds(318), relaxed: holds(430) },
    },
    {
      name: 'kvm-arm-pause-no-check',
      description: 'kvm-arm-pause.promela with its bug #define: pause not re-checked with IRQs off',
      flags: {
        ...ARM64,
        modeStore: 'plain+mb',
        checkRequests: false,
        checkPause: false,
        signal: 'pause',
        sender: 'all-cpus',
      },
      kernel: [PAOLO_2017],
      expect: { sc: lost(96), tso: lost(132), relaxed: lost(115) },
    },
    {
      name: 'kvm-x86-pi',
      description:
        "Paolo Bonzini's kvm-x86-pi.promela: posted interrupts, PIR synced after IN_GUEST_MODE with IRQs off",
      flags: { ...X86, signal: 'posted-interrupt', piSync: 'irqs-off' },
      kernel: [
        PAOLO_2017,
        commit(
          'b95234c840045b7c72380fd14c59416af28fcb02',
          'kvm: x86: do not use KVM_REQ_EVENT for APICv interrupt injection',
        ),
      ],
      expect: { sc: holds(114), tso: holds(122), relaxed: holds(169) },
    },
    {
      name: 'kvm-x86-pi-early-sync',
      description: 'before b95234c84004: PIR synced (via KVM_REQ_EVENT) before interrupts are disabled',
      flags: { ...X86, signal: 'posted-interrupt', piSync: 'early' },
      kernel: [
        PAOLO_2017,
        commit(
          'b95234c840045b7c72380fd14c59416af28fcb02',
          'kvm: x86: do not use KVM_REQ_EVENT for APICv interrupt injection',
        ),
      ],
      expect: { sc: lost(67), tso: lost(66), relaxed: lost(83) },
    },
    {
      name: 'no-exiting-mode',
      description: 'arm64 without the IN_GUEST_MODE→EXITING_GUEST_MODE cmpxchg: every kick of a running vCPU IPIs',
      flags: { ...ARM64, exitingMode: false },
      kernel: [PAOLO_2017],
      expect: { sc: holds(225), tso: holds(279), relaxed: holds(687) },
    },
    {
      name: 'cpu-read-first',
      description:
        'before 85b640450ddc: vcpu->cpu read before the mode check, vCPU migrating (a lost kick under relaxed memory)',
      flags: { ...X86, cpuReadFirst: true, migrate: true },
      kernel: [
        commit(
          '85b640450ddcfa09cf72771b69a9c3daf0ddc772',
          'KVM: Clean up benign vcpu->cpu data races when kicking vCPUs',
        ),
      ],
      expect: { sc: holds(1091), tso: holds(1782), relaxed: lost(893) },
    },
    {
      name: 'migrating',
      description: 'the current kick (vcpu->cpu read after the mode check) with the vCPU migrating',
      flags: { ...X86, migrate: true },
      kernel: [
        commit(
          '85b640450ddcfa09cf72771b69a9c3daf0ddc772',
          'KVM: Clean up benign vcpu->cpu data races when kicking vCPUs',
        ),
      ],
      expect: { sc: holds(1015), tso: holds(1494), relaxed: holds(6800) },
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
      kernel: [commit('ae0946cd3601752dc58f86d84258e5361e9c8cd4', 'KVM: Optimize kvm_make_vcpus_request_mask() a bit')],
      expect: { sc: holds(926), tso: holds(1612), relaxed: holds(10734) },
    },
    {
      name: 'tlb-flush-ignores-walkers',
      description: 'KVM_REQUEST_WAIT that IPIs only IN_GUEST_MODE vCPUs, not READING_SHADOW_PAGE_TABLES ones',
      flags: {
        ...X86,
        signal: 'tlb-flush',
        sender: 'all-cpus',
        requestFlags: KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP,
        shadowWalk: true,
        waitCountsShadowWalk: false,
      },
      expect: {
        sc: lost(140, 'wait-semantics'),
        tso: lost(270, 'wait-semantics'),
        relaxed: lost(224, 'wait-semantics'),
      },
    },
    {
      name: 'halt-wakeup',
      description: 'the vCPU may halt; kvm_vcpu_kick() wakes it through kvm_vcpu_wake_up()',
      flags: { ...X86, halt: true },
      expect: { sc: holds(792), tso: holds(1174), relaxed: holds(6317) },
    },
    {
      name: 'halt-no-wakeup',
      description: 'a KVM_REQUEST_NO_WAKEUP request leaves a halted vCPU asleep, by design',
      flags: { ...X86, halt: true, sender: 'all-cpus', requestFlags: KVM_REQUEST_NO_WAKEUP },
      expect: {
        sc: lost(644, 'request-processed'),
        tso: lost(955, 'request-processed'),
        relaxed: lost(2847, 'request-processed'),
      },
    },
  ],
  setup: (b, f, p) => setup(b, { ...f, timerExits: p.timer === 1 }, p.vcpus as number, p.requesters as number),
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
      yield* kvm_make_all_cpus_request(vcpus, KVM_REQ_TEST, f);
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
/** arch/x86/kvm/vmx/vmx.c: vmx_deliver_posted_interrupt() → kvm_vcpu_trigger_posted_interrupt(). */
function* vmx_deliver_posted_interrupt(vcpu: KvmVcpu, f: RequestsFlags, made: Ghost): Op {
  // pi_test_and_set_pir() is left out: one vector. pi_test_and_set_on() is fully ordered and
  // pairs with the barrier after IN_GUEST_MODE in vcpu_enter_guest().
  if (yield* test_and_set_bit(0, vcpu.pi_on, 'POSTED_INTR_ON')) return;
  yield* ghost(made, 1);
  if ((yield* READ_ONCE(vcpu.mode)) === IN_GUEST_MODE) {
    yield* send_ipi(yield* READ_ONCE(vcpu.cpu), POSTED_INTR_VECTOR, '__apic_send_IPI_mask(POSTED_INTR_VECTOR)');
    return;
  }
  // Not in the guest: wake it if it is blocking; vcpu_enter_guest() syncs PIR before entry.
  yield* kvm_vcpu_wake_up(vcpu, f);
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
    b.always(
      'wait-semantics',
      'when kvm_flush_remote_tlbs() returns, no vCPU is still in guest mode or in a lockless walk begun before the change',
      (s) =>
        !sendersDone(s) ||
        vcpus.every((_, i) => {
          const g = ghosts[i] as VcpuGhosts;
          const t = s.thread(name(i));
          const stale = s.ghost(g.requestEpoch);
          return !(t.inGuest && s.ghost(g.entryEpoch) < stale) && !(s.ghost(g.walking) && s.ghost(g.walkEpoch) < stale);
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
        return s.ipiPending(v.id, RESCHEDULE_VECTOR) && t.cpu !== v.id;
      }),
    );
  }
}
// #endregion properties
