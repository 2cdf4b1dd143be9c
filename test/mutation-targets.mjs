// @ts-check
/**
 * What each mutation-testing target mutates and which tests it runs against each mutant
 * (stryker.config.mjs, vitest.mutation.config.ts, scripts/mutation.ts). The tests are the
 * engine tests that exercise those files directly and finish in seconds; slow model-level
 * tests (golden counts, the requests model's symmetry) are left out so that a run fits on a
 * shared 2-core machine. A mutant these tests miss is reported as a survivor, never hidden.
 *
 * `skip` is a regular expression (alternatives allowed) of test names left out.
 *
 * @type {Record<string, { mutate: string[]; tests: string[]; skip?: string }>}
 */
export const TARGETS = {
  store: {
    mutate: ['src/spec/engine/store.ts'],
    // store-lean.test.ts covers what store.test.ts does in fewer words of state (its chunk
    // test writes 6 M words, slow under Stryker's instrumentation).
    tests: ['test/engine/store-lean.test.ts', 'test/engine/store-collisions.test.ts', 'test/engine/reduction.test.ts'],
  },
  symmetry: {
    mutate: ['src/spec/engine/symmetry.ts'],
    tests: [
      'test/engine/symmetry.test.ts',
      'test/engine/symmetry-declaration.test.ts',
      'test/engine/symmetry-ghosts.test.ts',
      'test/engine/symmetry-mutation.test.ts',
      'test/engine/crosscheck-regressions.test.ts',
    ],
    // The requests model's symmetry tests take minutes under Stryker's instrumentation; the
    // ring at N=5 and N=6 (up to 32,383 states unreduced) exercises the same code as at N=3 and
    // N=4, many times slower, and made a mutant cost about 20 s at load 15.
    skip: 'requests model|N=5|N=6',
  },
  memory: {
    mutate: ['src/spec/engine/memory/sc.ts', 'src/spec/engine/memory/tso.ts', 'src/spec/engine/memory/system.ts'],
    tests: ['test/engine/memory-systems.test.ts', 'test/engine/ordering.test.ts', 'test/engine/lkmm-shapes.test.ts'],
  },
  relaxed: {
    mutate: ['src/spec/engine/memory/relaxed.ts'],
    // The litmus corpus (litmus.test.ts: 59 tests, each with and without reduction) made the
    // dry run alone exceed Stryker's 5-minute limit at load 22, and would cover nearly every
    // mutant; the LKMM shape families and the ordering tests exercise the same rules in fewer
    // states. Only their relaxed cases reach relaxed.ts.
    // relaxed-context-switch (a context switch is a full barrier) and lkmm-lb-ahead (stores
    // performed early) since 2026-12-03: the relaxed model's newest rules, each file under 2 s.
    tests: [
      'test/engine/lkmm-shapes.test.ts',
      'test/engine/ordering.test.ts',
      'test/engine/explore.test.ts',
      'test/engine/relaxed-context-switch.test.ts',
      'test/engine/lkmm-lb-ahead.test.ts',
    ],
    skip: '(?:^| )(?:sc|tso): ',
  },
  // explore-behaviour.test.ts: the search on models small enough to count by hand (verdicts,
  // violations, shortest counterexamples, budgets, cancellation, progress, fairness, one graph or
  // two); explore.test.ts: the search for a shorter counterexample under reduction and its budget;
  // budget.test.ts: time budgets and checkAsync; explore-clock.test.ts: the time budget, progress
  // reports and slices against a stubbed clock (exact figures under any load);
  // explore-parallel.test.ts: the same tiny models searched with in-process helpers (the records
  // that replace an expansion, restarts the helpers follow). Every test reaches the search loop, so a core
  // mutant runs them all: a few seconds, where the slower model tests (properties,
  // crosscheck-regressions, reduction) made it 15 to 30 s. explore.ts is run a range of lines at
  // a time (--lines, scripts/mutation.ts).
  explore: {
    mutate: ['src/spec/engine/explore.ts'],
    tests: [
      'test/engine/explore-behaviour.test.ts',
      'test/engine/explore-clock.test.ts',
      'test/engine/explore-parallel.test.ts',
      'test/engine/explore.test.ts',
      'test/engine/budget.test.ts',
    ],
  },
  // The machine, one target per file: with all five files and every machine test in one
  // target (1,892 mutants, 337 tests that nearly all reach the machine's core), a mutant cost
  // about 50 s at load 15 and the run 4 to 7 hours. Each file is now run against the tests of
  // what it implements.
  // interrupts.test.ts: delivery, handlers and acknowledgement; irq-return.test.ts: the
  // ordering at an interrupt (interruptTaken, handlerOrder); lkmm-irq-race.test.ts: the data-race
  // check of handler accesses. All small models (a dry run of about 40 s at load 15), in place of
  // primitives.test.ts and reduction.test.ts, which reached few of these lines and cost minutes.
  interrupts: {
    mutate: ['src/spec/engine/interrupts.ts'],
    tests: ['test/engine/interrupts.test.ts', 'test/engine/irq-return.test.ts', 'test/engine/lkmm-irq-race.test.ts'],
  },
  hotplug: {
    mutate: ['src/spec/engine/hotplug.ts'],
    // hotplug-behaviour.test.ts: tiny models written for the survivors of the first run.
    tests: ['test/engine/hotplug.test.ts', 'test/engine/hotplug-behaviour.test.ts', 'test/engine/primitives.test.ts'],
  },
  describe: {
    mutate: ['src/spec/engine/describe.ts'],
    // describe-behaviour.test.ts: tiny models written for the survivors of the first run.
    tests: [
      'test/engine/trace.test.ts',
      'test/engine/describe-behaviour.test.ts',
      'test/engine/primitives.test.ts',
      'test/engine/hotplug.test.ts',
    ],
  },
  // threads.ts: since the first run (2026-12-03), also the tiny step-by-step models of
  // threads-, describe- and hotplug-behaviour (VM entry and exit, choices, migration, IPIs and
  // their errors, which no test of the first list reached), guest-run (guest_run() and the
  // scheduler tick), relaxed-context-switch (contextSwitch) and lkmm-lb-ahead (stores performed
  // early): each a few seconds at most.
  threads: {
    mutate: ['src/spec/engine/threads.ts'],
    tests: [
      'test/engine/primitives.test.ts',
      'test/engine/ordering.test.ts',
      'test/engine/explore.test.ts',
      'test/engine/irq-spinlocks-bitops.test.ts',
      'test/engine/threads-behaviour.test.ts',
      'test/engine/describe-behaviour.test.ts',
      'test/engine/hotplug-behaviour.test.ts',
      'test/engine/guest-run.test.ts',
      'test/engine/relaxed-context-switch.test.ts',
      'test/engine/lkmm-lb-ahead.test.ts',
      // Since the second run of lines 1-420 (mut12): the LKMM shape families (dependencies,
      // smp_mb__{before,after}_atomic, unlock-lock, 282 tests, 15 s at load 4) and the plain
      // accesses' bounds (2 s): the relaxed-only fence, RMW-context and race-bound rules of
      // effectiveFence, rmwContext and boundOf, which no test of the list reached.
      'test/engine/lkmm-shapes.test.ts',
      'test/engine/lkmm-plain-bounds.test.ts',
    ],
  },
  machine: {
    mutate: ['src/spec/engine/machine.ts'],
    tests: [
      'test/engine/primitives.test.ts',
      'test/engine/hotplug.test.ts',
      'test/engine/ordering.test.ts',
      'test/engine/properties.test.ts',
    ],
  },
};
