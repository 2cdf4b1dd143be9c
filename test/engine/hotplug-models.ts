/**
 * Small models for stop_machine and CPU hotplug (see hotplug.ts): what stopping the machine
 * excludes and orders, when it can start, where tasks go when their CPU goes offline, the
 * hotplug callbacks, and IPIs to an offline CPU. Each variant records its verdict and state
 * count per memory model, checked by hotplug.test.ts.
 */
import {
  CALL_FUNCTION_VECTOR,
  choose,
  cpu_down,
  cpu_online,
  cpu_up,
  defineModel,
  EIO,
  ENXIO,
  ghost,
  ghost_read,
  guest_enter,
  guest_exit,
  in_stop_machine,
  type Loc,
  local_irq_disable,
  local_irq_enable,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  smp_call_function_single,
  smp_processor_id,
  smp_send_reschedule,
  stop_machine,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';

const ALL = ['sc', 'tso', 'relaxed'] as const;
const SOURCE = 'test/engine/hotplug-models.ts';

/**
 * A two-word update made under stop_machine, against a reader that reads both words with
 * interrupts disabled on another CPU (the way text_poke or a static key update relies on
 * stop_machine: no CPU is anywhere in between). With `stop`, the reader sees both old or both
 * new; with only interrupts disabled on the writer's own CPU, it can see one without the other.
 */
export const stopUpdate = defineModel<{ stop: boolean }>({
  name: 'test-stop-update',
  title: 'stop_machine: a two-word update (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'stop-machine',
      description: 'both writes in a stop_machine body: never seen half done',
      flags: { stop: true },
      expect: {
        sc: { verdict: 'holds', states: 17 },
        tso: { verdict: 'holds', states: 21 },
        relaxed: { verdict: 'holds', states: 17 },
      },
    },
    {
      name: 'irqs-off',
      description: 'both writes with interrupts disabled on the writer’s CPU only: seen half done',
      flags: { stop: false },
      expect: {
        sc: { verdict: 'violated', property: 'all-or-nothing', states: 32 },
        tso: { verdict: 'violated', property: 'all-or-nothing', states: 54 },
        relaxed: { verdict: 'violated', property: 'all-or-nothing', states: 39 },
      },
    },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    const y = b.loc('y');
    /** What the reader saw: y + 2 * x (-1: not yet). */
    const seen = b.ghost('seen', -1);
    b.thread('writer', { cpu: 0, stopMachine: true }, function* () {
      if (flags.stop) {
        yield* stop_machine(function* () {
          yield* WRITE_ONCE(x, 1);
          yield* WRITE_ONCE(y, 1);
        }, 'stop_machine(update)');
      } else {
        yield* local_irq_disable();
        yield* WRITE_ONCE(x, 1);
        yield* WRITE_ONCE(y, 1);
        yield* local_irq_enable();
      }
    });
    b.thread('reader', { cpu: 1 }, function* () {
      yield* local_irq_disable();
      const ry = yield* READ_ONCE(y);
      const rx = yield* READ_ONCE(x);
      yield* local_irq_enable();
      yield* ghost(seen, ry + 2 * rx);
    });
    b.always(
      'all-or-nothing',
      'the reader sees both writes or neither',
      (s) => s.ghost(seen) === -1 || s.ghost(seen) === 0 || s.ghost(seen) === 3,
    );
    b.sometimes('saw-new', 'the reader sees the update', (s) => s.ghost(seen) === 3);
  },
});

/**
 * Entering stop_machine is a full barrier on every CPU: a store another CPU made before the
 * machine stopped is visible to the body, whatever the memory model (under TSO it must have
 * left the store buffer; under the relaxed model the body's view must include it).
 */
