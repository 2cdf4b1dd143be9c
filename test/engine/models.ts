/**
 * Small models for the engine tests: each exercises one feature of the checker (interrupts and
 * guest mode, deadlock, witnesses, assertions, fairness) and nothing else.
 */

import { ringModel } from '../../bench/ring.ts';
import {
  BUG_ON,
  choose,
  defineModel,
  type Ghost,
  ghost,
  guest_enter,
  guest_exit,
  type Loc,
  local_irq_disable,
  local_irq_enable,
  READ_ONCE,
  RESCHEDULE_VECTOR,
  smp_mb,
  smp_send_reschedule,
  WRITE_ONCE,
  wait_until,
} from '../../src/spec/engine/index.ts';
import { HOTPLUG_MODELS } from './hotplug-models.ts';

const ALL = ['sc', 'tso', 'relaxed'] as const;
const SOURCE = 'test/engine/models.ts';

/**
 * A kick: CPU 0 sets a request and sends a reschedule IPI to CPU 1, which is in guest mode with
 * interrupts disabled; the IPI forces a VM exit, the vCPU reads the request, enables interrupts
 * and the handler runs. The invariant "the run never ends that way" is violated at the final
 * state, so the counterexample shows every kind of step: IPI, VM entry and exit, interrupt, handler.
 */
export const kick = defineModel<{ text: string }>({
  name: 'test-kick',
  title: 'Kick (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    {
      name: 'kick',
      description: 'request, IPI, VM exit, handler',
      flags: { text: 'VM-exit (interrupt)' },
      expect: { sc: { verdict: 'violated', property: 'never-ends', states: 18 } },
    },
    {
      name: 'renamed',
      description: 'the same with another text for the VM exit step',
      flags: { text: 'VM-exit (IPI)' },
      expect: {},
    },
  ],
  setup(b, flags) {
    const req = b.loc('req');
    const seen = b.ghost('seen', -1);
    b.interrupt(RESCHEDULE_VECTOR, 'reschedule', function* () {
      yield* READ_ONCE(req);
    });
    b.thread('sender', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(req, 1);
      yield* smp_send_reschedule(1);
    });
    b.thread('vcpu', { cpu: 1 }, function* () {
      yield* local_irq_disable();
      yield* guest_enter();
      yield* guest_exit(flags.text);
      yield* ghost(seen, yield* READ_ONCE(req));
      yield* local_irq_enable();
    });
    b.always(
      'never-ends',
      'the run does not end with the request seen by the vCPU',
      (s) => !(s.final && s.ghost(seen) === 1),
    );
    b.sometimes('vcpu-sees-request', 'the vCPU reads req = 1 after the VM exit', (s) => s.ghost(seen) === 1);
  },
});

/** Two threads each wait for the other's flag before setting their own: a deadlock at once. */
export const deadlock = defineModel<{ wait: boolean }>({
  name: 'test-deadlock',
  title: 'Deadlock (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'wait-first', description: 'each waits, then sets', flags: { wait: true }, expect: {} },
    { name: 'set-first', description: 'each sets, then waits', flags: { wait: false }, expect: {} },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    const y = b.loc('y');
    const side = (mine: Loc, other: Loc) =>
      function* () {
        if (flags.wait) {
          yield* wait_until(other, (v) => v === 1, `wait for ${other.name}`);
          yield* WRITE_ONCE(mine, 1);
        } else {
          yield* WRITE_ONCE(mine, 1);
          yield* smp_mb();
          yield* wait_until(other, (v) => v === 1, `wait for ${other.name}`);
        }
      };
    b.thread('P0', { cpu: 0 }, side(x, y));
    b.thread('P1', { cpu: 1 }, side(y, x));
  },
});

/** x only ever becomes 1, so a witness for x = 2 is never reached; a BUG_ON fires when x = 1 is read. */
export const props = defineModel<{ bug: boolean }>({
  name: 'test-props',
  title: 'Witness and assertion (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'witness', description: 'a witness that is never reached', flags: { bug: false }, expect: {} },
    { name: 'bug-on', description: 'BUG_ON(x == 1) in the reader', flags: { bug: true }, expect: {} },
  ],
  setup(b, flags) {
    const x = b.loc('x');
    b.thread('writer', { cpu: 0 }, function* () {
      yield* WRITE_ONCE(x, 1);
    });
    b.thread('reader', { cpu: 1 }, function* () {
      const v = yield* READ_ONCE(x);
      if (flags.bug) yield* BUG_ON(v === 1, 'reader saw x == 1');
    });
    if (!flags.bug) b.sometimes('x-is-2', 'x becomes 2', (s) => s.mem(x) === 2);
  },
});

/**
 * Progress under weak fairness.
 * - `retry`: a reader reads seq twice and retries while the two reads differ; a writer keeps
 *   flipping seq forever. A fair run exists in which the reader always retries: violated.
 * - `coin`: one thread flips a coin (choose) until it comes up 1. Always choosing 0 is a fair
 *   run (fairness is among threads, not among a thread's choices): violated.
 * - `unfair`: one thread spins forever; another sets the flag the property waits for. The only
 *   runs in which the flag stays 0 never run the second thread although it is always enabled:
 *   unfair, so the property holds.
 */
export const fairness = defineModel<{ kind: 'retry' | 'coin' | 'unfair' }>({
  name: 'test-fairness',
  title: 'Fairness (test)',
  source: SOURCE,
  memoryModels: ALL,
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'retry', description: 'a reader retrying against a writer', flags: { kind: 'retry' }, expect: {} },
    { name: 'coin', description: 'retry until choose() gives 1', flags: { kind: 'coin' }, expect: {} },
    { name: 'unfair', description: 'a spinner and a setter', flags: { kind: 'unfair' }, expect: {} },
  ],
  setup(b, flags) {
    const seq = b.loc('seq');
    const park = b.loc('park');
    const done: Ghost = b.ghost('done');
    const parkForever = () => wait_until(park, (v) => v === 1, 'park (idle)', { end: true });
    if (flags.kind === 'retry') {
      b.thread('writer', { cpu: 0, loop: true }, function* () {
        yield* WRITE_ONCE(seq, 1);
        yield* WRITE_ONCE(seq, 0);
      });
      b.thread('reader', { cpu: 1, loop: true }, function* () {
        const a = yield* READ_ONCE(seq);
        const c = yield* READ_ONCE(seq);
        if (a === c) {
          yield* ghost(done, 1);
          yield* parkForever();
        }
      });
    } else if (flags.kind === 'coin') {
      b.thread('flipper', { cpu: 0, loop: true }, function* () {
        const c = yield* choose(2, 'flip a coin');
        if (c === 1) {
          yield* ghost(done, 1);
          yield* parkForever();
        }
      });
    } else {
      b.thread('spinner', { cpu: 0, loop: true }, function* () {
        yield* READ_ONCE(seq);
      });
      b.thread('setter', { cpu: 1 }, function* () {
        yield* WRITE_ONCE(seq, 1);
        yield* ghost(done, 1);
      });
    }
    b.eventually('done', 'the thread eventually finishes its job', (s) => s.ghost(done) === 0);
  },
});

/** The N-CPU store-buffering ring of the benchmark, for budgets and cancellation (a few thousand states). */
export const ring = ringModel;

export const TEST_MODELS = [kick, deadlock, props, fairness, ring, ...HOTPLUG_MODELS];
