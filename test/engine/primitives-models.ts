/**
 * Small models for the primitives in locks.ts, smp.ts, workqueue.ts, notifier.ts and clock.ts,
 * and for CPU_DYING callbacks: each variant records its verdict (and state count) per memory
 * model, checked by primitives.test.ts. Every "holds" variant has a "violated" twin that differs
 * in the one thing the primitive provides, so none of these checks can pass vacuously.
 */
import {
  Clock,
  callFunction,
  cpu_down,
  defineModel,
  ghost,
  mutex_lock,
  mutex_unlock,
  NOTIFY_OK,
  NOTIFY_STOP_MASK,
  NotifierChain,
  on_each_cpu,
  preempt_disable,
  preempt_enable,
  READ_ONCE,
  smp_call_function_single_fn,
  smp_processor_id,
  spin_lock,
  spin_trylock,
  spin_unlock,
  Workqueues,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';

const ALL = ['sc', 'tso', 'relaxed'] as const;
const SOURCE = 'test/engine/primitives-models.ts';

/** Two threads increment a counter with a plain read and write, inside a mutex or a spinlock or neither. */
export const lockCounter = defineModel<{ lock: 'mutex' | 'spin' | 'trylock' | 'none' }>({
  name: 'test-lock-counter',
  title: 'mutex and spinlock: a read-modify-write of two threads (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'mutex', description: 'mutex_lock around it: no lost update', flags: { lock: 'mutex' }, expect: {} },
    { name: 'spinlock', description: 'spin_lock around it: no lost update', flags: { lock: 'spin' }, expect: {} },
    {
      name: 'trylock',
      description: 'spin_trylock, retried once, else skipped',
      flags: { lock: 'trylock' },
      expect: {},
    },
    { name: 'no-lock', description: 'no lock: an update is lost', flags: { lock: 'none' }, expect: {} },
  ],
  setup(b, flags) {
    const lock = b.loc('lock');
    const counter = b.loc('counter');
    const done = b.loc('done');
    const skips = [b.ghost('t0-skipped'), b.ghost('t1-skipped')];
    for (const t of [0, 1]) {
      const skipped = skips[t] as (typeof skips)[number];
      b.thread(`t${t}`, { cpu: t }, function* () {
        let held = true;
        if (flags.lock === 'mutex') yield* mutex_lock(lock);
        else if (flags.lock === 'spin') yield* spin_lock(lock);
        else if (flags.lock === 'trylock') held = (yield* spin_trylock(lock)) || (yield* spin_trylock(lock));
        if (!held) {
          yield* ghost(skipped, 1);
        } else {
          const v = yield* READ_ONCE(counter);
          yield* WRITE_ONCE(counter, v + 1);
          if (flags.lock === 'mutex') yield* mutex_unlock(lock);
          else if (flags.lock !== 'none') yield* spin_unlock(lock);
        }
        const d = yield* READ_ONCE(done);
        yield* WRITE_ONCE(done, d + 1);
      });
    }
    b.always(
      'no-lost-update',
      'when both are done, the counter counts every increment made',
      (s) => !s.final || s.mem(counter) + skips.reduce((n, g) => n + s.ghost(g), 0) === 2,
    );
    b.sometimes('both-incremented', 'both threads incremented', (s) => s.final && s.mem(counter) === 2);
  },
});

/**
 * Message passing through a lock (LKMM: unlock is a release, lock an acquire): the writer writes
 * data inside its critical section; a reader that takes the lock after it and sees the flag must
 * see the data. Without the lock (plain accesses) relaxed memory lets it miss the data.
 */
export const lockMessage = defineModel<{ locked: boolean }>({
  name: 'test-lock-message',
  title: 'lock/unlock order a critical section after the previous one (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'relaxed',
  cpus: () => 2,
  variants: [
    { name: 'locked', description: 'both sides under spin_lock', flags: { locked: true }, expect: {} },
    {
      name: 'plain',
      description: 'no lock: the reader may see the flag without the data',
      flags: { locked: false },
      expect: {},
    },
  ],
  setup(b, flags) {
    const lock = b.loc('lock');
    const data = b.loc('data');
    const flag = b.loc('flag');
    const seen = b.ghost('seen', -1);
    b.thread('writer', { cpu: 0 }, function* () {
      if (flags.locked) yield* spin_lock(lock);
      yield* WRITE_ONCE(data, 1);
      yield* WRITE_ONCE(flag, 1);
      if (flags.locked) yield* spin_unlock(lock);
    });
    b.thread('reader', { cpu: 1 }, function* () {
      if (flags.locked) yield* spin_lock(lock);
      const f = yield* READ_ONCE(flag);
      const d = yield* READ_ONCE(data);
      if (flags.locked) yield* spin_unlock(lock);
      yield* ghost(seen, f * 2 + d);
    });
    b.always('flag-implies-data', 'a reader that sees the flag sees the data', (s) => s.ghost(seen) !== 2);
  },
});