export const stopBarrier = defineModel<Record<string, never>>({
  name: 'test-stop-barrier',
  title: 'stop_machine: entering is a barrier on every CPU (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'entry',
      description: 'the body sees a store made on another CPU before the stop',
      flags: {},
      expect: {
        sc: { verdict: 'holds', states: 9 },
        tso: { verdict: 'holds', states: 11 },
        relaxed: { verdict: 'holds', states: 9 },
      },
    },
  ],
  setup(b) {
    const x = b.loc('x');
    const stored = b.ghost('stored');
    /** Whether the store had been made when the machine stopped, and what the body read. */
    const before = b.ghost('stored-before-stop', -1);
    const read = b.ghost('body-read', -1);
    b.thread('writer', { cpu: 1 }, function* () {
      yield* WRITE_ONCE(x, 1);
      yield* ghost(stored, 1);
    });
    b.thread('stopper', { cpu: 0, stopMachine: true }, function* () {
      yield* stop_machine(function* () {
        yield* ghost(before, yield* ghost_read(stored));
        yield* ghost(read, yield* READ_ONCE(x));
      }, 'stop_machine(read_x)');
    });
    b.always('body-sees-it', 'a store made before the stop is seen by the body', (s) => {
      return !(s.ghost(before) === 1 && s.ghost(read) === 0);
    });
    b.sometimes('stored-first', 'the store is made before the stop', (s) => s.ghost(before) === 1);
  },
});

/**
 * When stop_machine can start. The stopper's body is marked by the ghost `stopped`; the other
 * thread's critical section (interrupts off, preemption off, in guest mode, or nothing that
 * keeps a stopper away) by `inside`. Both at once is reachable only for the preemptible one.
 */
export const stopExclusion = defineModel<{ other: 'irqs-off' | 'preempt-off' | 'guest' | 'preemptible' }>({
  name: 'test-stop-exclusion',
  title: 'stop_machine: what it waits for (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'irqs-off',
      description: 'the other CPU runs with interrupts disabled: stop_machine waits',
      flags: { other: 'irqs-off' },
      expect: {
        sc: { verdict: 'holds', states: 14 },
        tso: { verdict: 'holds', states: 16 },
        relaxed: { verdict: 'holds', states: 14 },
      },
    },
    {
      name: 'preempt-off',
      description: 'the other CPU runs with preemption disabled: stop_machine waits',
      flags: { other: 'preempt-off' },
      expect: {
        sc: { verdict: 'holds', states: 14 },
        tso: { verdict: 'holds', states: 16 },
        relaxed: { verdict: 'holds', states: 14 },
      },
    },
    {
      name: 'guest',
      description: 'the other CPU is in guest mode: kicked out with a reschedule IPI first',
      flags: { other: 'guest' },
      expect: {
        sc: { verdict: 'holds', states: 15 },
        tso: { verdict: 'holds', states: 17 },
        relaxed: { verdict: 'holds', states: 15 },
      },
    },
    {
      name: 'preemptible',
      description: 'the other thread is preemptible: the stopper preempts it mid-section',
      flags: { other: 'preemptible' },
      expect: {
        sc: { verdict: 'violated', property: 'excluded', states: 8 },
        tso: { verdict: 'violated', property: 'excluded', states: 8 },
        relaxed: { verdict: 'violated', property: 'excluded', states: 8 },
      },
    },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    const stopped = b.ghost('stopped');
    const inside = b.ghost('inside');
    b.thread('stopper', { cpu: 0, stopMachine: true }, function* () {
      yield* stop_machine(function* () {
        yield* ghost(stopped, 1);
        yield* WRITE_ONCE(x, 1);
        yield* ghost(stopped, 0);
      }, 'stop_machine(fn)');
    });
    b.thread('other', { cpu: 1 }, function* () {
      if (flags.other === 'irqs-off') yield* local_irq_disable();
      if (flags.other === 'preempt-off') yield* preempt_disable();
      if (flags.other === 'guest') {
        yield* local_irq_disable();
        yield* guest_enter();
      } else {
        yield* READ_ONCE(x);
      }
      yield* ghost(inside, 1);
      if (flags.other === 'guest') yield* guest_exit();
      else yield* READ_ONCE(x);
      yield* ghost(inside, 0);
      if (flags.other === 'irqs-off' || flags.other === 'guest') yield* local_irq_enable();
      if (flags.other === 'preempt-off') yield* preempt_enable();
    });
    b.always('excluded', 'the stop_machine body never runs inside the other section', (s) => {
      return !(s.ghost(stopped) === 1 && s.ghost(inside) === 1);
    });
    b.sometimes('body-ran', 'the stop_machine body runs', (s) => s.ghost(stopped) === 1);
    b.sometimes('section-ran', 'the other thread is inside its section', (s) => s.ghost(inside) === 1);
  },
});

