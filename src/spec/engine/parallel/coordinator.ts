/**
 * The explorer's side of a parallel search: hands out batches of the states it has discovered
 * but not yet expanded to helpers, and gives the explorer each state's record when its turn
 * comes (work.ts says what a record holds and why the result is the sequential one).
 *
 * The explorer expands states in index order; this source keeps the batches it sent in that
 * order. A state that was not sent (the backlog was too small to be worth a message: the first
 * levels of a search, its very end) is done by the explorer itself. A batch is sent when a
 * helper has fewer than MAX_IN_FLIGHT batches: helpers then always have the next batch queued
 * while they work, and the explorer, which only interns and numbers, waits for them (blocked in
 * Atomics.wait under Node, or returning to its event loop in a browser).
 */
import type { Machine } from '../machine.ts';
import type { StateStore } from '../store.ts';
import { NumberingSync } from './numbering.ts';
import type { FromHelper, ReplicaSpec, ToHelper, Transport } from './protocol.ts';
import { LOCAL, type Phase, type RestartCause, type WorkRecord, type WorkSource } from './work.ts';

/** Fewer states than this in the backlog are not sent: the explorer does them (a message costs more). */
const MIN_BATCH = 16;
const MAX_BATCH = 256;
const MAX_IN_FLIGHT = 3;
/**
 * A search starts handing out work only once it has this many states: smaller ones are over
 * before helpers (threads to start, modules to load) could answer, and never start them.
 */
export const PARALLEL_FROM = 2000;
/**
 * The helpers are started (their replicas built) earlier, at this many states: starting a
 * thread and loading the models takes a while (seconds on a loaded machine), which the explorer
 * spends expanding the first states itself.
 */
const START_FROM = 200;
/** Longest wait for any answer before the helpers are given up as lost. */
const LOST_MS = 120_000;

interface Batch {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  records?: Int32Array;
  offsets?: Int32Array;
}

let sessions = 0;

export class ParallelWork implements WorkSource {
  readonly #t: Transport;
  readonly #numbers: NumberingSync;
  readonly #session = ++sessions;
  #store: StateStore | undefined;
  #phase: Phase = 'safety';
  readonly #inFlight: number[];
  /** Batches sent in this search, in index order, from the one holding the next state. */
  #queue: Batch[] = [];
  #head = 0;
  /** Every state below this was sent or done by the explorer. */
  #sent = 0;
  #nextBatch = 0;
  /** Batch ids of this search start here (earlier ones are stale). */
  #firstBatch = 0;
  #waiting = false;
  #restarting = false;
  readonly #spec: ReplicaSpec;
  #started = false;
  /** Restarts before the helpers were started, for their replicas to follow when they are. */
  readonly #restarts: ToHelper[] = [];
  /** No helper has answered yet (it may still be starting): the explorer does the states it waits for. */
  #answered = false;
  #ended = false;
  /** Batches sent and states handed out over the whole check, for the report. */
  batches = 0;
  statesSent = 0;
  /** States a helper left to the explorer (LOCAL, work.ts): new thread histories, violations, errors. */
  statesLeft = 0;

  /** `machine` is the explorer's (Exploration.machine), whose history numbers the helpers take. */
  constructor(transport: Transport, spec: ReplicaSpec, machine: Machine) {
    if (transport.helpers < 1) throw new RangeError('a parallel search needs at least one helper');
    this.#t = transport;
    this.#spec = spec;
    this.#numbers = new NumberingSync(machine);
    this.#inFlight = new Array<number>(transport.helpers).fill(0);
  }

  /** Builds the helpers' replicas, with the restarts so far (see START_FROM). */
  #start(): void {
    this.#started = true;
    for (let h = 0; h < this.#t.helpers; h++) {
      this.#t.post(h, { type: 'init', session: this.#session, ...this.#spec }, []);
      for (const m of this.#restarts) this.#t.post(h, m, []);
    }
    this.#restarts.length = 0;
  }

  get waiting(): boolean {
    return this.#waiting;
  }

  get helpers(): number {
    return this.#t.helpers;
  }

