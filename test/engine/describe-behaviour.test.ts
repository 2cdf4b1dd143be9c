/**
 * What a trace says of a step and of a state (describe.ts), on tiny models stepped by hand:
 * the kind, actor, CPU, text, result and target of each kind of step (a store-buffer drain, an
 * interrupt taken and its handler, a failed iteration of a wait loop, a choice, a migration, a
 * guest exit of guest_run(), the end of stop_machine, the reschedule IPI that a stop sends to a
 * CPU in guest mode), what the thread and CPU views show, and what properties read through
 * the state view (interrupts disabled, guest mode, stop_machine, data races, an unknown
 * thread). Written from the survivors of the mutation run of describe.ts
 * (reports/mutation/REPORT.md); each test asserts what a reader of a trace sees.
 */
import { describe, expect, it } from 'vitest';
import {
  $site,
  type AnyModel,
  atomic_fetch_add_ordered,
  check,
  choose,
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
  plain_store,
  READ_ONCE,
  RESCHEDULE_VECTOR,
  send_ipi,
  smp_send_reschedule,
  smp_store_release,
  spin_lock,
  spin_unlock,
  stop_machine,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';
import { oneVariantModel, stepper } from '../support/stepper.ts';

const tiny = (cpus: number, setup: (b: ModelBuilder) => void, mm: MemoryModelName = 'sc'): AnyModel =>
  oneVariantModel('tiny-describe', cpus, setup, [mm]);

describe('step descriptions', () => {
  it('a store-buffer drain names the buffer, the location and the value, for each thread’s buffer', () => {
    const model = tiny(
      2,
      (b) => {
        const x = b.loc('x');
        const y = b.loc('y');
        b.thread('p', { cpu: 0 }, function* () {
          yield* WRITE_ONCE(x, 1);
        });
        b.thread('q', { cpu: 1 }, function* () {
          yield* WRITE_ONCE(y, 2);
        });
      },
      'tso',
    );
    const t = stepper(model, 'tso');
    t.step('p');
    t.step('q');
    expect(t.step('store buffer of q')).toEqual({
      // Units: the threads, one interrupt unit per CPU, then the buffers.
      unit: 2 + 2 + 1,
      choice: 0,
      actor: 'store buffer of q',
      cpu: -1,
      kind: 'drain',
      text: 'y = 2 leaves the store buffer and reaches memory',
    });
    expect(t.step('store buffer of p')).toMatchObject({
      actor: 'store buffer of p',
      kind: 'drain',
      text: 'x = 1 leaves the store buffer and reaches memory',
    });
  });

  it('an interrupt taken names the lowest pending vector; its handler’s step is the handler’s; CPU views list both', () => {
    const model = tiny(2, (b) => {
      const x = b.loc('x');
      // Declared in the other order than their vectors: the name is the taken vector's.
      b.interrupt(1, 'call-function', function* () {
        yield* WRITE_ONCE(x, 2);
      });
      b.interrupt(0, 'reschedule', function* () {
        yield* WRITE_ONCE(x, 1);
      });
      // Vector 1 first, then vector 0: the one taken is the lowest, not the first sent.
      b.thread('sender', { cpu: 0 }, function* () {
        yield* send_ipi(1, 1, 'send call-function');
        yield* send_ipi(1, 0, 'send reschedule');
      });
    });
    const t = stepper(model);
    t.step('sender');
    t.step('sender');
    expect(t.m.cpuViews(t.state)[1]).toEqual({ cpu: 1, pending: ['reschedule', 'call-function'] });
    expect(t.step('irq@cpu1')).toEqual({
      unit: 2,
      choice: 0,
      actor: 'cpu1',
      cpu: 1,
      kind: 'interrupt',
      text: 'interrupt taken: reschedule',
    });
    // The vector stays pending while its handler runs (acknowledged at the handler's end).
    expect(t.m.cpuViews(t.state)[1]).toEqual({
      cpu: 1,
      pending: ['reschedule', 'call-function'],
      handler: 'reschedule',
    });
    const handler = t.step('irq@cpu1');
    expect(handler).toMatchObject({ cpu: 1, kind: 'handler', text: 'WRITE_ONCE(x, 1)' });
  });

  it('a wait loop’s failed iteration says so and gives the value it read (relaxed)', () => {
    const model = tiny(
      2,
      (b) => {
        const x = b.loc('x');
        b.thread('writer', { cpu: 0 }, function* () {
          yield* WRITE_ONCE(x, 1);
          yield* WRITE_ONCE(x, 2);
        });
        b.thread('waiter', { cpu: 1 }, function* () {
          yield* wait_until(x, (v) => v === 2, 'wait for x == 2');
        });
      },
      'relaxed',
    );
    const t = stepper(model, 'relaxed');
    t.step('writer');
    // x = 1 is the newest write: the waiter's iteration reads it and fails.
    expect(t.options('waiter').map((i) => [i.text, i.result])).toEqual([
      ['wait for x == 2: condition false, still waiting', '1'],
    ]);
    t.step('waiter');
    expect(t.m.threadViews(t.state)[1]).toMatchObject({ done: false, next: 'wait for x == 2' });
    t.step('writer');
    expect(t.options('waiter').map((i) => [i.text, i.result])).toEqual([['wait for x == 2', '2']]);
  });

  it('a choice gives the option taken; a migration its target CPU', () => {
    const model = tiny(3, (b) => {
      const x = b.loc('x');
      b.thread('t', { cpu: 0, cpus: [0, 1, 2] }, function* () {
        const c = yield* choose(3, 'choose a path');
        yield* WRITE_ONCE(x, c);
        yield* migrate();
      });
    });
    const t = stepper(model);
    expect(t.options('t').map((i) => [i.kind, i.result])).toEqual([
      ['step', '0'],
      ['step', '1'],
      ['step', '2'],
    ]);
    t.step('t', 2);
    t.step('t');
    const moves = t.options('t');
    expect(moves.map((i) => [i.kind, i.target, i.result])).toEqual([
      ['migrate', 1, 'cpu1'],
      ['migrate', 2, 'cpu2'],
    ]);
  });

  it('guest_run()’s exit says whether an interrupt was pending; the thread view shows guest mode', () => {
    const model = tiny(2, (b) => {
      b.interrupt(RESCHEDULE_VECTOR, 'reschedule IPI');
      b.thread('vcpu', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* guest_enter();
        yield* guest_run();
        yield* local_irq_enable();
      });
      b.thread('sender', { cpu: 1 }, function* () {
        yield* smp_send_reschedule(0);
      });
      b.always('never-in-guest', 'vcpu is never in guest mode', (s) => !s.thread('vcpu').inGuest);
      b.always('irqs-on', 'vcpu never has interrupts disabled', (s) => !s.thread('vcpu').irqsDisabled);
    });
    const own = stepper(model);
    own.step('vcpu');
    own.step('vcpu');
    expect(own.m.threadViews(own.state)[0]).toMatchObject({ inGuest: true, irqsDisabled: true, done: false });
    expect(own.step('vcpu')).toMatchObject({ kind: 'guest-exit', text: 'VM-exit', result: "the guest's own exit" });
    const ext = stepper(model);
    ext.step('vcpu');
    ext.step('vcpu');
    ext.step('sender');
    expect(ext.step('vcpu')).toMatchObject({ kind: 'guest-exit', result: 'external interrupt' });
    // The properties read the same views: the first thing to fail is interrupts disabled, after
    // the one step that disables them.
    const r = check(model);
    expect(r.violation?.property).toBe('irqs-on');
    expect(r.counterexample?.steps.map((s) => s.text)).toEqual(['local_irq_disable()']);
    const guestOnly = tiny(1, (b) => {
      b.thread('vcpu', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* guest_enter();
        yield* guest_exit();
      });
      b.always('never-in-guest', 'vcpu is never in guest mode', (s) => !s.thread('vcpu').inGuest);
    });
    const g = check(guestOnly);
    expect(g.violation?.property).toBe('never-in-guest');
    expect(g.counterexample?.steps.map((s) => s.kind)).toEqual(['step', 'guest-enter']);
    // guest_exit() (not guest_run()) returns nothing a trace shows.
    const plain = stepper(guestOnly);
    plain.step('vcpu');
    plain.step('vcpu');
    expect(plain.options('vcpu')).toEqual([]);
    const withIpi = tiny(2, (b) => {
      b.interrupt(RESCHEDULE_VECTOR, 'reschedule IPI');
      b.thread('vcpu', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* guest_enter();
        yield* guest_exit();
      });
      b.thread('sender', { cpu: 1 }, function* () {
        yield* smp_send_reschedule(0);
      });
    });
    const e = stepper(withIpi);
    e.step('vcpu');
    e.step('vcpu');
    e.step('sender');
    const exit = e.step('vcpu');
    expect(exit).toMatchObject({ kind: 'guest-exit', text: 'VM-exit (interrupt)' });
    expect(exit.result).toBeUndefined();
  });

  it('the end of stop_machine is a stop-end step; the stop shows in properties and CPU views', () => {
    const model = tiny(2, (b) => {
      const x = b.loc('x');
      const inside = b.ghost('inside', -1);
      b.thread('stopper', { cpu: 0, stopMachine: true }, function* () {
        yield* stop_machine(function* () {
          yield* WRITE_ONCE(x, 1);
        }, 'stop_machine(set_x)');
        yield* ghost(inside, 0);
      });
      b.always('never-stopped', 'the machine never stops', (s) => !s.inStopMachine);
    });
    const t = stepper(model);
    expect(t.step('stopper').kind).toBe('stop-begin');
    expect(t.m.cpuViews(t.state)).toEqual([
      { cpu: 0, pending: [] },
      { cpu: 1, pending: [], stopped: true },
    ]);
    t.step('stopper');
    expect(t.step('stopper')).toMatchObject({ kind: 'stop-end', actor: 'stopper', cpu: 0 });
    expect(t.m.cpuViews(t.state)).toEqual([
      { cpu: 0, pending: [] },
      { cpu: 1, pending: [] },
    ]);
    const r = check(model);
    expect(r.violation?.property).toBe('never-stopped');
    expect(r.counterexample?.steps.map((s) => s.kind)).toEqual(['stop-begin']);
  });

  it('the reschedule IPI a stop sends to a CPU in guest mode, undeclared, shows as its vector', () => {
    // The stopper is on CPU 1 and kicks CPU 0: the IPI's target is CPU 0, not "no kick" (-1).
    const model = tiny(2, (b) => {
      const entering = b.loc('entering');
      b.thread('stopper', { cpu: 1, stopMachine: true }, function* () {
        yield* wait_until(entering, (v) => v === 1, 'wait for the vCPU');
        yield* stop_machine(function* () {}, 'stop_machine(fn)');
      });
      b.thread('vcpu', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* WRITE_ONCE(entering, 1);
        yield* guest_enter();
        yield* guest_exit();
        yield* local_irq_enable();
      });
    });
    const t = stepper(model);
    t.step('vcpu');
    t.step('vcpu');
    t.step('vcpu');
    t.step('stopper');
    expect(t.step('stopper')).toMatchObject({
      kind: 'ipi',
      target: 0,
      cpu: 1,
      text: 'stop_machine(fn): wake the stopper on cpu0, which is in guest mode (reschedule IPI)',
    });
    expect(t.m.cpuViews(t.state)[0]).toEqual({ cpu: 0, pending: [`vector ${RESCHEDULE_VECTOR}`] });
    t.step('vcpu');
    t.step('vcpu');
    expect(t.step('irq@cpu0').text).toBe(`interrupt taken: vector ${RESCHEDULE_VECTOR}`);
  });
});

