/**
 * stop_machine and CPU hotplug.
 *
 * stop_machine(fn) (kernel/stop_machine.c) queues multi_cpu_stop() on the stopper thread of
 * every online CPU and waits. Each stopper preempts whatever runs on its CPU, so it can start
 * only where the running thread is preemptible: not with interrupts or preemption disabled,
 * not in guest mode (a CPU in guest mode is sent a reschedule IPI, as waking its stopper would
 * do, and leaves the guest first) and not in an interrupt handler. The stoppers step through
 * multi_cpu_stop()'s states together, disable interrupts, and one runs fn; the others spin
 * until it is done. Every state change is an atomic op that every CPU acknowledges, so entering
 * and leaving are full barriers on every CPU. The model makes entering one step
 * (StopMachineBegin: every online CPU stoppable, every store buffer drained, then the barrier),
 * runs the body as ordinary steps of the calling thread with interrupts off on its CPU, and
 * makes leaving one step (StopMachineEnd: the barrier again). In between the global word names
 * the stopper, and nothing else runs: no thread, no interrupt delivery, no handler.
 *
 * cpu_down(cpu) (kernel/cpu.c: cpu_device_down -> _cpu_down) walks the hotplug states down:
 * the teardown callbacks (cpuhp_invoke_callback, inserted around the step by
 * withHotplugCallbacks), then takedown_cpu(), which runs take_cpu_down() on the dying CPU
 * under stop_machine_cpuslocked(): __cpu_disable() clears the CPU's online bit and the dying
 * CPU's tasks go elsewhere. Here that is one step with the stop_machine rules for when it can
 * happen and what it orders (CpuDown): tasks that may run elsewhere move to an online CPU they
 * are allowed on (every choice is explored), a thread pinned to the CPU stays there parked,
 * like a per-CPU kthread (smpboot_park_threads). Simplified: in the kernel the scheduler
 * pushes tasks away earlier, when the CPU stops being active (sched_cpu_deactivate,
 * balance_push), before the teardown callbacks; before v5.10 migrate_tasks() did it in
 * take_cpu_down()'s stop_machine, as here. The model has no active mask (active == online),
 * no cpu_hotplug_lock (one controlling thread; concurrent hotplug is a model error), and the
 * CPU's death after take_cpu_down() (cpuhp_report_idle_dead, the BP-side teardown states)
 * has nothing left to do.
 *
 * cpu_up(cpu) (_cpu_up -> bringup_cpu -> __cpu_up; the AP runs start_secondary and
 * set_cpu_online(true)) is one step, after the prepare callbacks (CPU_UP_PREPARE, the cpuhp
 * PREPARE states): the CPU is online, its parked threads may run again
 * (smpboot_unpark_threads), and the controlling CPU and the new one are ordered by a full
 * barrier (the BP and the AP synchronise through atomics and completions:
 * cpuhp_bp_sync_alive, wait_for_ap_thread). Then the startup callbacks run. A bring-up that
 * fails (cpu_up(cpu, { fails: true }): __cpu_up() returns an error, as when the AP never
 * answers) is one step that changes nothing; then the canceled callbacks run
 * (CPU_UP_CANCELED; with cpuhp, the rollback through the states already set up) and cpu_up()
 * returns -EIO. Whether a bring-up fails is the caller's choice (choose() for both).
 */
import { type Action, action, Fence, Kind, type Op } from './actions.ts';
import {
  C_IRQS,
  CSZ,
  F_CPU,
  F_CUR,
  F_EARLY,
  F_GUEST,
  F_IRQ,
  G_ONLINE,
  HOLDS,
  MAX_HOTPLUG_CPUS,
  ModelError,
  PENDING,
  runningVector,
  STOPPER_SHIFT,
  T_FLAGS,
  TSZ,
} from './layout.ts';
import type { Emit, Machine } from './machine.ts';
import type { HotplugSpec } from './model.ts';
import { CPU_UP_FAILS, EIO, RESCHEDULE_VECTOR } from './primitives.ts';

/** stopState: the machine can stop now, or must wait. (A value >= 0 is a CPU to kick first.) */
const STOP_READY = -1;
const STOP_WAIT = -2;

