/**
 * A thread's steps (threads.ts) on tiny models stepped by hand: preemption counts, IPIs (the
 * CPU, the vector, the barrier before sending), VM entry and exit, choices and migration (where
 * to, when, what is refused), each model error with its whole message. Written from the
 * survivors and uncovered mutants of the mutation run of threads.ts (reports/mutation/REPORT.md);
 * each test asserts behaviour: successors, results, verdicts, messages.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyModel,
  atomic_inc,
  BUG_ON,
  CALL_FUNCTION_VECTOR,
  check,
  choose,
  cpu_down,
  ghost,
  guest_enter,
  guest_exit,
  guest_run,
  local_irq_disable,
  local_irq_enable,
  type MemoryModelName,
  type ModelBuilder,
  migrate,
  plain_load,
  preempt_disable,
  preempt_enable,
  RESCHEDULE_VECTOR,
  send_ipi,
  smp_call_function_single,
  smp_send_reschedule,
  spin_lock,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import { message, oneVariantModel, stepper } from '../support/stepper.ts';

const tiny = (cpus: number, setup: (b: ModelBuilder) => void, mm: MemoryModelName = 'sc'): AnyModel =>
  oneVariantModel('tiny-threads', cpus, setup, [mm]);

/** The message check() gives for a one-thread model running `body` (or undefined). */
function errorOf(body: () => Generator<unknown, unknown, number>, cpus = 2, setup?: (b: ModelBuilder) => void) {
  return message(() =>
    check(
      tiny(cpus, (b) => {
        setup?.(b);
        b.thread('t', { cpu: 0, cpus: [0, 1] }, body as () => ReturnType<typeof migrate>);
      }),
    ),
  );
}

describe('preemption counts', () => {
  it('nest up to seven deep, and a task is not preemptible until the last preempt_enable()', () => {
    const model = tiny(2, (b) => {
      b.thread('t', { cpu: 0, cpus: [0, 1] }, function* () {
        for (let k = 0; k < 7; k++) yield* preempt_disable();
        for (let k = 0; k < 7; k++) yield* preempt_enable();
        yield* migrate();
      });
    });
    expect(check(model).verdict).toBe('holds');
    const t = stepper(model);
    for (let k = 0; k < 7; k++) t.step('t');
    for (let k = 0; k < 6; k++) t.step('t');
    // One preempt_disable() left: the thread is not preemptible yet.
    expect(t.m.threadViews(t.state)[0]?.next).toBe('preempt_enable()');
    t.step('t');
    expect(t.step('t')).toMatchObject({ kind: 'migrate', target: 1 });
  });

  it('refuses an eighth level, a preempt_enable() too many, and migrate() with preemption off', () => {
    expect(
      errorOf(function* () {
        for (let k = 0; k < 8; k++) yield* preempt_disable();
      }),
    ).toBe('t: preempt_disable() nested too deeply');
    expect(
      errorOf(function* () {
        yield* preempt_disable();
        yield* preempt_enable();
        yield* preempt_enable();
      }),
    ).toBe('t: preempt_enable() without preempt_disable()');
    expect(
      errorOf(function* () {
        yield* preempt_disable();
        yield* migrate();
      }),
    ).toBe('t: migrate() where the task is not preemptible');
    expect(
      errorOf(function* () {
        yield* local_irq_disable();
        yield* migrate();
      }),
    ).toBe('t: migrate() where the task is not preemptible');
  });
});

