/**
 * A helper of a parallel search: the engine's side of a worker thread or Web Worker. It keeps a
 * replica of the explorer in charge (the same model, variant, parameters and options, so the
 * same compiled thread automata, stored ghosts and symmetry), follows its restarts, and answers
 * each batch of states with their records (work.ts).
 */

import type { HistoryTable } from '../automaton.ts';
import type { AnyModel } from '../check.ts';
import { Exploration } from '../explore.ts';
import { handlerAutomaton } from '../interrupts.ts';
import { instantiate } from '../model.ts';
import { applyUpdates, tablesOf } from './numbering.ts';
import type { FromHelper, ToHelper } from './protocol.ts';
import { Words } from './work.ts';

export interface Reply {
  readonly message: FromHelper;
  readonly transfer: readonly ArrayBuffer[];
}

export class Helper {
  readonly #models: readonly AnyModel[];
  #session = -1;
  #replica: Exploration | undefined;
  /** The replica's history tables, frozen (numbering.ts). */
  #tables: HistoryTable[] = [];
  readonly #unnumbered = (): boolean => {
    let any = false;
    for (const table of this.#tables) {
      if (table.missed) {
        any = true;
        table.missed = false;
      }
    }
    return any;
  };

  constructor(models: readonly AnyModel[]) {
    this.#models = models;
  }

  /** Handles one message; returns the reply to send, if any. */
  handle(m: ToHelper): Reply | undefined {
    try {
      return this.#handle(m);
    } catch (e) {
      this.#replica = undefined;
      return { message: { type: 'fail', session: m.session, message: (e as Error).message }, transfer: [] };
    }
  }

  #handle(m: ToHelper): Reply | undefined {
    if (m.type === 'init') {
      const model = this.#models.find((x) => x.name === m.model);
      if (model === undefined) throw new Error(`no model ${m.model} here`);
      const { instance } = instantiate(model, m.variant, m.params);
      this.#session = m.session;
      this.#replica = new Exploration(instance, { memoryModel: m.memoryModel, ...m.options });
      this.#freeze();
      return undefined;
    }
    if (m.session !== this.#session) return undefined;
    if (m.type === 'end') {
      this.#replica = undefined;
      this.#session = -1;
      return undefined;
    }
    const replica = this.#replica;
    if (replica === undefined) return undefined;
    if (m.type === 'numbers') {
      applyUpdates(replica.machine, m.updates);
      return undefined;
    }
    if (m.type === 'restart') {
      applyUpdates(replica.machine, m.updates);
      for (const table of this.#tables) table.frozen = false;
      replica.follow(m.cause);
      this.#freeze();
      return undefined;
    }
    applyUpdates(replica.machine, m.updates);
    const states = m.states;
    const offsets: number[] = [];
    const out = new Words(states.length * 4 + 64);
    for (let at = 0; at < states.length; ) {
      const len = states[at] as number;
      offsets.push(out.length);
      replica.work(states.subarray(at + 1, at + 1 + len), len, m.phase, out, this.#unnumbered);
      at += 1 + len;
    }
    const records = out.a.slice(0, out.length);
    const offs = Int32Array.from(offsets);
    return {
      message: { type: 'done', session: m.session, batch: m.batch, records, offsets: offs },
      transfer: [records.buffer, offs.buffer],
    };
  }

  /**
   * Freezes every table the replica uses, every interrupt handler's automaton made first so that
   * none numbers on its own when first used.
   */
  #freeze(): void {
    const machine = (this.#replica as Exploration).machine;
    const inst = machine.inst;
    for (const irq of inst.interrupts) {
      if (irq.handler === undefined) continue;
      for (let cpu = 0; cpu < machine.ncpus; cpu++) {
        try {
          handlerAutomaton(machine, irq.vector, cpu);
        } catch {
          // A handler that cannot run on this CPU: the explorer's cannot make it either.
        }
      }
    }
    this.#tables = [...tablesOf(machine).keys()];
    for (const table of this.#tables) {
      table.frozen = true;
      table.missed = false;
    }
  }
}