/**
 * The thread body with the registered hotplug states' callbacks spliced around its cpu_down()
 * and cpu_up() steps: teardowns (last registered first) before take_cpu_down, startups (first
 * registered first) after bringup, run by the calling thread with the CPU passed in. In the
 * kernel, cpuhp_invoke_callback() runs an AP state's callback on the CPU going down or coming
 * up, in its cpuhp/N thread (cpuhp_thread_fun), while the caller waits for it
 * (cpuhp_kick_ap_work, wait_for_ap_thread); here the caller runs it, so its steps run on the
 * caller's CPU and a callback must use its `cpu` argument, not smp_processor_id().
 */
export function* withHotplugCallbacks(body: Op<unknown>, states: readonly HotplugSpec[]): Op<unknown> {
  let next = body.next();
  while (!next.done) {
    const a = next.value;
    let result: number;
    if (a.kind === Kind.CpuDown) {
      for (let k = states.length - 1; k >= 0; k--) {
        const teardown = (states[k] as HotplugSpec).teardown;
        if (teardown) yield* teardown(a.a);
      }
      if (states.some((st) => st.dying)) {
        // take_cpu_down() under stop_machine: __cpu_disable() (the CPU leaves the online mask,
        // its tasks are moved), then the CPU_DYING callbacks, last registered first, while
        // every other CPU still spins in multi_cpu_stop().
        yield action(Kind.StopMachineBegin, `stop_machine(take_cpu_down, cpu${a.a})`);
        result = yield a;
        for (let k = states.length - 1; k >= 0; k--) {
          const dying = (states[k] as HotplugSpec).dying;
          if (dying) yield* dying(a.a);
        }
        yield action(Kind.StopMachineEnd, 'take_cpu_down() returns: every CPU resumes');
      } else {
        result = yield a;
      }
    } else if (a.kind === Kind.CpuUp) {
      // CPU_UP_PREPARE, first registered first (on the controlling CPU, before bringup_cpu()).
      for (const st of states) if (st.prepare) yield* st.prepare(a.a);
      result = yield a;
      if (a.b === CPU_UP_FAILS) {
        // The bring-up failed: CPU_UP_CANCELED (the cpuhp rollback), last registered first.
        for (let k = states.length - 1; k >= 0; k--) {
          const canceled = (states[k] as HotplugSpec).canceled;
          if (canceled) yield* canceled(a.a);
        }
        result = -EIO;
      } else {
        for (const st of states) if (st.startup) yield* st.startup(a.a);
      }
    } else {
      result = yield a;
    }
    next = body.next(result);
  }
  return next.value;
}

export function checkHotplugSetup(m: Machine): void {
  const inst = m.inst;
  // ModelBuilder allows no more either.
  if (m.ncpus > MAX_HOTPLUG_CPUS)
    throw new ModelError(`at most ${MAX_HOTPLUG_CPUS} CPUs: the online mask has ${MAX_HOTPLUG_CPUS} bits`);
  inst.threads.forEach((t, i) => {
    const allowed = m.allowed[i] as readonly number[];
    if (!inst.online.includes(t.options.cpu) && (allowed.length !== 1 || allowed[0] !== t.options.cpu)) {
      throw new ModelError(
        `thread ${t.name} starts on CPU ${t.options.cpu}, which is offline: only a thread pinned to it ` +
          `(cpus: [${t.options.cpu}]) may wait there for cpu_up()`,
      );
    }
  });
}

/**
 * Whether thread `i` could stop the machine in `s` (the state being expanded, after
 * scanCpus): STOP_READY, STOP_WAIT, or a CPU in guest mode to send a reschedule IPI first.
 */