/**
 * A vCPU enters the guest; a stopper that waits until it is about to starts stop_machine. The
 * guest CPU has to be kicked out first (a reschedule IPI), take the interrupt, and only then
 * can the machine stop. The invariant "never stops" gives that sequence as a counterexample.
 */
export const stopGuest = defineModel<Record<string, never>>({
  name: 'test-stop-guest',
  title: 'stop_machine against guest mode (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'kick',
      description: 'the machine stops only after the vCPU leaves guest mode',
      flags: {},
      expect: {
        sc: { verdict: 'violated', property: 'never-stops', states: 12 },
        tso: { verdict: 'violated', property: 'never-stops', states: 14 },
        relaxed: { verdict: 'violated', property: 'never-stops', states: 12 },
      },
    },
  ],
  setup(b) {
    const entering = b.loc('entering');
    const stopped = b.ghost('stopped');
    b.thread('stopper', { cpu: 0, stopMachine: true }, function* () {
      yield* wait_until(entering, (v) => v === 1, 'wait until the vCPU is entering the guest');
      yield* stop_machine(function* () {
        yield* ghost(stopped, 1);
      }, 'stop_machine(fn)');
    });
    b.thread('vcpu', { cpu: 1 }, function* () {
      yield* local_irq_disable();
      yield* WRITE_ONCE(entering, 1);
      yield* guest_enter();
      yield* guest_exit();
      yield* local_irq_enable();
    });
    b.always('never-stops', 'the machine never stops', (s) => s.ghost(stopped) === 0);
  },
});

/**
 * Waiting with interrupts disabled for what a stop_machine body does is a deadlock: the stopper
 * cannot start while that CPU has interrupts off. Waiting preemptibly is fine. A body that sends
 * an IPI and waits for it deadlocks too (the kernel WARNs: smp_call_function_single() with
 * interrupts disabled); without waiting, the handler runs once the machine resumes.
 */
export const stopDeadlock = defineModel<{ wait: 'irqs-off' | 'preemptible' | 'ipi-wait' | 'ipi' }>({
  name: 'test-stop-deadlock',
  title: 'stop_machine: waiting for it with interrupts off (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'irqs-off',
      description: 'wait for the stop_machine body with interrupts disabled: deadlock',
      flags: { wait: 'irqs-off' },
      expect: {
        sc: { verdict: 'violated', property: 'deadlock', states: 4 },
        tso: { verdict: 'violated', property: 'deadlock', states: 4 },
        relaxed: { verdict: 'violated', property: 'deadlock', states: 4 },
      },
    },
    {
      name: 'ipi-wait',
      description: 'the body sends an IPI and waits for it: deadlock (nothing is delivered while stopped)',
      flags: { wait: 'ipi-wait' },
      expect: {
        sc: { verdict: 'violated', property: 'deadlock', states: 3 },
        tso: { verdict: 'violated', property: 'deadlock', states: 3 },
        relaxed: { verdict: 'violated', property: 'deadlock', states: 3 },
      },
    },
    {
      name: 'ipi',
      description: 'the body sends an IPI without waiting: delivered after the machine resumes',
      flags: { wait: 'ipi' },
      expect: {
        sc: { verdict: 'holds', states: 7 },
        tso: { verdict: 'holds', states: 7 },
        relaxed: { verdict: 'holds', states: 7 },
      },
    },
    {
      name: 'preemptible',
      description: 'wait for it preemptibly: the machine stops, the wait ends',
      flags: { wait: 'preemptible' },
      expect: {
        sc: { verdict: 'holds', states: 5 },
        tso: { verdict: 'holds', states: 6 },
        relaxed: { verdict: 'holds', states: 5 },
      },
    },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    const stopped = b.ghost('stopped');
    const handled = b.ghost('handled');
    b.interrupt(CALL_FUNCTION_VECTOR, 'call-function', function* () {
      yield* ghost(handled, 1);
      yield* WRITE_ONCE(x, 1);
    });
    b.thread('stopper', { cpu: 0, stopMachine: true }, function* () {
      yield* stop_machine(function* () {
        yield* ghost(stopped, 1);
        if (flags.wait === 'ipi-wait' || flags.wait === 'ipi') {
          yield* smp_call_function_single(1, flags.wait === 'ipi-wait', 'set_x');
        } else {
          yield* WRITE_ONCE(x, 1);
        }
      }, 'stop_machine(set_x)');
      // Merged into the step that ends the stop.
      yield* ghost(stopped, 0);
    });
    b.thread('waiter', { cpu: 1 }, function* () {
      if (flags.wait === 'irqs-off') yield* local_irq_disable();
      yield* wait_until(x, (v) => v === 1, 'wait for x');
      if (flags.wait === 'irqs-off') yield* local_irq_enable();
    });
    b.always('no-irq-while-stopped', 'no interrupt handler runs while the machine is stopped', (s) => {
      return !(s.ghost(stopped) === 1 && s.ghost(handled) === 1);
    });
  },
});

