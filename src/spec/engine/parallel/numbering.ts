/**
 * Thread histories (automaton.ts) are numbered lazily, in the order the search meets them, and
 * the numbers are part of the states. In a parallel search the explorer in charge is the only
 * one that numbers: it expands in the sequential order, so its numbers are the sequential
 * search's. A helper's tables are frozen copies, brought up to date before each batch: a state
 * whose expansion needs a history the copy lacks is left to the explorer (LOCAL, work.ts), which
 * numbers it as the sequential search would. A copy out of step is an error, never a guess.
 *
 * Tables are named by the automaton using them: `t<i>` thread i, `h<key>` the interrupt
 * handler automaton of that key (Machine.handlerAuts). Threads a symmetry declares alike share
 * a table, sent once under its first name.
 */
import type { HistoryTable } from '../automaton.ts';
import { handlerAutomaton } from '../interrupts.ts';
import type { Machine } from '../machine.ts';

export interface TableUpdate {
  readonly key: string;
  readonly from: number;
  readonly histories: readonly (readonly number[])[];
}

/** The tables in use, each once, by name. */
export function tablesOf(machine: Machine): Map<HistoryTable, string> {
  const out = new Map<HistoryTable, string>();
  machine.threads.forEach((t, i) => {
    if (!out.has(t.table)) out.set(t.table, `t${i}`);
  });
  for (const key of [...machine.handlerAuts.keys()].sort((a, b) => a - b)) {
    const table = (machine.handlerAuts.get(key) as { table: HistoryTable }).table;
    if (!out.has(table)) out.set(table, `h${key}`);
  }
  return out;
}

/** The explorer's side: which numbers the helpers have, and the updates they lack. */
export class NumberingSync {
  readonly #machine: Machine;
  #known = new WeakMap<HistoryTable, number>();

  constructor(machine: Machine) {
    this.#machine = machine;
  }

  /**
   * The helpers have exactly the tables in use now: their replica was just built, or restarted
   * after taking every number the explorer had given (updates()), and its set-up numbered alike.
   */
  afterSetUp(): void {
    for (const table of tablesOf(this.#machine).keys()) this.#known.set(table, table.size);
  }

  /** What the helpers lack; from now on they have it. */
  updates(): TableUpdate[] {
    const out: TableUpdate[] = [];
    for (const [table, key] of tablesOf(this.#machine)) {
      // A table first used after the baseline (an interrupt handler's) starts with the empty history.
      const known = this.#known.get(table) ?? 1;
      if (table.size > known) {
        out.push({ key, from: known, histories: table.histories.slice(known) });
        this.#known.set(table, table.size);
      }
    }
    return out;
  }
}

/** The helper's side: the table of that name in its replica's machine. */
function tableNamed(machine: Machine, key: string): HistoryTable {
  const n = Number(key.slice(1));
  if (key.startsWith('t')) {
    const t = machine.threads[n];
    if (t === undefined) throw new Error(`no thread ${n} here`);
    return t.table;
  }
  const aut = handlerAutomaton(machine, Math.floor(n / machine.ncpus), n % machine.ncpus);
  if (aut === undefined) throw new Error(`no interrupt handler automaton ${n} here`);
  return aut.table;
}

export function applyUpdates(machine: Machine, updates: readonly TableUpdate[]): void {
  for (const u of updates) tableNamed(machine, u.key).extend(u.from, u.histories);
}

/** Freezes (or thaws) every table in use. */
export function freeze(machine: Machine, frozen: boolean): void {
  for (const table of tablesOf(machine).keys()) {
    table.frozen = frozen;
    table.missed = false;
  }
}

/** Whether a frozen table was asked for a history it lacks since the last call; clears the note. */
export function missed(machine: Machine): boolean {
  let any = false;
  for (const table of tablesOf(machine).keys()) {
    if (table.missed) {
      any = true;
      table.missed = false;
    }
  }
  return any;
}