describe('a store performed early (relaxed, load buffering)', () => {
  it('is described as the store, performed before the load the thread stays at', () => {
    const model = tiny(
      2,
      (b) => {
        const x = b.loc('x');
        const y = b.loc('y');
        b.thread('p', { cpu: 0 }, function* () {
          yield* READ_ONCE(x);
          yield* WRITE_ONCE(y, 1);
        });
        b.thread('q', { cpu: 1 }, function* () {
          yield* READ_ONCE(y);
          yield* WRITE_ONCE(x, 1);
        });
      },
      'relaxed',
    );
    const t = stepper(model, 'relaxed');
    expect(t.options('p').map((i) => i.text)).toEqual([
      'READ_ONCE(x)',
      'WRITE_ONCE(y, 1), performed before READ_ONCE(x) (load buffering)',
    ]);
    // After the early store the thread is still at its load, whose step is an ordinary read.
    t.step('p', 1);
    expect(t.m.threadViews(t.state)[0]?.next).toBe('READ_ONCE(x)');
    // Its value, though the load lets it reach the store in the same step (a bug until
    // 2026-12-03: the load that ends load buffering showed no value).
    expect(t.options('p').map((i) => [i.text, i.result])).toEqual([['READ_ONCE(x)', '0']]);
    t.step('q');
    t.step('q');
    expect(t.options('p').map((i) => [i.text, i.result])).toEqual([
      ['READ_ONCE(x)', '0'],
      ['READ_ONCE(x)', '1'],
    ]);
    t.step('p', 1);
    expect(t.m.threadViews(t.state)[0]?.done).toBe(true);
  });

  it('the load’s value shows too when a ghost update comes between it and the store it reaches', () => {
    const model = tiny(
      2,
      (b) => {
        const x = b.loc('x');
        const y = b.loc('y');
        const loaded = b.ghost('loaded', 0);
        b.thread('p', { cpu: 0 }, function* () {
          yield* READ_ONCE(x);
          yield* ghost(loaded, 1);
          yield* WRITE_ONCE(y, 1);
        });
        b.thread('q', { cpu: 1 }, function* () {
          yield* READ_ONCE(y);
          yield* WRITE_ONCE(x, 1);
        });
      },
      'relaxed',
    );
    const t = stepper(model, 'relaxed');
    t.step(
      'p',
      t.options('p').findIndex((i) => i.text.includes('performed before')),
    );
    t.step('q');
    t.step('q');
    expect(t.options('p').map((i) => [i.text, i.result])).toEqual([
      ['READ_ONCE(x)', '0'],
      ['READ_ONCE(x)', '1'],
    ]);
  });
});

