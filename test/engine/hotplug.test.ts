/**
 * stop_machine and CPU hotplug (hotplug.ts): what a stop_machine body excludes, when stopping
 * can start, where tasks go when their CPU goes down, hotplug callbacks, IPIs to offline CPUs,
 * partial-order reduction against all of these, and the golden verdicts and state counts of
 * the test models (hotplug-models.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  type AnyModel,
  type CheckResult,
  check,
  cpu_down,
  defineModel,
  instantiate,
  local_irq_disable,
  Machine,
  type MemoryModelName,
  ModelError,
  replayEncoded,
  type StepInfo,
  stop_machine,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';
import {
  HOTPLUG_MODELS,
  hotplug,
  hotplugCallbacks,
  hotplugUpFailure,
  ipiOffline,
  stopBarrier,
  stopDeadlock,
  stopExclusion,
  stopGuest,
  stopReduction,
  stopUpdate,
} from './hotplug-models.ts';

const MMS: readonly MemoryModelName[] = ['sc', 'tso', 'relaxed'];

const cache = new Map<string, CheckResult>();
function run(model: AnyModel, variant: string, memoryModel: MemoryModelName, reduction = true): CheckResult {
  const key = `${model.name}/${variant}/${memoryModel}/${reduction}`;
  let r = cache.get(key);
  if (!r) {
    r = check(model, { variant, memoryModel, reduction });
    cache.set(key, r);
  }
  return r;
}

/** The error `fn` throws (or undefined). */
function thrown(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

/** A machine for one variant, and the state after the given units' steps (choice 0 each). */
function stepThrough(model: AnyModel, variant: string, mm: MemoryModelName, units: readonly string[]) {
  const m = new Machine(instantiate(model, variant).instance, mm);
  let s = m.initial();
  const infos: StepInfo[] = [];
  for (const name of units) {
    const u = m.units.findIndex((x) => x.name === name);
    let next: Int32Array | undefined;
    m.unitSuccessors(s, s.length, u, (_u, c, st, len) => {
      if (c === 0 && next === undefined) next = st.slice(0, len);
    });
    if (!next) throw new Error(`${name} cannot step`);
    infos.push(m.describeStep(s, u, 0, next));
    s = next;
  }
  const enabled = (name: string): number =>
    m.unitSuccessors(
      s,
      s.length,
      m.units.findIndex((x) => x.name === name),
      () => {},
    );
  return { m, s, infos, enabled };
}

describe.each(MMS)('stop_machine under %s', (mm) => {
  it('a stop_machine body’s two writes are never seen half done; without stop_machine they are', () => {
    const stopped = run(stopUpdate, 'stop-machine', mm);
    expect(stopped.verdict).toBe('holds');
    expect(stopped.witnesses).toEqual([{ name: 'saw-new', reached: true }]);
    const plain = run(stopUpdate, 'irqs-off', mm);
    expect(plain.verdict).toBe('violated');
    expect(plain.violation?.property).toBe('all-or-nothing');
  });

  it('starting is a full barrier on every CPU: the body sees a store made elsewhere before the stop', () => {
    const r = run(stopBarrier, 'entry', mm);
    expect(r.verdict).toBe('holds');
    expect(r.witnesses).toEqual([{ name: 'stored-first', reached: true }]);
  });

  it('cannot start while another CPU has interrupts or preemption disabled, or is in guest mode', () => {
    for (const v of ['irqs-off', 'preempt-off', 'guest']) {
      const r = run(stopExclusion, v, mm);
      // Holds, and both witnesses (the body ran, the section ran) were reached.
      expect(r.verdict, v).toBe('holds');
      expect(r.witnesses.every((w) => w.reached)).toBe(true);
    }
    const preemptible = run(stopExclusion, 'preemptible', mm);
    expect(preemptible.verdict).toBe('violated');
    expect(preemptible.violation?.property).toBe('excluded');
    const kinds = preemptible.counterexample?.steps.map((s) => s.kind);
    expect(kinds?.at(-1)).toBe('stop-begin');
  });

  it('kicks a CPU out of guest mode with a reschedule IPI, then stops every other CPU', () => {
    const r = run(stopGuest, 'kick', mm);
    expect(r.verdict).toBe('violated');
    const steps = r.counterexample?.steps ?? [];
    const kick = steps.findIndex((s) => s.actor === 'stopper' && s.kind === 'ipi');
    const exit = steps.findIndex((s) => s.kind === 'guest-exit');
    const irq = steps.findIndex((s) => s.kind === 'interrupt');
    const begin = steps.findIndex((s) => s.kind === 'stop-begin');
    expect(kick).toBeGreaterThanOrEqual(0);
    expect(steps[kick]).toMatchObject({ target: 1, cpu: 0 });
    expect(steps[kick]?.text).toMatch(/wake the stopper on cpu1, which is in guest mode/);
    expect(kick).toBeLessThan(exit);
    expect(exit).toBeLessThan(irq);
    expect(irq).toBeLessThan(begin);
    expect(begin).toBe(steps.length - 1);
    // The state after it: CPU 1 spins in stop_machine; CPU 0 runs the body.
    expect(steps[begin]?.state.cpus).toEqual([
      { cpu: 0, pending: [] },
      { cpu: 1, pending: [], stopped: true },
    ]);
    const again = replayEncoded([stopGuest], r.counterexample?.encoded ?? '');
    expect(again.steps.map((s) => [s.kind, s.text])).toEqual(steps.map((s) => [s.kind, s.text]));
  });

  it('waiting with interrupts disabled for a stop_machine body deadlocks; waiting preemptibly does not', () => {
    const r = run(stopDeadlock, 'irqs-off', mm);
    expect(r.verdict).toBe('violated');
    expect(r.violation?.kind).toBe('deadlock');
    expect(r.violation?.description).toMatch(/stopper: stop_machine\(set_x\)/);
    expect(r.violation?.description).toMatch(/waiter: wait for x/);
    expect(run(stopDeadlock, 'preemptible', mm).verdict).toBe('holds');
  });

  it('delivers no interrupt while stopped: an IPI from the body waits until the machine resumes', () => {
    const wait = run(stopDeadlock, 'ipi-wait', mm);
    expect(wait.violation?.kind).toBe('deadlock');
    expect(wait.violation?.description).toMatch(/stopper: csd_lock_wait\(cpu 1\)/);
    expect(wait.violation?.description).toMatch(/waiter: wait for x \(stopped by stopper's stop_machine\)/);
    // Sent without waiting: the handler runs, but never while the machine is stopped.
    expect(run(stopDeadlock, 'ipi', mm).verdict).toBe('holds');
  });

  it('runs nothing else while stopped: no other thread, no interrupt', () => {
    // After the stopper's first step (the stop itself), only it and store-buffer drains may move.
    const { m, s, infos } = stepThrough(stopDeadlock, 'preemptible', mm, ['stopper']);
    expect(infos[0]?.kind).toBe('stop-begin');
    expect(m.stopper(s)).toBe(0);
    const moving = m.units.map((_, u) => m.unitSuccessors(s, s.length, u, () => {}));
    expect(moving[0]).toBe(1);
    expect(moving.slice(1, m.nthreads + m.ncpus).every((n) => n === 0)).toBe(true);
  });
});

describe.each(MMS)('CPU hotplug under %s', (mm) => {
  it('a migrating task on a CPU taken down moves to another CPU and keeps running', () => {
    for (const v of ['down', 'down-up']) {
      const r = run(hotplug, v, mm);
      expect(r.verdict, v).toBe('holds');
      expect(r.witnesses.find((w) => w.name === 'task-moved')?.reached).toBe(true);
    }
    const { m, s, infos, enabled } = stepThrough(hotplug, 'down', mm, ['controller']);
    expect(infos[0]).toMatchObject({ kind: 'cpu-down', target: 1, actor: 'controller' });
    const threads = m.threadViews(s);
    expect(threads.find((t) => t.name === 'task')?.cpu).toBe(2);
    expect(threads.find((t) => t.name === 'kthread')?.cpu).toBe(1);
    expect(m.cpuViews(s)[1]).toEqual({ cpu: 1, pending: [], offline: true });
    expect(enabled('task')).toBeGreaterThan(0);
    expect(m.stopper(s)).toBe(-1);
  });

  it('a pinned thread on an offline CPU makes no progress until cpu_up', () => {
    const down = stepThrough(hotplug, 'down-up', mm, ['controller']);
    expect(down.enabled('kthread')).toBe(0);
    expect(down.enabled('irq@cpu1')).toBe(0);
    const up = stepThrough(hotplug, 'down-up', mm, ['controller', 'controller']);
    expect(up.infos[1]).toMatchObject({ kind: 'cpu-up', target: 1 });
    expect(up.enabled('kthread')).toBeGreaterThan(0);
    // Never a step while offline, and parked for good is a valid end (not a deadlock).
    expect(run(hotplug, 'down', mm).witnesses.find((w) => w.name === 'kthread-parked')?.reached).toBe(true);
  });

  it('a startup callback runs on cpu_up and a teardown before cpu_down, with the CPU passed in', () => {
    expect(run(hotplugCallbacks, 'callbacks', mm).verdict).toBe('holds');
    const none = run(hotplugCallbacks, 'none', mm);
    expect(none.verdict).toBe('violated');
    expect(none.violation?.property).toBe('up-sets');
    const { m, s, infos } = stepThrough(hotplugCallbacks, 'callbacks', mm, ['controller', 'controller']);
    expect(infos.map((i) => [i.kind, i.text])).toEqual([
      ['cpu-up', 'cpu_up(2): bringup_cpu()'],
      ['step', 'WRITE_ONCE(enabled[2], 1)'],
    ]);
    expect(m.cpuViews(s).map((c) => c.offline ?? false)).toEqual([false, true, false]);
    // The controller sees its own store (under TSO it may still be in the store buffer).
    const later = stepThrough(hotplugCallbacks, 'callbacks', mm, ['controller', 'controller', 'controller']);
    expect(later.m.ghostValues(later.s).find((g) => g.name === 'after-up')?.value).toBe(1);
  });

  it('a failed bring-up runs CPU_UP_PREPARE then CPU_UP_CANCELED, leaves the CPU offline and returns -EIO', () => {
    const { m, s, infos } = stepThrough(hotplugUpFailure, 'fails', mm, ['controller', 'controller', 'controller']);
    expect(infos.map((i) => [i.kind, i.text])).toEqual([
      ['step', 'WRITE_ONCE(prepared[1], 1)'],
      ['step', 'cpu_up(1): bringup_cpu() fails'],
      ['step', 'WRITE_ONCE(prepared[1], 0)'],
    ]);
    expect(m.cpuViews(s)[1]?.offline).toBe(true);
    // The properties (cpu_up() returns -EIO, canceled undid prepare, startup never ran, CPU 1
    // stays offline, in_stop_machine() true only inside stop_machine) hold, and the run ends.
    const r = run(hotplugUpFailure, 'fails', mm);
    expect(r.verdict).toBe('holds');
    expect(r.witnesses.find((w) => w.name === 'done')?.reached).toBe(true);
    // A bring-up that succeeds is a full barrier: under TSO the prepare store drains first.
    const drain = mm === 'tso' ? ['store buffer of controller'] : [];
    const up = stepThrough(hotplugUpFailure, 'up', mm, ['controller', ...drain, 'controller']);
    expect(up.infos.at(-1)).toMatchObject({ kind: 'cpu-up', target: 1 });
  });

  it('an IPI to an offline CPU is a model error; smp_call_function_single() returns -ENXIO', () => {
    for (const v of ['reschedule', 'race-unchecked']) {
      const e = thrown(() => check(ipiOffline, { variant: v, memoryModel: mm }));
      expect(e, v).toBeInstanceOf(ModelError);
      expect(e?.message).toMatch(/sender: smp_send_reschedule\(1\): IPI to CPU 1, which is offline/);
      expect(e?.message).toMatch(/check cpu_online\(\) first, with preemption disabled/);
    }
    const enxio = run(ipiOffline, 'call-function', mm);
    expect(enxio.verdict).toBe('violated');
    expect(enxio.violation?.property).toBe('no-enxio');
    // With preemption disabled between cpu_online() and the IPI, cpu_down() cannot come between.
    expect(run(ipiOffline, 'race-checked', mm).verdict).toBe('holds');
  });
});

describe('model errors', () => {
  const tiny = (setup: Parameters<typeof defineModel<Record<string, never>>>[0]['setup']) =>
    defineModel<Record<string, never>>({
      name: 'tiny',
      title: 'tiny',
      source: 'test/engine/hotplug.test.ts',
      memoryModels: ['sc'],
      defaultMemoryModel: 'sc',
      cpus: () => 2,
      variants: [{ name: 'only', description: 'the only variant', flags: {}, expect: {} }],
      setup,
    });
  const x = (b: Parameters<Parameters<typeof tiny>[0]>[0]) => b.loc('x');

  it('stop_machine from a thread without the stopMachine option', () => {
    const m = tiny((b) => {
      const v = x(b);
      b.thread('t', { cpu: 0 }, function* () {
        yield* stop_machine(function* () {
          yield* WRITE_ONCE(v, 1);
        });
      });
    });
    expect(thrown(() => check(m))?.message).toMatch(/t: stop_machine\(fn\): .* needs the stopMachine option/);
  });

  it('stop_machine with interrupts disabled, and inside a stop_machine body', () => {
    const irqs = tiny((b) => {
      b.thread('t', { cpu: 0, stopMachine: true }, function* () {
        yield* local_irq_disable();
        yield* stop_machine(function* () {});
      });
    });
    expect(thrown(() => check(irqs))?.message).toMatch(/with interrupts or preemption disabled: it sleeps/);
    const nested = tiny((b) => {
      b.thread('t', { cpu: 0, stopMachine: true }, function* () {
        yield* stop_machine(function* () {
          yield* stop_machine(function* () {}, 'stop_machine(inner)');
        });
      });
    });
    expect(thrown(() => check(nested))?.message).toMatch(/stop_machine\(inner\) inside a stop_machine\(\) body/);
  });

  it('cpu_down of the last online CPU, of an offline one, and a task that may run only there', () => {
    const last = tiny((b) => {
      b.onlineCpus([0]);
      b.thread('t', { cpu: 0, stopMachine: true }, function* () {
        yield* cpu_down(0);
      });
    });
    expect(thrown(() => check(last))?.message).toMatch(/CPU 0 is the last online CPU/);
    const twice = tiny((b) => {
      b.thread('t', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* cpu_down(1);
        yield* cpu_down(1);
      });
    });
    expect(thrown(() => check(twice))?.message).toMatch(/CPU 1 is already offline/);
    const stranded = tiny((b) => {
      b.thread('t', { cpu: 0, cpus: [0], stopMachine: true }, function* () {
        yield* cpu_down(1);
      });
      b.thread('u', { cpu: 1, cpus: [1, 0] }, function* () {
        yield* WRITE_ONCE(x(b), 1);
      });
    });
    // u may go to CPU 0: fine. A thread on an offline CPU at the start must be pinned there.
    expect(check(stranded).verdict).toBe('holds');
    const offlineStart = tiny((b) => {
      b.onlineCpus([0]);
      b.thread('t', { cpu: 1 }, function* () {});
    });
    expect(thrown(() => check(offlineStart))?.message).toMatch(/starts on CPU 1, which is offline/);
  });
});

const CASES = HOTPLUG_MODELS.flatMap((model) =>
  model.variants.flatMap((v) => model.memoryModels.map((mm) => [model.name, v.name, mm, model, v] as const)),
);

describe.each(CASES)('%s / %s under %s', (_m, _v, mm, model, variant) => {
  const expected = variant.expect[mm];

  it('gives the same verdict and property with and without partial-order reduction', () => {
    const reduced = thrown(() => run(model, variant.name, mm, true));
    const full = thrown(() => run(model, variant.name, mm, false));
    expect(reduced?.message).toBe(full?.message);
    if (reduced) return;
    const r = run(model, variant.name, mm, true);
    const f = run(model, variant.name, mm, false);
    expect(r.verdict).toBe(f.verdict);
    expect(r.violation?.property).toBe(f.violation?.property);
    expect(r.states).toBeLessThanOrEqual(f.states);
  });

  it.runIf(expected !== undefined)('gives its golden verdict, property and state count', () => {
    const r = run(model, variant.name, mm);
    expect(r.verdict).toBe(expected?.verdict);
    expect(r.violation?.property).toBe(expected?.property);
    expect(r.states).toBe(expected?.states);
  });
});

it('the reduction regression models are violated with reduction on (a naive reduction says holds)', () => {
  for (const mm of ['tso'] as const) expect(run(stopReduction, 'tso-store', mm).verdict).toBe('violated');
  for (const mm of MMS) expect(run(stopReduction, 'cpu-id', mm).verdict).toBe('violated');
});