  restart(cause: RestartCause): void {
    const m: ToHelper = { type: 'restart', session: this.#session, cause, updates: this.#numbers.updates() };
    if (this.#started) for (let h = 0; h < this.#t.helpers; h++) this.#t.post(h, m, []);
    else this.#restarts.push(m);
    this.#restarting = true;
  }

  begin(store: StateStore, phase: Phase): void {
    // After the replicas' own set-up (built, or restarted alike) they number as the explorer does.
    if (this.#restarting || this.#store === undefined) this.#numbers.afterSetUp();
    this.#restarting = false;
    this.#store = store;
    this.#phase = phase;
    this.#queue = [];
    this.#head = 0;
    this.#sent = 0;
    this.#firstBatch = this.#nextBatch;
  }

  take(idx: number): WorkRecord | undefined | 'wait' {
    this.#waiting = false;
    const queue = this.#queue;
    while (this.#head < queue.length && (queue[this.#head] as Batch).end <= idx) queue[this.#head++] = EMPTY;
    if (this.#head > 1024) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    if (
      !this.#started &&
      this.#store !== undefined &&
      this.#store.count >= (this.#t.startFrom ?? START_FROM) &&
      !this.#ended
    )
      this.#start();
    let b = this.#queue[this.#head];
    // Looking for answers costs a system call per helper: not at every state.
    if ((idx & 31) === 0 || b === undefined || b.start > idx || b.records === undefined) {
      this.#pump();
      this.#send(idx);
      b = this.#queue[this.#head];
    }
    if (b === undefined || b.start > idx) {
      if (this.#sent <= idx) this.#sent = idx + 1;
      return undefined;
    }
    const since = performance.now();
    while (b.records === undefined) {
      if (!this.#answered) return undefined;
      if (!this.#t.blocking) {
        this.#waiting = true;
        return 'wait';
      }
      if (performance.now() - since > LOST_MS) {
        throw new Error(`parallel search: no answer from the helpers in ${LOST_MS / 1000} s`);
      }
      this.#t.wait(100);
      this.#pump();
      this.#send(idx);
    }
    const at = (b.offsets as Int32Array)[idx - b.start] as number;
    if (((b.records[at] as number) & LOCAL) !== 0) this.statesLeft++;
    return { a: b.records, at };
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#started)
      for (let h = 0; h < this.#t.helpers; h++) this.#t.post(h, { type: 'end', session: this.#session }, []);
    this.#queue = [];
    this.#head = 0;
  }

  /** Takes in the messages that arrived. */
  #pump(): void {
    for (let m = this.#t.poll(); m !== undefined; m = this.#t.poll()) this.#receive(m);
  }

  #receive(m: FromHelper): void {
    // Session 0: a helper that could not start at all.
    if (m.type === 'fail' && (m.session === this.#session || m.session === 0))
      throw new Error(`parallel search: a helper failed: ${m.message}`);
    if (m.session !== this.#session || m.type !== 'done') return;
    this.#answered = true;
    const helper = m.batch % this.#t.helpers;
    this.#inFlight[helper] = (this.#inFlight[helper] as number) - 1;
    if (m.batch < this.#firstBatch) return;
    // Batches are answered in the order sent to each helper, not overall: find this one.
    const queue = this.#queue;
    for (let i = this.#head; i < queue.length; i++) {
      const b = queue[i] as Batch;
      if (b.id === m.batch) {
        b.records = m.records;
        b.offsets = m.offsets;
        return;
      }
    }
  }

  /** Sends batches from the first state not yet sent while helpers have room. */
  #send(from: number): void {
    const store = this.#store;
    if (store === undefined || !this.#started || this.#ended || store.count < (this.#t.parallelFrom ?? PARALLEL_FROM))
      return;
    if (this.#sent < from) this.#sent = from;
    const helpers = this.#t.helpers;
    for (let tries = 0; tries < helpers; ) {
      const backlog = store.count - this.#sent;
      if (backlog < MIN_BATCH) return;
      // Batch ids are dealt round robin, so a batch's helper is its id modulo the helpers.
      const helper = this.#nextBatch % helpers;
      if ((this.#inFlight[helper] as number) >= MAX_IN_FLIGHT) {
        // Skip this helper's turn (an id it would have had is simply not used).
        this.#nextBatch++;
        tries++;
        continue;
      }
      tries = 0;
      const n = Math.min(MAX_BATCH, Math.max(MIN_BATCH, Math.floor(backlog / (2 * helpers))));
      const start = this.#sent;
      let words = 0;
      for (let i = start; i < start + n; i++) words += 1 + store.lengthOf(i);
      const states = new Int32Array(words);
      let at = 0;
      for (let i = start; i < start + n; i++) {
        const len = store.load(i, states.subarray(at + 1));
        states[at] = len;
        at += 1 + len;
      }
      const id = this.#nextBatch++;
      const updates = this.#numbers.updates();
      // Every helper takes the numbers, in order, before any later batch of its own.
      if (updates.length > 0) {
        for (let h = 0; h < helpers; h++) {
          if (h !== helper) this.#t.post(h, { type: 'numbers', session: this.#session, updates }, []);
        }
      }
      this.#t.post(helper, { type: 'work', session: this.#session, batch: id, phase: this.#phase, states, updates }, [
        states.buffer,
      ]);
      this.#inFlight[helper] = (this.#inFlight[helper] as number) + 1;
      this.#queue.push({ id, start, end: start + n });
      this.#sent = start + n;
      this.batches++;
      this.statesSent += n;
    }
  }
}

const EMPTY: Batch = { id: -1, start: -1, end: -1 };