describe('thread views and the state view', () => {
  it('a finished thread is done and its next step says so', () => {
    const model = tiny(1, (b) => {
      const x = b.loc('x');
      b.thread('t', { cpu: 0 }, function* () {
        yield* local_irq_disable();
        yield* WRITE_ONCE(x, 1);
        yield* local_irq_enable();
      });
    });
    const t = stepper(model);
    expect(t.m.threadViews(t.state)).toEqual([
      { name: 't', done: false, cpu: 0, irqsDisabled: false, inGuest: false, next: 'local_irq_disable()' },
    ]);
    t.step('t');
    expect(t.m.threadViews(t.state)[0]).toMatchObject({ irqsDisabled: true, next: 'WRITE_ONCE(x, 1)' });
    t.step('t');
    t.step('t');
    expect(t.m.threadViews(t.state)).toEqual([
      { name: 't', done: true, cpu: 0, irqsDisabled: false, inGuest: false, next: 'done' },
    ]);
  });

  it('a property that names an unknown thread is a model error that names it', () => {
    const model = tiny(1, (b) => {
      b.thread('t', { cpu: 0 }, function* () {});
      b.always('bad', 'reads a thread that is not there', (s) => !s.thread('nobody').done);
    });
    expect(() => check(model)).toThrow('property refers to unknown thread nobody');
  });

  it('a data race is seen by a property reading dataRace, on whichever thread raced (relaxed)', () => {
    // p's plain store of x, then (unordered: no barrier before the flag) q's plain load of x
    // once q has seen the flag: a data race, made by q's access. With `racy` false, p orders
    // its store before the flag (smp_store_release) and q reads it with acquire: no race.
    // Thread q is registered first or second, so the race is on thread 0 or on thread 1.
    for (const racy of [true, false]) {
      for (const qFirst of [true, false]) {
        const model = tiny(
          2,
          (b) => {
            const x = b.loc('x');
            const f = b.loc('f');
            b.plainAccesses();
            const p = () =>
              b.thread('p', { cpu: 0 }, function* () {
                yield* plain_store(x, 1);
                if (racy) yield* WRITE_ONCE(f, 1);
                else yield* smp_store_release(f, 1);
              });
            const q = () =>
              b.thread('q', { cpu: 1 }, function* () {
                yield* wait_until(f, (v) => v === 1, 'wait for f', { acquire: !racy });
                yield* plain_load(x);
              });
            if (qFirst) {
              q();
              p();
            } else {
              p();
              q();
            }
            b.always('no-race', 'no data race', (s) => !s.dataRace);
          },
          'relaxed',
        );
        const r = check(model, { memoryModel: 'relaxed' });
        const label = `racy ${racy}, q first ${qFirst}`;
        expect(r.verdict, label).toBe(racy ? 'violated' : 'holds');
        if (racy) expect(r.counterexample?.steps.at(-1), label).toMatchObject({ actor: 'q', text: '*x' });
      }
    }
  });
});