/**
 * cpu_down and cpu_up with a migrating task (allowed on CPUs 1 and 2) and a per-CPU thread
 * pinned to CPU 1, both starting there. The controller takes CPU 1 down and, with `up`, brings
 * it back. The task moves to CPU 2 and finishes there; the pinned thread never steps while CPU 1
 * is offline, finishes once it is back, and stays parked (a valid end, not a deadlock) if not.
 */
export const hotplug = defineModel<{ up: boolean }>({
  name: 'test-hotplug',
  title: 'cpu_down and cpu_up (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 3,
  variants: [
    {
      name: 'down-up',
      description: 'CPU 1 goes down, then comes back',
      flags: { up: true },
      expect: {
        sc: { verdict: 'holds', states: 33 },
        tso: { verdict: 'holds', states: 90 },
        relaxed: { verdict: 'holds', states: 55 },
      },
    },
    {
      name: 'down',
      description: 'CPU 1 goes down for good',
      flags: { up: false },
      expect: {
        sc: { verdict: 'holds', states: 21 },
        tso: { verdict: 'holds', states: 48 },
        relaxed: { verdict: 'holds', states: 31 },
      },
    },
  ],
  setup(b, flags) {
    const t = b.loc('t');
    const k = b.loc('k');
    const lastCpu = b.ghost('task-cpu', -1);
    const ranOffline = b.ghost('ran-offline');
    b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
      yield* cpu_down(1);
      if (flags.up) yield* cpu_up(1);
    });
    b.thread('task', { cpu: 1, cpus: [1, 2] }, function* () {
      yield* WRITE_ONCE(t, 1);
      yield* WRITE_ONCE(t, 2);
      yield* ghost(lastCpu, yield* smp_processor_id());
    });
    b.thread('kthread', { cpu: 1, cpus: [1] }, function* () {
      yield* WRITE_ONCE(k, 1);
      // Merged into the write's step: whether CPU 1 was online when it ran.
      if (!(yield* cpu_online(1))) yield* ghost(ranOffline, 1);
      yield* WRITE_ONCE(k, 2);
      if (!(yield* cpu_online(1))) yield* ghost(ranOffline, 1);
    });
    b.always('parked', 'the pinned thread never steps while its CPU is offline', (s) => s.ghost(ranOffline) === 0);
    b.always('task-leaves', 'the task is never on an offline CPU', (s) => {
      const task = s.thread('task');
      return task.done || s.cpuOnline(task.cpu);
    });
    b.always('task-finishes', 'every run ends with the task done', (s) => !s.final || s.thread('task').done);
    b.sometimes('task-moved', 'the task finishes on CPU 2', (s) => s.ghost(lastCpu) === 2);
    if (flags.up) {
      b.always('kthread-finishes', 'every run ends with the pinned thread done', (s) => {
        return !s.final || s.thread('kthread').done;
      });
    } else {
      b.sometimes('kthread-parked', 'a run ends with the pinned thread parked on offline CPU 1', (s) => {
        return s.final && !s.thread('kthread').done && !s.cpuOnline(1);
      });
    }
  },
});

