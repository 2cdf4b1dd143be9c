/**
 * Ghosts that nothing reads are left out of the states (explore.ts, unobservedGhosts): a ghost
 * only written is not stored and saves states; one read by a step's ghost_read(), which the
 * probe runs do not see, is found when read and the search starts again with it stored; one a
 * property reads is stored from the start. Verdicts and counterexamples equal the search that
 * stores every ghost (the golden test compares them on every model as well).
 */
import { describe, expect, it } from 'vitest';
import {
  check,
  defineModel,
  ghost,
  ghost_read,
  type MemoryModelName,
  READ_ONCE,
  WRITE_ONCE,
} from '../../src/spec/engine/index.ts';

const SOURCE = 'test/engine/unobserved-ghosts.test.ts';

/** Two writers of x; each records what it saw in ghosts, and a property reads one of them. */
const model = defineModel<{ copy: boolean; bug: boolean }>({
  name: 'test-unobserved-ghosts',
  title: 'ghosts nobody reads are not stored (test)',
  source: SOURCE,
  memoryModels: ['sc', 'tso', 'relaxed'],
  defaultMemoryModel: 'sc',
  cpus: () => 2,
  variants: [
    { name: 'unread', description: 'a ghost only written', flags: { copy: false, bug: false }, expect: {} },
    { name: 'copied', description: 'a ghost read by ghost_read()', flags: { copy: true, bug: false }, expect: {} },
    { name: 'bug', description: 'the property fails', flags: { copy: true, bug: true }, expect: {} },
  ],
  setup(b, f) {
    const x = b.loc('x');
    const seen = b.ghost('a saw');
    const written = b.ghost('only written');
    const copy = b.ghost('copy of a saw', -1);
    b.thread('a', { cpu: 0 }, function* () {
      const v = yield* READ_ONCE(x);
      yield* ghost(seen, v);
      yield* ghost(written, v + 1);
      yield* WRITE_ONCE(x, 1);
      if (f.copy) yield* ghost(copy, yield* ghost_read(seen));
    });
    b.thread('b', { cpu: 1 }, function* () {
      const v = yield* READ_ONCE(x);
      yield* ghost(written, v + 3);
      yield* WRITE_ONCE(x, 2);
    });
    // a reads 0, or 2 after b's write: the bug variant forgets the 2.
    b.always('copy-in-range', 'the copy is -1 (not yet made), 0 or 2', (s) => {
      const c = s.ghost(copy);
      return c === -1 || c === 0 || (!f.bug && c === 2);
    });
  },
});

describe.each<MemoryModelName>(['sc', 'tso', 'relaxed'])('unobserved ghosts under %s', (mm) => {
  it('leaves a ghost only written out of the states, with fewer states and the same verdict', () => {
    const left = check(model, { variant: 'unread', memoryModel: mm });
    const all = check(model, { variant: 'unread', memoryModel: mm, unobservedGhosts: false });
    expect(left.ghosts).toEqual({ unstored: 2, of: 3, restarts: 0 });
    expect(all.ghosts).toBeUndefined();
    expect(left.verdict).toBe('holds');
    expect(all.verdict).toBe('holds');
    expect(left.states).toBeLessThan(all.states);
  });

  it('stores a ghost that a step reads once it is read, restarting the search, with the same verdict', () => {
    const left = check(model, { variant: 'copied', memoryModel: mm });
    const all = check(model, { variant: 'copied', memoryModel: mm, unobservedGhosts: false });
    expect(left.ghosts).toEqual({ unstored: 1, of: 3, restarts: 1 });
    expect(left.verdict).toBe(all.verdict);
    expect(left.states).toBeLessThan(all.states);
  });

  it('finds the same shortest counterexample, whose trace shows every ghost', () => {
    const left = check(model, { variant: 'bug', memoryModel: mm });
    const all = check(model, { variant: 'bug', memoryModel: mm, unobservedGhosts: false });
    expect(left.verdict).toBe('violated');
    expect(left.violation?.property).toBe('copy-in-range');
    expect(left.counterexample?.steps.length).toBe(all.counterexample?.steps.length);
    expect(JSON.stringify(left.counterexample)).toContain('only written');
  });
});
