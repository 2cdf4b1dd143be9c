/**
 * The scheduler tick (threads.ts, GuestExit): a thread in guest mode that holds a CPU another
 * unfinished thread is on exits the guest with TIF_NEED_RESCHED set, need_resched() reads it and
 * migrate() clears it. Without a task waiting, no IPI and no timer, the guest never exits; the
 * twins below pin both sides, so neither passes vacuously.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  ghost,
  guest_enter,
  guest_exit,
  local_irq_disable,
  local_irq_enable,
  type MemoryModelName,
  migrate,
  need_resched,
  preempt_disable,
  preempt_enable,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';

const SOURCE = 'test/engine/sched-tick.test.ts';

/**
 * `guest` enters the guest on CPU 0 and waits for a reason to exit; `other` starts on CPU 1 and,
 * with `share`, migrates to CPU 0 first (where it then waits for the CPU). After the exit the
 * guest thread records need_resched() and, if set, is switched out (migrate, to CPU 1).
 */
const tick = defineModel<{ share: boolean }>({
  name: 'test-sched-tick',
  title: 'the scheduler tick preempts a vCPU in guest mode that another task waits behind (test)',
  source: SOURCE,
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'share', description: 'the other task moves to the guest CPU', flags: { share: true }, expect: {} },
    { name: 'alone', description: 'the other task stays on its own CPU', flags: { share: false }, expect: {} },
  ],
  setup(b, flags) {
    const resched = b.ghost('need_resched() after the exit', -1);
    const ran = b.loc('other ran');
    b.thread('guest', { cpu: 0, cpus: [0, 1] }, function* () {
      yield* preempt_disable();
      yield* local_irq_disable();
      yield* guest_enter();
      yield* guest_exit('VM-exit');
      yield* local_irq_enable();
      yield* preempt_enable();
      const r = yield* need_resched();
      yield* ghost(resched, r ? 1 : 0);
      if (r) {
        yield* migrate();
        yield* ghost(resched, (yield* need_resched()) ? 2 : 3);
      }
    });
    b.thread('other', { cpu: 1, cpus: [0, 1] }, function* () {
      if (flags.share) yield* migrate();
      yield* WRITE_ONCE(ran, 1);
    });
    b.always('resched-only-when-shared', 'need_resched() is set only after a tick exit', (s) =>
      flags.share ? true : s.ghost(resched) !== 1,
    );
    b.always('cleared-by-schedule', 'once switched out, need_resched() is clear', (s) => s.ghost(resched) !== 2);
    b.sometimes('preempted', 'the guest thread is preempted by the tick', (s) => s.ghost(resched) === 3);
    b.sometimes('other-runs', 'the other task runs', (s) => s.mem(ran) === 1);
  },
});

describe.each<MemoryModelName>(['sc', 'tso', 'relaxed'])('the scheduler tick under %s', (mm) => {
  it('lets the task waiting behind a vCPU in guest mode run: the guest exits with need_resched(), cleared by migrate()', () => {
    const r = check(tick, { variant: 'share', memoryModel: mm });
    expect(r.violation).toBeUndefined();
    expect(r.verdict).toBe('holds');
  });

  it('does not come without a waiting task: the guest, with no IPI and no timer, stays in (idle, no deadlock), the preemption is never reached', () => {
    const r = check(tick, { variant: 'alone', memoryModel: mm });
    expect(r.verdict).toBe('violated');
    expect(r.violation).toMatchObject({ kind: 'witness', property: 'preempted' });
  });
});