/**
 * on_each_cpu() runs a function on every online CPU (the caller's own included) and, with wait,
 * returns after all of them have run it; smp_call_function_single() on the caller's own CPU
 * runs it directly. A variant takes a CPU down first: the function must not run there.
 */
export const onEachCpu = defineModel<{ wait: boolean; down: boolean }>({
  name: 'test-on-each-cpu',
  title: 'on_each_cpu and smp_call_function_single (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 3,
  variants: [
    {
      name: 'wait',
      description: 'on_each_cpu(fn, 1): every CPU has run it on return',
      flags: { wait: true, down: false },
      expect: {},
    },
    {
      name: 'no-wait',
      description: 'on_each_cpu(fn, 0): not yet on return',
      flags: { wait: false, down: false },
      expect: {},
    },
    {
      name: 'cpu-down',
      description: 'after cpu_down(2): CPUs 0 and 1 only',
      flags: { wait: true, down: true },
      expect: {},
    },
  ],
  setup(b, flags) {
    const ran = [0, 1, 2].map((c) => b.loc(`ran@cpu${c}`));
    const returned = b.ghost('returned');
    const self = b.ghost('self-call', -1);
    const mark = callFunction(b, 2, 'mark', function* (cpu) {
      yield* WRITE_ONCE(ran[cpu] as (typeof ran)[number], 1);
    });
    b.thread('caller', { cpu: 0, stopMachine: flags.down }, function* () {
      if (flags.down) yield* cpu_down(2);
      yield* on_each_cpu(mark, flags.wait);
      yield* ghost(returned, 1);
      const err = yield* smp_call_function_single_fn(0, mark, true);
      const me = yield* smp_processor_id();
      yield* ghost(self, me * 10 + (err === 0 ? 0 : 1));
    });
    b.always('ran-everywhere-on-return', 'when on_each_cpu returns, every online CPU has run the function', (s) => {
      if (s.ghost(returned) === 0) return true;
      // The remote CPUs (the caller's own store may still sit in its TSO store buffer).
      return [1, 2].every((c) => !s.cpuOnline(c) || s.mem(ran[c] as (typeof ran)[number]) === 1);
    });
    b.always(
      'not-on-offline-cpu',
      'an offline CPU never runs it',
      (s) => s.cpuOnline(2) || s.mem(ran[2] as (typeof ran)[number]) === 0,
    );
    b.always('local-call-succeeds', 'a call on the caller’s own CPU returns 0', (s) => s.ghost(self) <= 0);
  },
});

/**
 * work_on_cpu() runs a function in the target CPU's kworker and returns its result. The work
 * reads the CPU it runs on; the caller checks the result.
 */
export const workOnCpu = defineModel<{ down: boolean }>({
  name: 'test-work-on-cpu',
  title: 'work_on_cpu (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'bound', description: 'the work runs on the CPU it was queued for', flags: { down: false }, expect: {} },
    {
      name: 'cpu-down',
      description: 'the CPU may go down first: the work runs elsewhere',
      flags: { down: true },
      expect: {},
    },
  ],
  setup(b, flags) {
    const wq = new Workqueues(b);
    const result = b.ghost('result', -1);
    const where = wq.work('where', function* () {
      return yield* smp_processor_id();
    });
    b.thread('caller', { cpu: 0 }, function* () {
      const r = yield* wq.work_on_cpu(1, where);
      yield* ghost(result, r);
    });
    if (flags.down) {
      b.thread('hotplug', { cpu: 0, stopMachine: true }, function* () {
        yield* cpu_down(1);
      });
    }
    b.always('ran-on-target', 'work_on_cpu(1, fn) ran fn on CPU 1', (s) => s.ghost(result) !== 0);
    b.sometimes('returned', 'work_on_cpu returned', (s) => s.ghost(result) >= 0);
  },
});

/** A notifier chain calls in priority order and stops at NOTIFY_STOP. */
export const notifierOrder = defineModel<{ stop: boolean }>({
  name: 'test-notifier-order',
  title: 'notifier chains (test)',
  source: SOURCE,
  memoryModels: ['sc'],
  defaultMemoryModel: 'sc',
  cpus: () => 1,
  variants: [
    { name: 'in-order', description: 'three callbacks, called by priority', flags: { stop: false }, expect: {} },
    {
      name: 'stop',
      description: 'the first returns NOTIFY_STOP: the others are not called',
      flags: { stop: true },
      expect: {},
    },
  ],
  setup(b, flags) {
    const log = b.loc('log');
    const chain = new NotifierChain('test_chain');
    const append = (digit: number, ret: number) =>
      function* () {
        const v = yield* READ_ONCE(log);
        yield* WRITE_ONCE(log, v * 10 + digit);
        return ret;
      };
    chain.register('low', append(3, NOTIFY_OK), 0);
    chain.register('high', append(1, flags.stop ? NOTIFY_STOP_MASK : NOTIFY_OK), 10);
    chain.register('low-second', append(4, NOTIFY_OK), 0);
    chain.register('mid', append(2, NOTIFY_OK), 5);
    b.thread('caller', { cpu: 0 }, function* () {
      yield* chain.call(0, 0);
    });
    b.always(
      'called-in-order',
      'the callbacks ran by priority, equal ones in registration order',
      (s) => !s.final || s.mem(log) === 1234,
    );
  },
});