/**
 * A hotplug state whose startup callback sets a per-CPU flag and whose teardown clears it
 * (like KVM's kvm_online_cpu / kvm_offline_cpu enabling virtualization per CPU). CPUs 1 and 2
 * start offline; the controller brings CPU 2 up and reads the flags, then takes it down again
 * and reads them once more. Without the callbacks the flag never changes.
 */
export const hotplugCallbacks = defineModel<{ callbacks: boolean }>({
  name: 'test-hotplug-callbacks',
  title: 'Hotplug callbacks (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 3,
  variants: [
    {
      name: 'callbacks',
      description: 'startup sets the CPU’s flag, teardown clears it',
      flags: { callbacks: true },
      expect: {
        sc: { verdict: 'holds', states: 8 },
        tso: { verdict: 'holds', states: 13 },
        relaxed: { verdict: 'holds', states: 9 },
      },
    },
    {
      name: 'none',
      description: 'no hotplug state registered',
      flags: { callbacks: false },
      expect: {
        sc: { verdict: 'violated', property: 'up-sets', states: 4 },
        tso: { verdict: 'violated', property: 'up-sets', states: 4 },
        relaxed: { verdict: 'violated', property: 'up-sets', states: 4 },
      },
    },
  ],
  setup(b, flags) {
    const enabled: Loc[] = [0, 1, 2].map((c) => b.loc(`enabled[${c}]`));
    const afterUp = b.ghost('after-up', -1);
    const afterDown = b.ghost('after-down', -1);
    const wrong = b.ghost('other-cpu-flag');
    b.onlineCpus([0]);
    if (flags.callbacks) {
      b.hotplug('test:online', {
        *startup(cpu) {
          yield* WRITE_ONCE(enabled[cpu] as Loc, 1);
        },
        *teardown(cpu) {
          yield* WRITE_ONCE(enabled[cpu] as Loc, 0);
        },
      });
    }
    b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
      yield* cpu_up(2);
      yield* ghost(afterUp, yield* READ_ONCE(enabled[2] as Loc));
      yield* ghost(wrong, yield* READ_ONCE(enabled[1] as Loc));
      yield* cpu_down(2);
      yield* ghost(afterDown, yield* READ_ONCE(enabled[2] as Loc));
    });
    b.always('up-sets', 'after cpu_up(2), CPU 2’s flag is set', (s) => s.ghost(afterUp) !== 0);
    b.always('down-clears', 'after cpu_down(2), CPU 2’s flag is clear', (s) => s.ghost(afterDown) !== 1);
    b.always('only-that-cpu', 'CPU 1’s flag is never set', (s) => s.ghost(wrong) === 0);
  },
});

/**
 * IPIs and offline CPUs. CPU 1 is offline from the start (`offline`), or a controller takes it
 * down while a sender on CPU 0 sends it an IPI (`race`), after checking cpu_online() with
 * preemption disabled or not.
 */