describe('more of what a step says (second mutation run)', () => {
  it('a thread’s step and a handler’s step name the model line they were issued from', () => {
    const model = tiny(2, (b) => {
      const x = b.loc('x');
      b.interrupt(1, 'call-function', function* () {
        yield* $site('handler.ts', 7, WRITE_ONCE(x, 2));
      });
      b.thread('sender', { cpu: 0 }, function* () {
        yield* $site('sender.ts', 3, send_ipi(1, 1, 'send call-function'));
        yield* WRITE_ONCE(x, 1);
      });
    });
    const t = stepper(model);
    expect(t.step('sender')).toMatchObject({ kind: 'ipi', site: { file: 'sender.ts', line: 3 } });
    expect(t.m.describeStep(t.state, 0, 0, t.successors('sender')[0] as Int32Array).site).toBeUndefined();
    t.step('irq@cpu1');
    expect(t.step('irq@cpu1')).toMatchObject({ kind: 'handler', site: { file: 'handler.ts', line: 7 } });
  });

  it('an atomic read-modify-write gives the value it read', () => {
    const model = tiny(1, (b) => {
      const x = b.loc('x', 5);
      b.thread('t', { cpu: 0 }, function* () {
        yield* atomic_fetch_add_ordered('', 2, x);
        yield* atomic_fetch_add_ordered('', 2, x);
      });
    });
    const t = stepper(model);
    expect(t.step('t')).toMatchObject({ kind: 'step', text: 'atomic_fetch_add(2, &x)', result: '5' });
    expect(t.step('t')).toMatchObject({ result: '7' });
  });

  it('a lock taken after another CPU released it is the acquisition, not a failed wait (relaxed)', () => {
    const model = tiny(
      2,
      (b) => {
        const l = b.loc('l');
        b.thread('p', { cpu: 0 }, function* () {
          yield* spin_lock(l);
          yield* spin_unlock(l);
        });
        b.thread('q', { cpu: 1 }, function* () {
          yield* spin_lock(l);
        });
      },
      'relaxed',
    );
    const t = stepper(model, 'relaxed');
    for (let k = 0; k < 4 && !t.m.threadViews(t.state)[0]?.done; k++) t.step('p');
    expect(t.m.threadViews(t.state)[0]?.done).toBe(true);
    // q still sees l's history from its start: the initial 0, p's 1, p's 0. Its acquisition
    // reads the newest (the only write no atomic has read and that lets it in).
    while (t.m.threadViews(t.state)[1]?.next !== 'spin_lock(&l)') t.step('q');
    const acquire = t.options('q');
    expect(acquire.map((i) => [i.text, i.result])).toEqual([['spin_lock(&l)', '0']]);
  });

  it('the load a thread performs after a store ahead of it was performed early is an ordinary read (relaxed)', () => {
    // p's store of y lies past two loads: performed early, p is still at its first load, whose
    // step is then the read of x with its value, though p has a store it has not reached yet.
    const model = tiny(
      2,
      (b) => {
        const x = b.loc('x');
        const y = b.loc('y');
        const z = b.loc('z');
        b.thread('p', { cpu: 0 }, function* () {
          yield* READ_ONCE(x);
          yield* READ_ONCE(z);
          yield* WRITE_ONCE(y, 1);
        });
        b.thread('q', { cpu: 1 }, function* () {
          yield* READ_ONCE(y);
          yield* WRITE_ONCE(x, 1);
        });
      },
      'relaxed',
    );
    const t = stepper(model, 'relaxed');
    const early = t.options('p').findIndex((i) => i.text.includes('performed before'));
    expect(t.options('p')[early]?.text).toBe('WRITE_ONCE(y, 1), performed before READ_ONCE(x) (load buffering)');
    t.step('p', early);
    expect(t.options('p').map((i) => [i.text, i.result])).toEqual([['READ_ONCE(x)', '0']]);
    t.step('p');
    expect(t.m.threadViews(t.state)[0]?.next).toBe('READ_ONCE(z)');
  });

  it('a state view reports pending IPIs per CPU and vector, and no data race where none was made', () => {
    // x = 8192 (bit 13, the race flag's bit in a thread word) sits in the word after the
    // thread: the state view must read thread words only.
    const model = tiny(2, (b) => {
      b.interrupt(1, 'call-function');
      b.thread('sender', { cpu: 0 }, function* () {
        yield* send_ipi(1, 1, 'send call-function');
      });
      b.always('no-ipi-1', 'no call-function IPI pending on cpu1', (s) => !s.ipiPending(1, 1));
    });
    const r = check(model);
    expect(r.violation?.property).toBe('no-ipi-1');
    expect(r.counterexample?.steps.map((s) => s.text)).toEqual(['send call-function']);
    const other = tiny(2, (b) => {
      b.interrupt(1, 'call-function');
      b.thread('sender', { cpu: 0 }, function* () {
        yield* send_ipi(1, 1, 'send call-function');
      });
      b.always(
        'cpu0-quiet',
        'nothing pending on cpu0, vector 0 on cpu1',
        (s) => !s.ipiPending(0) && !s.ipiPending(1, 0),
      );
    });
    expect(check(other).verdict).toBe('holds');
    const big = tiny(1, (b) => {
      const x = b.loc('x');
      b.thread('t', { cpu: 0 }, function* () {
        yield* WRITE_ONCE(x, 8192);
      });
      b.always('no-race', 'no data race', (s) => !s.dataRace);
    });
    expect(check(big).verdict).toBe('holds');
  });
});
