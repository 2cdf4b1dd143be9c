/**
 * A model-level clock: host time, and one hardware TSC per CPU that advances at that CPU's own
 * rate (a TSC that is not constant_tsc runs at the CPU's current frequency, which cpufreq
 * changes). Everything lives in one memory word, so reading a TSC, advancing time and changing
 * a CPU's rate are each one atomic step, and every CPU agrees on the order of ticks.
 *
 * The word is host time H plus, per CPU, the TSC value at its last rate change, the time of
 * that change and the rate: TSC_c(H) = mark_c + rate_c * (H - since_c). Time advances only by
 * tick() (a model's clock thread decides how often); reading it is rdtsc().
 *
 * The TSC is not memory: rdtsc() is a plain load of the clock word, which under SC and TSO
 * always sees the latest tick it is ordered after (TSO may satisfy it before an earlier store
 * of the same CPU is visible, as a non-serialising RDTSC may). Under the relaxed model a plain
 * load may return an older tick, which real TSCs never do: models with a Clock declare only
 * 'sc' and 'tso'.
 */
import { action, Kind, NO_WRITE, type Op, Order } from './actions.ts';
import type { ModelBuilder, StateView } from './model.ts';
import { type Loc, READ_ONCE } from './primitives.ts';

export interface ClockOptions {
  /** Ticks after which time stops (bounds the state space). */
  readonly maxTime: number;
  /** The rates a TSC may run at (ticks of the TSC per tick of host time), by index. */
  readonly rates: readonly number[];
  /** Each CPU's initial rate index (default 0). */
  readonly initialRate?: readonly number[];
}

export interface ClockReading {
  readonly time: number;
  readonly tsc: readonly number[];
  readonly rate: readonly number[];
}

interface Unpacked {
  readonly time: number;
  readonly rate: readonly number[];
  readonly since: readonly number[];
  readonly mark: readonly number[];
}

export class Clock {
  readonly loc: Loc;
  readonly cpus: number;
  readonly maxTime: number;
  readonly rates: readonly number[];
  /** The clock word at time 0. */
  readonly initialWord: number;
  readonly #maxTsc: number;

  constructor(b: ModelBuilder, opts: ClockOptions) {
    this.cpus = b.cpus;
    this.maxTime = opts.maxTime;
    this.rates = opts.rates;
    this.#maxTsc = opts.maxTime * Math.max(...opts.rates);
    if (!Number.isInteger(opts.maxTime) || opts.maxTime < 1)
      throw new Error('Clock: maxTime must be a positive integer');
    if (opts.rates.length === 0 || opts.rates.some((r) => !Number.isInteger(r) || r < 1))
      throw new Error('Clock: rates must be positive integers');
    let size = opts.maxTime + 1;
    for (let c = 0; c < b.cpus; c++) size *= (this.#maxTsc + 1) * (opts.maxTime + 1) * opts.rates.length;
    if (size > 2 ** 31) throw new Error(`Clock: ${b.cpus} CPUs, time up to ${opts.maxTime}: too large for one word`);
    const zeros = Array.from({ length: b.cpus }, () => 0);
    const rate = Array.from({ length: b.cpus }, (_, c) => opts.initialRate?.[c] ?? 0);
    const init = this.#pack({ time: 0, rate, since: zeros, mark: zeros });
    this.initialWord = init;
    this.loc = b.loc('clock', init, (v) => this.format(v));
  }

  // Layout (mixed radix, least significant first): time; then per CPU rate index, since, mark.
  #pack(r: Unpacked): number {
    let v = 0;
    let scale = 1;
    const put = (x: number, radix: number): void => {
      v += x * scale;
      scale *= radix;
    };
    put(r.time, this.maxTime + 1);
    for (let c = 0; c < this.cpus; c++) {
      put(r.rate[c] as number, this.rates.length);
      put(r.since[c] as number, this.maxTime + 1);
      put(r.mark[c] as number, this.#maxTsc + 1);
    }
    return v;
  }

  #unpack(v: number): Unpacked {
    let rest = v;
    const get = (radix: number): number => {
      const x = rest % radix;
      rest = Math.floor(rest / radix);
      return x;
    };
    const time = get(this.maxTime + 1);
    const rate: number[] = [];
    const since: number[] = [];
    const mark: number[] = [];
    for (let c = 0; c < this.cpus; c++) {
      rate.push(get(this.rates.length));
      since.push(get(this.maxTime + 1));
      mark.push(get(this.#maxTsc + 1));
    }
    return { time, rate, since, mark };
  }

  /** Host time and every CPU's TSC in clock word `v`. */
  decode(v: number): ClockReading {
    const u = this.#unpack(v);
    return {
      time: u.time,
      rate: u.rate,
      tsc: u.mark.map((m, c) => m + (this.rates[u.rate[c] as number] as number) * (u.time - (u.since[c] as number))),
    };
  }

  format(v: number): string {
    const r = this.decode(v);
    return `t=${r.time} ${r.tsc.map((t, c) => `tsc${c}=${t}@${this.rates[r.rate[c] as number]}`).join(' ')}`;
  }

  /** What a property sees: the clock now. */
  read(s: StateView): ClockReading {
    return this.decode(s.mem(this.loc));
  }

  /** Host time advances by one (no effect once it reaches maxTime). */
  *tick(): Op {
    yield action(Kind.Rmw, 'host time advances', {
      a: this.loc.id,
      order: Order.Once,
      rmw: (v) => (this.#unpack(v).time < this.maxTime ? v + 1 : NO_WRITE),
    });
  }

  /** rdtsc on `cpu` (pass smp_processor_id(), with migration excluded). */
  *rdtsc(cpu: number): Op<number> {
    const v = yield* READ_ONCE(this.loc);
    return this.decode(v).tsc[cpu] as number;
  }

  /** rdtsc on `cpu`, and the host time of that same instant (for properties that compare). */
  *rdtsc_at(cpu: number): Op<{ readonly tsc: number; readonly time: number }> {
    const r = this.decode(yield* READ_ONCE(this.loc));
    return { tsc: r.tsc[cpu] as number, time: r.time };
  }

  /** The hardware frequency of `cpu` changes: from now on its TSC runs at rates[rateIndex]. */
  *set_rate(cpu: number, rateIndex: number, text = `cpu${cpu} runs at ${this.rates[rateIndex]}`): Op {
    if (rateIndex < 0 || rateIndex >= this.rates.length) throw new Error(`Clock: no rate ${rateIndex}`);
    yield action(Kind.Rmw, text, {
      a: this.loc.id,
      order: Order.Once,
      rmw: (v) => {
        const u = this.#unpack(v);
        const since = u.since.slice();
        const rate = u.rate.slice();
        const mark = u.mark.slice();
        mark[cpu] = this.decode(v).tsc[cpu] as number;
        since[cpu] = u.time;
        rate[cpu] = rateIndex;
        return this.#pack({ time: u.time, rate, since, mark });
      },
    });
  }
}