export const ipiOffline = defineModel<{
  how: 'reschedule' | 'call-function' | 'race-checked' | 'race-unchecked';
}>({
  name: 'test-ipi-offline',
  title: 'IPIs to an offline CPU (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'reschedule',
      description: 'smp_send_reschedule() to an offline CPU: a model error',
      flags: { how: 'reschedule' },
      expect: {},
    },
    {
      name: 'call-function',
      description: 'smp_call_function_single() to an offline CPU returns -ENXIO',
      flags: { how: 'call-function' },
      expect: {
        sc: { verdict: 'violated', property: 'no-enxio', states: 2 },
        tso: { verdict: 'violated', property: 'no-enxio', states: 2 },
        relaxed: { verdict: 'violated', property: 'no-enxio', states: 2 },
      },
    },
    {
      name: 'race-checked',
      description: 'cpu_online() then the IPI, with preemption disabled, racing with cpu_down()',
      flags: { how: 'race-checked' },
      expect: {
        sc: { verdict: 'holds', states: 9 },
        tso: { verdict: 'holds', states: 9 },
        relaxed: { verdict: 'holds', states: 9 },
      },
    },
    {
      name: 'race-unchecked',
      description: 'cpu_online() then the IPI, preemptible, racing with cpu_down(): a model error',
      flags: { how: 'race-unchecked' },
      expect: {},
    },
  ],
  setup(b, flags) {
    const err = b.ghost('err', 1);
    const race = flags.how === 'race-checked' || flags.how === 'race-unchecked';
    if (!race) b.onlineCpus([0]);
    b.interrupt(0, 'reschedule');
    b.interrupt(1, 'call-function');
    b.thread('sender', { cpu: 0, cpus: [0] }, function* () {
      if (flags.how === 'reschedule') {
        yield* smp_send_reschedule(1);
      } else if (flags.how === 'call-function') {
        yield* ghost(err, yield* smp_call_function_single(1, true));
      } else {
        if (flags.how === 'race-checked') yield* preempt_disable();
        if (yield* cpu_online(1)) yield* smp_send_reschedule(1);
        if (flags.how === 'race-checked') yield* preempt_enable();
      }
    });
    if (race) {
      b.thread('controller', { cpu: 1, stopMachine: true }, function* () {
        yield* cpu_down(1);
      });
    }
    b.always('no-enxio', 'smp_call_function_single() succeeds', (s) => s.ghost(err) !== -ENXIO);
  },
});

/**
 * Partial-order reduction against stop_machine. `tso-store`: a TSO store of another thread is
 * not independent of stop_machine, which needs every store buffer empty to start: the full
 * graph has runs in which the store lands after the stop_machine body (x ends 1), which a
 * reduction that took the store first would miss. `cpu-id`: a step followed by
 * smp_processor_id() is not independent of cpu_down, which may move the task first.
 */
export const stopReduction = defineModel<{ what: 'tso-store' | 'cpu-id' }>({
  name: 'test-stop-reduction',
  title: 'stop_machine and partial-order reduction (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'tso',
  cpus: () => 3,
  variants: [
    {
      name: 'tso-store',
      description: 'a store racing with a stop_machine body that writes the same location',
      flags: { what: 'tso-store' },
      expect: {
        sc: { verdict: 'violated', property: 'body-last', states: 14 },
        tso: { verdict: 'violated', property: 'body-last', states: 24 },
        relaxed: { verdict: 'violated', property: 'body-last', states: 14 },
      },
    },
    {
      name: 'cpu-id',
      description: 'smp_processor_id() after a local step, racing with cpu_down',
      flags: { what: 'cpu-id' },
      expect: {
        sc: { verdict: 'violated', property: 'stays-on-1', states: 9 },
        tso: { verdict: 'violated', property: 'stays-on-1', states: 12 },
        relaxed: { verdict: 'violated', property: 'stays-on-1', states: 9 },
      },
    },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    const y = b.loc('y');
    if (flags.what === 'tso-store') {
      b.thread('writer', { cpu: 1 }, function* () {
        yield* WRITE_ONCE(x, 1);
        yield* WRITE_ONCE(y, 1);
      });
      b.thread('stopper', { cpu: 0, stopMachine: true }, function* () {
        yield* stop_machine(function* () {
          yield* WRITE_ONCE(x, 2);
        }, 'stop_machine(set_x)');
      });
      b.always('body-last', 'x ends with the stop_machine body’s value', (s) => !s.final || s.mem(x) === 2);
    } else {
      b.thread('task', { cpu: 1, cpus: [1, 2] }, function* () {
        yield* choose(1, 'a local step');
        yield* WRITE_ONCE(x, yield* smp_processor_id());
      });
      b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* cpu_down(1);
      });
      b.always('stays-on-1', 'the task records CPU 1', (s) => s.mem(x) !== 2);
    }
  },
});

/**
 * A bring-up that fails, and in_stop_machine(). CPU 1 starts offline; the controller calls
 * cpu_up(1), which succeeds (`up`: CPU_UP_PREPARE, the CPU online, CPU_ONLINE; then cpu_down(1),
 * whose CPU_DYING runs under stop_machine) or fails (`fails`: CPU_UP_PREPARE, then
 * CPU_UP_CANCELED undoing it; CPU 1 stays offline and cpu_up() returns -EIO). The controller
 * also asks in_stop_machine() outside any stop_machine and inside a stop_machine body.
 */