export function stopState(m: Machine, s: Int32Array, i: number): number {
  const g = m.hotplugWord(s);
  let wait = false;
  for (let c = 0; c < m.ncpus; c++) {
    if (((g >>> c) & 1) === 0) continue;
    const irqs = s[m.cpuBase + c * CSZ + C_IRQS] as number;
    const holder = m.holder[c] as number;
    if (holder >= 0 && holder !== i) {
      const inGuest = ((s[holder * TSZ + T_FLAGS] as number) & F_GUEST) !== 0;
      if (inGuest && (irqs & (1 << RESCHEDULE_VECTOR)) === 0) return c;
      wait = true;
    } else if (runningVector(irqs) !== 0 || (irqs & PENDING) !== 0) {
      // A handler runs, or an interrupt is pending on a CPU with interrupts on: it is taken
      // before anything else runs there, the stopper included.
      wait = true;
    }
  }
  if (wait) return STOP_WAIT;
  for (let j = 0; j < m.nthreads; j++) {
    const f = s[j * TSZ + T_FLAGS] as number;
    // A load whose following store was performed early has not completed: not stoppable yet.
    if ((f & F_EARLY) !== 0) return STOP_WAIT;
    if (!m.mem.quiescent(s, m.base, j) || !m.mem.fenceEnabled(s, m.base, j, Fence.Mb)) return STOP_WAIT;
  }
  return STOP_READY;
}

/**
 * A full barrier on every CPU at once (store buffers are empty: #stopState, or the stopper's
 * own checked at StopMachineEnd). Returns the new length.
 */
export function barrierAll(m: Machine, scr: Int32Array): number {
  return m.base + m.mem.fenceAll(scr, m.base);
}

/** The reschedule IPI that makes CPU `c`, in guest mode, leave it so its stopper can run. */
export function kickForStop(m: Machine, s: Int32Array, len: number, i: number, c: number, emit: Emit): number {
  if (!m.mem.fenceEnabled(s, m.base, i, Fence.Mb)) return 0;
  const scr = m.copy(s, len);
  m.mem.fence(scr, m.base, i, Fence.Mb);
  const at = m.cpuBase + c * CSZ + C_IRQS;
  scr[at] = (s[at] as number) | (1 << RESCHEDULE_VECTOR);
  // The thread stays where it is: it still has to stop the machine.
  emit(i, 0, scr, m.base + m.mem.length(scr, m.base));
  return 1;
}