describe('IPIs', () => {
  const declare = (b: ModelBuilder) => b.interrupt(RESCHEDULE_VECTOR, 'reschedule');

  it('refuses a CPU that does not exist, a vector out of range and one the model does not declare', () => {
    expect(
      errorOf(
        function* () {
          yield* smp_send_reschedule(2);
        },
        2,
        declare,
      ),
    ).toBe('t: IPI to CPU 2, which does not exist');
    expect(
      errorOf(
        function* () {
          yield* smp_send_reschedule(-1);
        },
        2,
        declare,
      ),
    ).toBe('t: IPI to CPU -1, which does not exist');
    expect(
      errorOf(
        function* () {
          yield* send_ipi(1, 8, 'send vector 8');
        },
        2,
        declare,
      ),
    ).toBe('t: IPI vector 8 is not in 0..7');
    expect(
      errorOf(
        function* () {
          yield* send_ipi(1, -1, 'send vector -1');
        },
        2,
        declare,
      ),
    ).toBe('t: IPI vector -1 is not in 0..7');
    expect(
      errorOf(
        function* () {
          yield* send_ipi(1, 3, 'send vector 3');
        },
        2,
        declare,
      ),
    ).toBe('t: IPI on vector 3, which the model does not declare (b.interrupt)');
    // The last vector and the last CPU are fine.
    const last = tiny(2, (b) => {
      b.interrupt(7, 'last');
      b.thread('t', { cpu: 0 }, function* () {
        yield* send_ipi(1, 7, 'send vector 7');
      });
    });
    expect(check(last).verdict).toBe('holds');
  });

  it('an IPI to an offline CPU is refused, with what to do instead', () => {
    const model = tiny(2, (b) => {
      declare(b);
      b.thread('t', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* cpu_down(1);
        yield* smp_send_reschedule(1);
      });
    });
    expect(message(() => check(model))).toBe(
      't: smp_send_reschedule(1): IPI to CPU 1, which is offline (the kernel WARNs, as native_smp_send_reschedule() ' +
        'does); check cpu_online() first, with preemption disabled so that cpu_down() cannot come in between, or use ' +
        'smp_call_function_single(), which returns -ENXIO',
    );
  });

  it('under TSO, sending waits for the sender’s store buffer (a full barrier first); the target gets it pending', () => {
    const model = tiny(
      2,
      (b) => {
        declare(b);
        const x = b.loc('x');
        b.thread('t', { cpu: 0 }, function* () {
          yield* WRITE_ONCE(x, 1);
          yield* smp_send_reschedule(1);
        });
      },
      'tso',
    );
    const t = stepper(model, 'tso');
    t.step('t');
    expect(t.enabled('t')).toBe(0);
    t.step('store buffer of t');
    expect(t.step('t')).toMatchObject({ kind: 'ipi', target: 1 });
    expect(t.m.cpuViews(t.state).map((c) => c.pending)).toEqual([[], ['reschedule']]);
  });
});

describe('VM entry and exit', () => {
  it('refuses VM entry with interrupts enabled', () => {
    expect(
      errorOf(function* () {
        yield* guest_enter();
      }),
    ).toBe('t: VM entry with interrupts enabled');
  });

  it('guest_exit() waits for an interrupt pending on its CPU, and leaves guest mode then', () => {
    const model = tiny(2, (b) => {
      b.interrupt(RESCHEDULE_VECTOR, 'reschedule');
      b.thread('vcpu', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* guest_enter();
        yield* guest_exit();
        yield* local_irq_enable();
      });
      b.thread('sender', { cpu: 1 }, function* () {
        yield* smp_send_reschedule(0);
      });
    });
    const t = stepper(model);
    t.step('vcpu');
    t.step('vcpu');
    expect(t.m.threadViews(t.state)[0]?.inGuest).toBe(true);
    expect(t.enabled('vcpu')).toBe(0);
    t.step('sender');
    expect(t.step('vcpu').kind).toBe('guest-exit');
    expect(t.m.threadViews(t.state)[0]).toMatchObject({ inGuest: false, irqsDisabled: true });
    expect(check(model).verdict).toBe('holds');
  });
});

describe('choices and migration', () => {
  it('choose(n) has exactly n successors, each returning its number', () => {
    const model = tiny(1, (b) => {
      const picked = b.ghost('picked', -1);
      b.thread('t', { cpu: 0 }, function* () {
        yield* ghost(picked, yield* choose(4, 'pick'));
      });
      b.sometimes('three', 'picks 3', (s) => s.ghost(picked) === 3);
      b.always('below-four', 'picks below 4', (s) => s.ghost(picked) < 4);
    });
    const t = stepper(model);
    expect(t.emitted('t').map((e) => e.choice)).toEqual([0, 1, 2, 3]);
    const r = check(model);
    expect(r.verdict).toBe('holds');
    expect(r.witnesses).toEqual([{ name: 'three', reached: true }]);
  });

  it('migrate() goes to each other online CPU the task may run on, and needs the cpus option', () => {
    const model = tiny(4, (b) => {
      b.onlineCpus([0, 1, 3]);
      b.thread('t', { cpu: 0, cpus: [0, 1, 2, 3] }, function* () {
        yield* migrate();
      });
    });
    const t = stepper(model);
    const targets = t.emitted('t').map((e) => t.m.threadViews(e.next)[0]?.cpu);
    expect(targets).toEqual([1, 3]);
    expect(
      message(() =>
        check(
          tiny(2, (b) => {
            b.thread('t', { cpu: 0 }, function* () {
              yield* migrate();
            });
          }),
        ),
      ),
    ).toBe("t: migrate() needs the CPUs the task may move to (the thread's cpus option)");
  });

  it('under TSO, migrate() waits for the task’s store buffer (schedule() is a full barrier)', () => {
    const model = tiny(
      2,
      (b) => {
        const x = b.loc('x');
        b.thread('t', { cpu: 0, cpus: [0, 1] }, function* () {
          yield* WRITE_ONCE(x, 1);
          yield* migrate();
        });
      },
      'tso',
    );
    const t = stepper(model, 'tso');
    t.step('t');
    expect(t.enabled('t')).toBe(0);
    t.step('store buffer of t');
    expect(t.step('t')).toMatchObject({ kind: 'migrate', target: 1 });
  });
});