export const hotplugUpFailure = defineModel<{ fails: boolean }>({
  name: 'test-hotplug-up-failure',
  title: 'cpu_up() that fails, and in_stop_machine() (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'up',
      description: 'the bring-up succeeds: prepare, online, startup; then down, dying under stop_machine',
      flags: { fails: false },
      expect: {
        sc: { verdict: 'holds', states: 11 },
        tso: { verdict: 'holds', states: 15 },
        relaxed: { verdict: 'holds', states: 11 },
      },
    },
    {
      name: 'fails',
      description: 'the bring-up fails: prepare, then canceled; CPU 1 stays offline and cpu_up() returns -EIO',
      flags: { fails: true },
      expect: {
        sc: { verdict: 'holds', states: 8 },
        tso: { verdict: 'holds', states: 16 },
        relaxed: { verdict: 'holds', states: 8 },
      },
    },
  ],
  setup(b, flags) {
    const prepared = b.loc('prepared[1]');
    const started = b.loc('started[1]');
    const result = b.ghost('cpu_up-result', 1);
    const outside = b.ghost('in_stop_machine-outside', -1);
    const inBody = b.ghost('in_stop_machine-in-body', -1);
    const inDying = b.ghost('in_stop_machine-at-dying', -1);
    // What the controller reads back after cpu_up() (its own stores, under every memory model).
    const seenPrepared = b.ghost('prepared-seen', -1);
    const seenStarted = b.ghost('started-seen', -1);
    b.onlineCpus([0]);
    b.hotplug('test:up', {
      *prepare() {
        yield* WRITE_ONCE(prepared, 1);
      },
      *canceled() {
        yield* WRITE_ONCE(prepared, 0);
      },
      *startup() {
        yield* WRITE_ONCE(started, 1);
      },
      *dying() {
        yield* ghost(inDying, (yield* in_stop_machine()) ? 1 : 0);
      },
    });
    b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
      yield* ghost(outside, (yield* in_stop_machine()) ? 1 : 0);
      const r = yield* cpu_up(1, { fails: flags.fails });
      yield* ghost(seenPrepared, yield* READ_ONCE(prepared));
      yield* ghost(seenStarted, yield* READ_ONCE(started));
      yield* ghost(result, r);
      if (r === 0) yield* cpu_down(1);
      const body = yield* stop_machine(() => in_stop_machine());
      yield* ghost(inBody, body ? 1 : 0);
    });
    b.always('up-result', 'cpu_up() returns -EIO when the bring-up fails, 0 otherwise', (s) =>
      [1, flags.fails ? -EIO : 0].includes(s.ghost(result)),
    );
    b.always(
      'callbacks',
      'after cpu_up() the prepare callback ran, undone by canceled on a failure; startup only on success',
      (s) =>
        s.ghost(result) === 1 ||
        (s.ghost(seenPrepared) === (flags.fails ? 0 : 1) && s.ghost(seenStarted) === (flags.fails ? 0 : 1)),
    );
    b.always('stays-offline', 'a failed bring-up leaves CPU 1 offline', (s) => !flags.fails || !s.cpuOnline(1));
    b.always(
      'in-stop-machine',
      'in_stop_machine() is false outside stop_machine, true in its body and at CPU_DYING',
      (s) => s.ghost(outside) !== 1 && s.ghost(inBody) !== 0 && s.ghost(inDying) !== 0,
    );
    b.sometimes('done', 'the controller finishes', (s) => s.ghost(inBody) === 1);
    if (!flags.fails) b.sometimes('dying-ran', 'CPU_DYING runs', (s) => s.ghost(inDying) === 1);
  },
});

export const HOTPLUG_MODELS = [
  stopUpdate,
  stopBarrier,
  stopExclusion,
  stopGuest,
  stopDeadlock,
  hotplug,
  hotplugCallbacks,
  hotplugUpFailure,
  ipiOffline,
  stopReduction,
];
