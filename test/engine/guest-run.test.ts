/**
 * guest_run() and fetch_or(), the primitives the rseq model's reschedule-IPI route needs: an
 * interrupt pending while the guest runs makes its VM exit an external-interrupt one, and only
 * then; fetch_or() is one fully ordered read-modify-write. Each property has a twin that must be
 * violated, so none passes vacuously.
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  EXIT_REASON_EXTERNAL_INTERRUPT,
  EXIT_REASON_GUEST,
  fetch_or,
  ghost,
  guest_enter,
  guest_run,
  local_irq_disable,
  local_irq_enable,
  type MemoryModelName,
  READ_ONCE,
  RESCHEDULE_VECTOR,
  smp_send_reschedule,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';

const SOURCE = 'test/engine/guest-run.test.ts';

/** A vCPU thread enters the guest once; another CPU may send it the reschedule IPI. */
const guestRun = defineModel<{ ipi: boolean }>({
  name: 'test-guest-run',
  title: 'guest_run(): the guest exits for a pending interrupt, or by itself (test)',
  source: SOURCE,
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'ipi', description: 'the other CPU sends the IPI', flags: { ipi: true }, expect: {} },
    { name: 'no-ipi', description: 'nothing is sent', flags: { ipi: false }, expect: {} },
  ],
  setup(b, flags) {
    const reason = b.ghost('exit reason', -1);
    const handled = b.loc('handled');
    b.interrupt(RESCHEDULE_VECTOR, 'reschedule IPI', function* () {
      yield* WRITE_ONCE(handled, 1);
    });
    b.thread('vcpu', { cpu: 0 }, function* () {
      yield* local_irq_disable();
      yield* guest_enter();
      const r = yield* guest_run();
      yield* ghost(reason, r);
      yield* local_irq_enable();
      yield* READ_ONCE(handled);
    });
    if (flags.ipi) {
      b.thread('sender', { cpu: 1 }, function* () {
        yield* smp_send_reschedule(0);
      });
    }
    b.always(
      'never-ext-int',
      'the guest never exits for an interrupt: holds without an IPI, violated with one',
      (s) => s.ghost(reason) !== EXIT_REASON_EXTERNAL_INTERRUPT,
    );
    b.sometimes('own-exit', 'the guest exits by itself', (s) => s.ghost(reason) === EXIT_REASON_GUEST);
  },
});

/** Two CPUs fetch_or() different bits into one word, each then reading a flag the other wrote before. */
const fetchOr = defineModel<{ rmw: 'fetch_or' | 'plain' }>({
  name: 'test-fetch-or',
  title: 'fetch_or(): atomic and fully ordered (test)',
  source: SOURCE,
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'fetch-or', description: 'fetch_or()', flags: { rmw: 'fetch_or' }, expect: {} },
    { name: 'plain', description: 'READ_ONCE then WRITE_ONCE', flags: { rmw: 'plain' }, expect: {} },
  ],
  setup(b, flags) {
    const word = b.loc('word');
    const flag = [b.loc('x0'), b.loc('x1')] as const;
    const old = [b.ghost('old0', -1), b.ghost('old1', -1)] as const;
    const seen = [b.ghost('seen0', -1), b.ghost('seen1', -1)] as const;
    for (const t of [0, 1] as const) {
      b.thread(`t${t}`, { cpu: t }, function* () {
        yield* WRITE_ONCE(flag[t], 1);
        let o: number;
        if (flags.rmw === 'fetch_or') o = yield* fetch_or(word, 1 << t, `${1 << t}`);
        else {
          o = yield* READ_ONCE(word);
          yield* WRITE_ONCE(word, o | (1 << t));
        }
        yield* ghost(old[t], o);
        yield* ghost(seen[t], yield* READ_ONCE(flag[1 - t]));
      });
    }
    const done = (s: Parameters<Parameters<typeof b.always>[2]>[0]) =>
      s.final && s.ghost(seen[0]) >= 0 && s.ghost(seen[1]) >= 0;
    b.always('no-lost-bit', 'at the end both bits are set', (s) => !s.final || s.mem(word) === 3);
    b.always(
      'ordered',
      'store buffering is forbidden: some thread sees the other flag',
      (s) => !done(s) || s.ghost(seen[0]) === 1 || s.ghost(seen[1]) === 1,
    );
  },
});

const verdict = (m: typeof guestRun | typeof fetchOr, variant: string, mm: MemoryModelName) => {
  const r = check(m as typeof guestRun, { variant, memoryModel: mm });
  return [r.verdict, r.violation?.property ?? ''] as const;
};

describe('guest_run()', () => {
  it.each(['sc', 'tso', 'relaxed'] as const)(
    'under %s: an IPI in the guest can make the exit an external-interrupt one',
    (mm) => {
      expect(verdict(guestRun, 'ipi', mm)).toEqual(['violated', 'never-ext-int']);
    },
  );
  it.each(['sc', 'tso', 'relaxed'] as const)(
    'under %s: without an interrupt the guest always exits by itself',
    (mm) => {
      const r = check(guestRun, { variant: 'no-ipi', memoryModel: mm });
      expect(r.verdict).toBe('holds');
      expect(r.witnesses.every((w) => w.reached)).toBe(true);
    },
  );
  it('the trace says which exit it was', () => {
    const r = check(guestRun, { variant: 'ipi', memoryModel: 'sc' });
    const exit = r.counterexample?.steps.find((s) => s.kind === 'guest-exit');
    expect(exit?.result).toBe('external interrupt');
  });
});

describe('fetch_or()', () => {
  it.each(['sc', 'tso', 'relaxed'] as const)('under %s: no bit is lost and it orders like a full barrier', (mm) => {
    expect(verdict(fetchOr, 'fetch-or', mm)).toEqual(['holds', '']);
  });
  it('its twin, a plain read and write, loses a bit', () => {
    expect(verdict(fetchOr, 'plain', 'sc')).toEqual(['violated', 'no-lost-bit']);
  });
});