/**
 * The clock: each CPU's TSC never goes backwards, advances at its own rate, and a rate change
 * keeps it continuous. A reader on CPU 1 reads its TSC twice around ticks and a rate change.
 */
export const clockModel = defineModel<{ crossCpu: boolean }>({
  name: 'test-clock',
  title: 'a model-level clock with per-CPU TSC rates (test)',
  source: SOURCE,
  memoryModels: ['sc', 'tso'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'same-cpu',
      description: 'both reads of one CPU’s TSC: never backwards',
      flags: { crossCpu: false },
      expect: {},
    },
    {
      name: 'cross-cpu',
      description: 'first CPU 1’s TSC, then CPU 0’s after a slowdown: backwards',
      flags: { crossCpu: true },
      expect: {},
    },
  ],
  setup(b, flags) {
    const clock = new Clock(b, { maxTime: 3, rates: [2, 1] });
    const first = b.ghost('first', -1);
    const second = b.ghost('second', -1);
    b.thread('ticker', { cpu: 0 }, function* () {
      yield* clock.tick();
      yield* clock.set_rate(0, 1);
      yield* clock.tick();
      yield* clock.tick();
    });
    b.thread('reader', { cpu: 1 }, function* () {
      const a = yield* clock.rdtsc(flags.crossCpu ? 1 : 0);
      yield* ghost(first, a);
      const c = yield* clock.rdtsc(0);
      yield* ghost(second, c);
    });
    b.always(
      'monotonic',
      'the second read is not below the first',
      (s) => s.ghost(second) < 0 || s.ghost(second) >= s.ghost(first),
    );
    b.always('rate', 'TSC0 is 2 per tick until the change, 1 after', (s) => {
      const r = clock.read(s);
      return (
        (r.tsc[1] as number) === 2 * r.time && (r.tsc[0] as number) <= 2 * r.time && (r.tsc[0] as number) >= r.time
      );
    });
    b.sometimes('rate-changed', 'both TSCs differ', (s) => clock.read(s).tsc[0] !== clock.read(s).tsc[1]);
  },
});

/**
 * CPU_DYING runs under stop_machine after the CPU left the online mask: a reader with
 * preemption disabled never sees the base CPU offline, nor the base change in the middle of its
 * section. With the update at CPU_DOWN_PREPARE (teardown) it can.
 */
export const dyingCallback = defineModel<{ at: 'dying' | 'teardown' }>({
  name: 'test-cpu-dying',
  title: 'CPU_DYING callbacks under stop_machine (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'dying',
      description: 'the base moves at CPU_DYING: stable under preempt_disable',
      flags: { at: 'dying' },
      expect: {},
    },
    {
      name: 'teardown',
      description: 'the base moves at CPU_DOWN_PREPARE: changes under the reader',
      flags: { at: 'teardown' },
      expect: {},
    },
  ],
  setup(b, flags) {
    const base = b.loc('base_cpu', 1);
    const changed = b.ghost('changed-under-reader');
    const offlineAtDying = b.ghost('dying-saw-online', -1);
    const move = function* (cpu: number) {
      const cur = yield* READ_ONCE(base);
      if (cur === cpu) yield* WRITE_ONCE(base, 1 - cpu);
    };
    b.hotplug('base', {
      ...(flags.at === 'dying'
        ? {
            dying: function* (cpu: number) {
              yield* move(cpu);
              yield* ghost(offlineAtDying, 0);
            },
          }
        : { teardown: move }),
    });
    b.thread('hotplug', { cpu: 1, stopMachine: true }, function* () {
      yield* cpu_down(1);
    });
    b.thread('reader', { cpu: 0, cpus: [0] }, function* () {
      yield* preempt_disable();
      const a = yield* READ_ONCE(base);
      const c = yield* READ_ONCE(base);
      yield* preempt_enable();
      if (a !== c) yield* ghost(changed, 1);
    });
    b.always(
      'stable-in-section',
      'the base does not change inside a preempt-disabled section',
      (s) => s.ghost(changed) === 0,
    );
    b.sometimes('base-moved', 'the base moved to CPU 0', (s) => s.mem(base) === 0 && !s.cpuOnline(1));
  },
});

export const PRIMITIVE_MODELS = [
  lockCounter,
  lockMessage,
  onEachCpu,
  workOnCpu,
  notifierOrder,
  clockModel,
  dyingCallback,
];