describe('second mutation run of threads.ts: failures, -ENXIO, the tick, what writes', () => {
  it('a thread stopped at a failed BUG_ON() has no step, and the check reports the failure', () => {
    const model = tiny(1, (b) => {
      const x = b.loc('x');
      b.thread('t', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(x, 1);
        yield* BUG_ON(true, 'x was set');
      });
    });
    const t = stepper(model);
    t.step('t');
    expect(t.enabled('t')).toBe(0);
    const r = check(model);
    expect(r.verdict).toBe('violated');
    expect(r.violation?.description).toContain('x was set');
  });

  it('smp_call_function_single() to an offline CPU returns -ENXIO and sends nothing', () => {
    const model = tiny(2, (b) => {
      const x = b.loc('x');
      b.onlineCpus([0]);
      b.interrupt(CALL_FUNCTION_VECTOR, 'call-function');
      b.thread('t', { cpu: 0 }, function* () {
        const err = yield* smp_call_function_single(1, true);
        yield* WRITE_ONCE(x, err);
      });
    });
    const t = stepper(model);
    t.step('t');
    expect(t.m.threadViews(t.state)[0]?.next).toBe('WRITE_ONCE(x, -6)');
    expect(t.m.cpuViews(t.state)[1]).toEqual({ cpu: 1, pending: [], offline: true });
  });

  it('the scheduler tick ends guest mode while another task waits for the CPU, and only then', () => {
    const vcpu = function* () {
      yield* local_irq_disable();
      yield* guest_enter();
      yield* guest_exit();
      yield* local_irq_enable();
    };
    const shared = tiny(1, (b) => {
      const x = b.loc('x');
      b.thread('vcpu', { cpu: 0 }, vcpu);
      b.thread('other', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(x, 1);
      });
    });
    const t = stepper(shared);
    t.step('vcpu');
    t.step('vcpu');
    expect(t.enabled('other')).toBe(0);
    expect(t.options('vcpu').map((i) => i.kind)).toEqual(['guest-exit']);
    expect(check(shared).verdict).toBe('holds');
    const alone = stepper(tiny(1, (b) => b.thread('vcpu', { cpu: 0 }, vcpu)));
    alone.step('vcpu');
    alone.step('vcpu');
    expect(alone.enabled('vcpu')).toBe(0);
  });

  it('guest_run() cut short by the tick returns an external-interrupt exit, and its trace says so', () => {
    const model = tiny(1, (b) => {
      const x = b.loc('x');
      b.thread('vcpu', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* guest_enter();
        const reason = yield* guest_run();
        yield* WRITE_ONCE(x, reason);
        yield* local_irq_enable();
      });
      b.thread('other', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(x, 5);
      });
    });
    const t = stepper(model);
    t.step('vcpu');
    t.step('vcpu');
    expect(t.step('vcpu')).toMatchObject({ kind: 'guest-exit', result: 'external interrupt' });
    expect(t.m.threadViews(t.state)[0]?.next).toBe('WRITE_ONCE(x, 1)');
  });

  it('an atomic and a lock acquisition write: a plain load of their location races with them', () => {
    const race = (writer: 'atomic' | 'lock' | 'read') => {
      const model = tiny(2, (b) => {
        const x = b.loc('x');
        b.plainAccesses();
        b.thread('p', { cpu: 0 }, function* () {
          if (writer === 'atomic') yield* atomic_inc(x);
          else if (writer === 'lock') yield* spin_lock(x);
          else yield* plain_load(x);
        });
        b.thread('q', { cpu: 1 }, function* () {
          yield* plain_load(x);
        });
        b.always('no-race', 'no data race', (s) => !s.dataRace);
      });
      return check(model).verdict;
    };
    expect(race('atomic')).toBe('violated');
    expect(race('lock')).toBe('violated');
    expect(race('read')).toBe('holds');
  });

  it('under relaxed memory a plain access needs b.plainAccesses(), and says so', () => {
    const model = tiny(
      1,
      (b) => {
        const x = b.loc('x');
        b.thread('t', { cpu: 0 }, function* () {
          yield* plain_load(x);
        });
      },
      'relaxed',
    );
    expect(message(() => check(model, { memoryModel: 'relaxed' }))).toBe(
      't: *x is a plain C access in a model that does not declare plain accesses: call b.plainAccesses() in its ' +
        'setup, so that the relaxed data-race check can track what bounds them',
    );
  });
});
