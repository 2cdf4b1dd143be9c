/**
 * stop_machine and CPU hotplug (hotplug.ts), step by step on tiny models: the order in which
 * the hotplug states' callbacks are spliced around cpu_down() and cpu_up() when only some
 * states have some callbacks; which CPUs a task on a dying CPU may go to, and every way to
 * place several of them; when stopping must wait (a CPU in guest mode kicked but not out yet,
 * an interrupt pending elsewhere, the stopper's own store buffer); the barrier cpu_up() gives a
 * thread parked on the CPU coming up; and the model errors, each with its whole message.
 * Written from the survivors of the mutation run of hotplug.ts (reports/mutation/REPORT.md);
 * each test asserts behaviour: successors, states, verdicts, messages.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyModel,
  check,
  cpu_down,
  cpu_up,
  ghost,
  ghost_read,
  guest_enter,
  guest_exit,
  local_irq_disable,
  local_irq_enable,
  type MemoryModelName,
  type ModelBuilder,
  READ_ONCE,
  smp_send_reschedule,
  stop_machine,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';
import { stepper as machine, message, oneVariantModel } from '../support/stepper.ts';

type Setup = (b: ModelBuilder) => void;

const tiny = (cpus: number, setup: Setup, memoryModels: readonly MemoryModelName[] = ['sc']): AnyModel =>
  oneVariantModel('tiny-hotplug', cpus, setup, memoryModels);

describe('hotplug callbacks spliced around cpu_down() and cpu_up()', () => {
  // Two states: "full" has every callback, "bare" only a teardown. Each callback writes its
  // number to `log`, so that its step's text names it.
  const callbacks = tiny(2, (b) => {
    const log = b.loc('log');
    const mark = (n: number) =>
      function* () {
        yield* WRITE_ONCE(log, n);
      };
    b.hotplug('full', {
      prepare: mark(1),
      startup: mark(2),
      canceled: mark(3),
      teardown: mark(4),
      dying: mark(5),
    });
    b.hotplug('bare', { teardown: mark(6) });
    b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
      yield* cpu_down(1);
      yield* cpu_up(1, { fails: true });
      yield* cpu_up(1);
    });
  });

  it('teardowns last registered first, then take_cpu_down() under stop_machine with the dying callback inside', () => {
    const c = machine(callbacks);
    const texts: string[] = [];
    const stopperAt: number[] = [];
    for (let k = 0; k < 6; k++) {
      texts.push(c.step('controller').text);
      stopperAt.push(c.m.stopper(c.state));
    }
    expect(texts).toEqual([
      'WRITE_ONCE(log, 6)',
      'WRITE_ONCE(log, 4)',
      'stop_machine(take_cpu_down, cpu1)',
      'cpu_down(1): take_cpu_down() under stop_machine',
      'WRITE_ONCE(log, 5)',
      'take_cpu_down() returns: every CPU resumes',
    ]);
    // The dying callback runs while the machine is stopped (by the controller, thread 0).
    expect(stopperAt).toEqual([-1, -1, 0, 0, 0, -1]);
    expect(c.m.cpuViews(c.state)[1]?.offline).toBe(true);
  });

  it('a failed bring-up runs only the canceled callbacks there are, a good one only the startups there are', () => {
    const c = machine(callbacks);
    for (let k = 0; k < 6; k++) c.step('controller');
    const texts: string[] = [];
    for (let k = 0; k < 6; k++) texts.push(c.step('controller').text);
    expect(texts).toEqual([
      'WRITE_ONCE(log, 1)',
      'cpu_up(1): bringup_cpu() fails',
      'WRITE_ONCE(log, 3)',
      'WRITE_ONCE(log, 1)',
      'cpu_up(1): bringup_cpu()',
      'WRITE_ONCE(log, 2)',
    ]);
    expect(c.m.cpuViews(c.state)[1]?.offline ?? false).toBe(false);
    expect(check(callbacks).verdict).toBe('holds');
  });
});

describe('where the tasks of a CPU going down may go', () => {
  it('to online CPUs only', () => {
    const model = tiny(3, (b) => {
      const x = b.loc('x');
      b.onlineCpus([0, 1]);
      b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* cpu_down(1);
      });
      b.thread('task', { cpu: 1, cpus: [0, 1, 2] }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
    });
    const c = machine(model);
    const next = c.successors('controller');
    expect(next.map((s) => c.m.threadViews(s).find((t) => t.name === 'task')?.cpu)).toEqual([0]);
  });

  it('a task that has finished is not moved', () => {
    const model = tiny(3, (b) => {
      const x = b.loc('x');
      b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* wait_until(x, (v) => v === 1, 'wait for the task');
        yield* cpu_down(1);
      });
      b.thread('task', { cpu: 1, cpus: [0, 1, 2] }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
    });
    const c = machine(model);
    c.step('task');
    c.step('controller');
    expect(c.enabled('controller')).toBe(1);
  });

  it('every placement of two tasks, each once', () => {
    const model = tiny(4, (b) => {
      const x = b.loc('x');
      b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* cpu_down(1);
      });
      for (const name of ['p', 'q']) {
        b.thread(name, { cpu: 1, cpus: [0, 1, 2, 3] }, function* () {
          yield* WRITE_ONCE(x, 1);
        });
      }
    });
    const c = machine(model);
    const placements = c.successors('controller').map((s) => {
      const views = c.m.threadViews(s);
      return `${views.find((t) => t.name === 'p')?.cpu}${views.find((t) => t.name === 'q')?.cpu}`;
    });
    expect([...placements].sort()).toEqual(['00', '02', '03', '20', '22', '23', '30', '32', '33']);
  });

  it('refuses a controller pinned to the CPU it takes down, and a task allowed only on offline CPUs', () => {
    const pinned = tiny(2, (b) => {
      b.thread('controller', { cpu: 1, cpus: [1], stopMachine: true }, function* () {
        yield* cpu_down(1);
      });
    });
    expect(message(() => check(pinned))).toBe(
      'controller: cpu_down(1): take_cpu_down() under stop_machine from a thread pinned to CPU 1',
    );
    const stranded = tiny(3, (b) => {
      const x = b.loc('x');
      b.onlineCpus([0, 1]);
      b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* cpu_down(1);
      });
      b.thread('u', { cpu: 1, cpus: [1, 2] }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
    });
    expect(message(() => check(stranded))).toBe(
      'controller: cpu_down(1): take_cpu_down() under stop_machine: u may run only on CPUs that are offline now ' +
        '([1, 2]); the kernel would break its affinity (select_fallback_rq)',
    );
  });
});

describe('when stop_machine must wait', () => {
  it('for a CPU in guest mode that was kicked but has not left the guest: no second kick', () => {
    // The vCPU is on CPU 0 and the stopper on CPU 1, so the CPU to kick is CPU 0.
    const model = tiny(2, (b) => {
      const entering = b.loc('entering');
      const inGuest = b.ghost('in-guest');
      const seen = b.ghost('seen-in-guest', -1);
      b.thread('stopper', { cpu: 1, stopMachine: true }, function* () {
        yield* wait_until(entering, (v) => v === 1, 'wait until the vCPU is entering the guest');
        yield* stop_machine(function* () {
          yield* ghost(seen, yield* ghost_read(inGuest));
        }, 'stop_machine(fn)');
      });
      b.thread('vcpu', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* WRITE_ONCE(entering, 1);
        yield* guest_enter();
        yield* ghost(inGuest, 1);
        yield* ghost(inGuest, 0);
        yield* guest_exit();
        yield* local_irq_enable();
      });
      b.always('not-in-guest', 'nothing is in guest mode while the machine is stopped', (s) => s.ghost(seen) !== 1);
      b.sometimes('stopped', 'the machine stops', (s) => s.ghost(seen) === 0);
    });
    const r = check(model);
    expect(r.verdict).toBe('holds');
    expect(r.witnesses).toEqual([{ name: 'stopped', reached: true }]);
    const c = machine(model);
    c.step('vcpu');
    c.step('vcpu');
    c.step('vcpu');
    c.step('stopper');
    const kick = c.step('stopper');
    expect(kick.kind).toBe('ipi');
    expect(kick.target).toBe(0);
    // Kicked: the stopper waits for CPU 0 to take the interrupt and leave the guest.
    expect(c.enabled('stopper')).toBe(0);
  });

  it('for an interrupt pending on another CPU to be taken', () => {
    const model = tiny(2, (b) => {
      b.interrupt(0, 'reschedule');
      b.thread('stopper', { cpu: 0, stopMachine: true }, function* () {
        yield* smp_send_reschedule(1);
        yield* stop_machine(function* () {}, 'stop_machine(fn)');
      });
    });
    const c = machine(model);
    c.step('stopper');
    expect(c.enabled('stopper')).toBe(0);
    c.step('irq@cpu1');
    expect(c.enabled('stopper')).toBe(1);
  });

  it('under TSO, for the kicking thread’s own store buffer', () => {
    const model = tiny(
      2,
      (b) => {
        const entering = b.loc('entering');
        const x = b.loc('x');
        b.thread('stopper', { cpu: 0, stopMachine: true }, function* () {
          yield* wait_until(entering, (v) => v === 1, 'wait until the vCPU is entering the guest');
          yield* WRITE_ONCE(x, 1);
          yield* stop_machine(function* () {}, 'stop_machine(fn)');
        });
        b.thread('vcpu', { cpu: 1 }, function* () {
          yield* local_irq_disable();
          yield* WRITE_ONCE(entering, 1);
          yield* guest_enter();
          yield* guest_exit();
          yield* local_irq_enable();
        });
      },
      ['tso'],
    );
    const c = machine(model, 'tso');
    c.step('vcpu');
    c.step('vcpu');
    c.step('store buffer of vcpu');
    c.step('vcpu');
    c.step('stopper');
    c.step('stopper');
    // x = 1 is in the stopper's store buffer: the kick (an smp_mb() first) waits for it.
    expect(c.enabled('stopper')).toBe(0);
    c.step('store buffer of stopper');
    expect(c.step('stopper').kind).toBe('ipi');
  });

  it('under TSO, cpu_up() waits for the controller’s store buffer', () => {
    const model = tiny(
      2,
      (b) => {
        const x = b.loc('x');
        b.onlineCpus([0]);
        b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
          yield* WRITE_ONCE(x, 1);
          yield* cpu_up(1);
        });
      },
      ['tso'],
    );
    const c = machine(model, 'tso');
    c.step('controller');
    expect(c.enabled('controller')).toBe(0);
    c.step('store buffer of controller');
    expect(c.step('controller').kind).toBe('cpu-up');
  });
});

describe('cpu_up() orders the controller before the threads parked on the CPU', () => {
  it('under relaxed, a thread pinned to the CPU coming up sees what the controller stored before', () => {
    const model = tiny(
      2,
      (b) => {
        const x = b.loc('x');
        const read = b.ghost('read', -1);
        b.onlineCpus([0]);
        b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
          yield* WRITE_ONCE(x, 1);
          yield* cpu_up(1);
        });
        b.thread('kthread', { cpu: 1, cpus: [1] }, function* () {
          yield* ghost(read, yield* READ_ONCE(x));
        });
        b.always('sees-it', 'the parked thread reads the store made before cpu_up()', (s) => s.ghost(read) !== 0);
        b.sometimes('ran', 'the parked thread runs', (s) => s.ghost(read) === 1);
      },
      ['relaxed'],
    );
    const r = check(model, { memoryModel: 'relaxed' });
    expect(r.verdict).toBe('holds');
    expect(r.witnesses).toEqual([{ name: 'ran', reached: true }]);
  });
});

describe('model errors, whole messages', () => {
  it('a thread without the stopMachine option, and stop_machine with interrupts disabled', () => {
    const noOption = tiny(2, (b) => {
      b.thread('t', { cpu: 0 }, function* () {
        yield* stop_machine(function* () {});
      });
    });
    expect(message(() => check(noOption))).toBe(
      't: stop_machine(fn): a thread that may stop the machine needs the stopMachine option ' +
        '(partial-order reduction must know)',
    );
    const irqs = tiny(2, (b) => {
      b.thread('t', { cpu: 0, stopMachine: true }, function* () {
        yield* local_irq_disable();
        yield* stop_machine(function* () {});
        yield* local_irq_enable();
      });
    });
    expect(message(() => check(irqs))).toBe(
      't: stop_machine(fn) with interrupts or preemption disabled: it sleeps (cpus_read_lock(), wait_for_completion())',
    );
  });

  it('cpu_up() and cpu_down() of a CPU that does not exist, and cpu_up() of an online CPU', () => {
    const calling = (op: () => Generator<unknown, unknown, number>) =>
      tiny(2, (b) => {
        b.thread('t', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
          yield* op() as ReturnType<typeof cpu_down>;
        });
      });
    expect(message(() => check(calling(() => cpu_up(2))))).toBe('t: cpu_up(2): bringup_cpu(): there is no CPU 2');
    expect(message(() => check(calling(() => cpu_down(2))))).toBe(
      't: cpu_down(2): take_cpu_down() under stop_machine: there is no CPU 2',
    );
    expect(message(() => check(calling(() => cpu_up(-1))))).toBe('t: cpu_up(-1): bringup_cpu(): there is no CPU -1');
    expect(message(() => check(calling(() => cpu_down(0.5))))).toBe(
      't: cpu_down(0.5): take_cpu_down() under stop_machine: there is no CPU 0.5',
    );
    expect(message(() => check(calling(() => cpu_up(1))))).toBe(
      't: cpu_up(1): bringup_cpu(): CPU 1 is already online (concurrent hotplug operations are serialised by ' +
        'cpu_hotplug_lock, which the model does not have)',
    );
  });

  it('a thread may start on an offline CPU only when pinned to it; sixteen CPUs are allowed', () => {
    const pinned = tiny(2, (b) => {
      const x = b.loc('x');
      b.onlineCpus([0]);
      b.thread('controller', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* cpu_up(1);
      });
      b.thread('kthread', { cpu: 1, cpus: [1] }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
    });
    expect(check(pinned).verdict).toBe('holds');
    const movable = tiny(2, (b) => {
      b.onlineCpus([0]);
      b.thread('t', { cpu: 1, cpus: [1, 0] }, function* () {});
    });
    expect(message(() => check(movable))).toBe(
      'thread t starts on CPU 1, which is offline: only a thread pinned to it (cpus: [1]) may wait there for cpu_up()',
    );
    const sixteen = tiny(16, (b) => {
      const x = b.loc('x');
      b.thread('t', { cpu: 15 }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
    });
    expect(check(sixteen).verdict).toBe('holds');
  });
});
