/**
 * Per-CPU workqueues with one kworker thread per CPU (kernel/workqueue.c): queue_work_on(),
 * and work_on_cpu(), which runs a function in the kworker of a CPU and waits for its result.
 *
 * Each kworker is a thread that starts on its CPU and loops: it sleeps until work is queued for
 * it, takes the work (clearing the pending flag first, as process_one_work() does, so the work
 * can be queued again while it runs), runs it, and records the result. A kworker may run on any
 * CPU: it stays on its own until that CPU goes down, and then cpu_down() moves it elsewhere, as
 * the 2009 workqueue code let the dead CPU's thread finish its work unbound (and today's
 * unbind_workers() does). It does not move back when the CPU returns (a new kworker would be
 * bound there); work queued for a CPU after that runs wherever its kworker is, and the code it
 * runs must cope, as the kernel's must.
 *
 * Work items are functions registered up front (their numbers travel in memory). One work item
 * is pending per CPU at a time (a second queue_work_on() of a pending item returns false, as in
 * the kernel); work_on_cpu() callers must be serialised by the model (one result slot per CPU).
 */
import { action, Kind, NO_WRITE, type Op, Order } from './actions.ts';
import type { ModelBuilder } from './model.ts';
import { type Loc, smp_store_release, WRITE_ONCE, wait_until } from './primitives.ts';

export type WorkFn = () => Op<number>;

/** A result slot's value while work_on_cpu() waits. */
const NO_RESULT = -0x4000;

export interface Work {
  readonly id: number;
  readonly name: string;
}

export class Workqueues {
  readonly #fns: { name: string; fn: WorkFn }[] = [];
  readonly #pending: Loc[] = [];
  readonly #result: Loc[] = [];
  readonly cpus: number;

  /**
   * Declares the pending and result words and one kworker thread per CPU in `cpus`; a kworker
   * may be moved among those CPUs only.
   */
  constructor(b: ModelBuilder, cpus: readonly number[] = Array.from({ length: b.cpus }, (_, i) => i)) {
    this.cpus = b.cpus;
    const names = (v: number): string => (v === 0 ? 'none' : (this.#fns[v - 1]?.name ?? String(v)));
    for (let c = 0; c < b.cpus; c++) {
      this.#pending.push(b.loc(`kworker/${c}.pending`, 0, names));
      this.#result.push(b.loc(`kworker/${c}.result`, 0, (v) => (v === NO_RESULT ? 'none' : String(v))));
    }
    const all = [...cpus];
    for (const c of cpus) {
      const pending = this.#pending[c] as Loc;
      const result = this.#result[c] as Loc;
      const fns = this.#fns;
      b.thread(`kworker/${c}`, { cpu: c, loop: true, cpus: all }, function* () {
        // worker_thread(): sleep until work is queued, then take it (clears the pending bit).
        const id: number = yield action(Kind.Await, `worker_thread(): wait for work`, {
          a: pending.id,
          pred: (v) => v !== 0,
          rmw: () => 0,
          order: Order.AcqRel,
          end: true,
        });
        const work = fns[id - 1];
        if (!work) throw new Error(`kworker/${c}: no work ${id}`);
        const ret = yield* work.fn();
        yield* smp_store_release(result, ret, `${work.name}() returns ${ret}`);
      });
    }
  }

  /** INIT_WORK(): a function kworkers can run. Register every work function before the check runs. */
  work(name: string, fn: WorkFn): Work {
    this.#fns.push({ name, fn });
    return { id: this.#fns.length, name };
  }

  /** queue_work_on(cpu, wq, work): false when it is already pending there. */
  *queue_work_on(cpu: number, work: Work): Op<boolean> {
    const pending = this.#loc(this.#pending, cpu);
    const old: number = yield action(Kind.Rmw, `queue_work_on(${cpu}, ${work.name})`, {
      a: pending.id,
      order: Order.Full,
      rmw: (v) => (v === 0 ? work.id : NO_WRITE),
    });
    return old === 0;
  }

  /** work_on_cpu(cpu, fn, arg): queue `work` on `cpu`'s kworker, sleep until it returns, return its result. */
  *work_on_cpu(cpu: number, work: Work): Op<number> {
    const result = this.#loc(this.#result, cpu);
    yield* WRITE_ONCE(result, NO_RESULT, 'none');
    const queued = yield* this.queue_work_on(cpu, work);
    if (!queued) throw new Error(`work_on_cpu(${cpu}, ${work.name}): another work item is pending there`);
    return yield* wait_until(result, (v) => v !== NO_RESULT, `work_on_cpu(${cpu}, ${work.name}): flush_work()`, {
      acquire: true,
    });
  }

  #loc(locs: Loc[], cpu: number): Loc {
    const l = locs[cpu];
    if (!l) throw new Error(`workqueue: no CPU ${cpu}`);
    return l;
  }
}