export function hotplugSteps(m: Machine, s: Int32Array, len: number, i: number, a: Action, emit: Emit): number {
  const o = i * TSZ;
  const flags = s[o + T_FLAGS] as number;
  const g = m.hotplugWord(s);
  const stopper = (g >>> STOPPER_SHIFT) - 1;
  const what = a.kind === Kind.StopMachineEnd ? 'stop_machine()' : a.text;
  if (!m.inst.threads[i]?.options.stopMachine) {
    throw new ModelError(
      `${m.threadName(i)}: ${what}: a thread that may stop the machine needs the stopMachine option ` +
        '(partial-order reduction must know)',
    );
  }
  if (a.kind === Kind.StopMachineEnd) {
    if (stopper !== i) throw new ModelError(`${m.threadName(i)}: end of stop_machine() without its start`);
    if (!m.mem.fenceEnabled(s, m.base, i, Fence.Mb)) return 0;
    const scr = m.copy(s, len);
    const l1 = barrierAll(m, scr);
    scr[m.hotplugAt] = g & G_ONLINE;
    // multi_cpu_stop() restores the interrupt state it found (on).
    scr[o + T_FLAGS] = flags & ~F_IRQ;
    emit(i, 0, scr, m.advance(scr, i, 0, l1));
    return 1;
  }
  // take_cpu_down() inside the thread's own stop_machine (a model with CPU_DYING callbacks).
  const ownStop = stopper === i && a.kind === Kind.CpuDown;
  if (stopper >= 0 && !ownStop) throw new ModelError(`${m.threadName(i)}: ${what} inside a stop_machine() body`);
  if ((flags & HOLDS) !== 0 && !ownStop) {
    throw new ModelError(
      `${m.threadName(i)}: ${what} with interrupts or preemption disabled: it sleeps ` +
        '(cpus_read_lock(), wait_for_completion())',
    );
  }
  const cpu = a.a;
  if (a.kind === Kind.CpuUp || a.kind === Kind.CpuDown) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= m.ncpus)
      throw new ModelError(`${m.threadName(i)}: ${a.text}: there is no CPU ${cpu}`);
    const online = ((g >>> cpu) & 1) === 1;
    if (a.kind === Kind.CpuUp ? online : !online) {
      throw new ModelError(
        `${m.threadName(i)}: ${a.text}: CPU ${cpu} is already ${online ? 'online' : 'offline'} ` +
          '(concurrent hotplug operations are serialised by cpu_hotplug_lock, which the model does not have)',
      );
    }
  }
  if (a.kind === Kind.CpuUp && a.b === CPU_UP_FAILS) {
    // __cpu_up() gives up on an AP that does not come alive: the CPU stays offline, nothing
    // else changes (the machine returns 0; withHotplugCallbacks makes it -EIO for the caller).
    const scr = m.copy(s, len);
    emit(i, 0, scr, m.advance(scr, i, 0, m.base + m.mem.length(scr, m.base)));
    return 1;
  }
  if (a.kind === Kind.CpuUp) {
    if (!m.mem.fenceEnabled(s, m.base, i, Fence.Mb)) return 0;
    const scr = m.copy(s, len);
    scr[m.hotplugAt] = g | (1 << cpu);
    m.mem.fence(scr, m.base, i, Fence.Mb);
    for (let j = 0; j < m.nthreads; j++) {
      const f = s[j * TSZ + T_FLAGS] as number;
      if ((f & F_CPU) === cpu && m.nextAction(s, j).kind !== Kind.Return) m.mem.fence(scr, m.base, j, Fence.Mb);
    }
    emit(i, 0, scr, m.advance(scr, i, 0, m.base + m.mem.length(scr, m.base)));
    return 1;
  }
  if (a.kind === Kind.CpuDown && (g & G_ONLINE & ~(1 << cpu)) === 0)
    throw new ModelError(`${m.threadName(i)}: ${a.text}: CPU ${cpu} is the last online CPU (the kernel says -EBUSY)`);
  const state = ownStop ? STOP_READY : stopState(m, s, i);
  if (state >= 0) return kickForStop(m, s, len, i, state, emit);
  if (state === STOP_WAIT) return 0;
  if (a.kind === Kind.StopMachineBegin) {
    const scr = m.copy(s, len);
    const l1 = barrierAll(m, scr);
    scr[m.hotplugAt] = (g & G_ONLINE) | ((i + 1) << STOPPER_SHIFT);
    // multi_cpu_stop() runs fn with interrupts disabled (MULTI_STOP_DISABLE_IRQ).
    scr[o + T_FLAGS] = flags | F_IRQ;
    emit(i, 0, scr, m.advance(scr, i, 0, l1));
    return 1;
  }
  // CpuDown: where each task on the dying CPU can go.
  const movers: number[] = [];
  const options: number[][] = [];
  for (let j = 0; j < m.nthreads; j++) {
    if (((s[j * TSZ + T_FLAGS] as number) & F_CPU) !== cpu || m.nextAction(s, j).kind === Kind.Return) continue;
    const allowed = m.allowed[j] as readonly number[];
    const to = allowed.filter((c) => c !== cpu && ((g >>> c) & 1) === 1);
    if (to.length > 0) {
      movers.push(j);
      options.push(to);
    } else if (allowed.length === 1 && allowed[0] === cpu) {
      if (j === i) throw new ModelError(`${m.threadName(i)}: ${a.text} from a thread pinned to CPU ${cpu}`);
    } else {
      throw new ModelError(
        `${m.threadName(i)}: ${a.text}: ${m.threadName(j)} may run only on CPUs that are offline now ` +
          `([${allowed.join(', ')}]); the kernel would break its affinity (select_fallback_rq)`,
      );
    }
  }
  let count = 1;
  for (const to of options) count *= to.length;
  for (let choice = 0; choice < count; choice++) {
    const scr = m.copy(s, len);
    let rest = choice;
    movers.forEach((j, k) => {
      const to = options[k] as number[];
      const target = to[rest % to.length] as number;
      rest = Math.floor(rest / to.length);
      // Moved off the dying CPU (after the barrier on every CPU below): its first step on
      // `target` is a context switch there (threads.ts, contextSwitch; F_CUR).
      scr[j * TSZ + T_FLAGS] = ((scr[j * TSZ + T_FLAGS] as number) & ~(F_CPU | F_CUR)) | target;
    });
    scr[m.hotplugAt] = g & ~(1 << cpu);
    const l1 = barrierAll(m, scr);
    emit(i, choice, scr, m.advance(scr, i, 0, l1));
  }
  return count;
}
