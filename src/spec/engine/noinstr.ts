/**
 * noinstr regions and instrumentable code, as kernel primitives.
 *
 * Code marked `noinstr` (include/linux/compiler_types.h: the .noinstr.text section) must not
 * call anything a tracer, lockdep, KASAN, KCSAN or KCOV can hook, because it runs where that
 * hook would break: between entering and leaving an extended quiescent state, RCU is not
 * watching the CPU, and a tracepoint's RCU read side there uses RCU illegally. objtool checks
 * the rule statically ("call to X() leaves .noinstr.text section"), with
 * instrumentation_begin()/instrumentation_end() marking the places that may call out. Here
 * the rule is checked on executions: model code enters and leaves a region per CPU
 * (noinstr_enter / noinstr_exit, where RCU stops and starts watching, or where the kernel's
 * noinstr function begins and ends), marks each instrumentable call with `instrumentable()`,
 * and a model property reads `violated`.
 *
 * `instrumentable()` is its own step kind (Kind.Instrumentable), merged like a ghost update:
 * it touches no shared memory, and the machine itself records it when the CPU it runs on is
 * in a region, whatever thread or handler runs it.
 */
import { action, Kind, type Op } from './actions.ts';
import type { ModelBuilder } from './model.ts';
import { type Ghost, ghost } from './primitives.ts';

export interface NoinstrOptions {
  /** The regions' ghost names: `${name}[cpu]` (default `noinstr`). */
  readonly name?: string;
  /** Record instrumentable steps (default true); false makes instrumentable() a no-op. */
  readonly check?: boolean;
}

export class Noinstr {
  /** Per CPU, 1 while it is inside a noinstr region (consecutive ghosts, one per CPU). */
  readonly region: readonly Ghost[];
  /** Set to 1 (and kept) when instrumentable code ran inside a region. */
  readonly violated: Ghost;
  readonly #check: boolean;

  constructor(b: ModelBuilder, opts: NoinstrOptions = {}) {
    const name = opts.name ?? 'noinstr';
    const region: Ghost[] = [];
    for (let c = 0; c < b.cpus; c++) region.push(b.ghost(`${name}[${c}]`));
    for (let c = 1; c < region.length; c++) {
      if ((region[c] as Ghost).id !== (region[0] as Ghost).id + c)
        throw new Error('Noinstr: region ghosts must be consecutive');
    }
    this.region = region;
    this.violated = b.ghost(`instrumentable_in_${name}`);
    this.#check = opts.check ?? true;
  }

  /** `cpu` enters a noinstr region (merged). */
  *noinstr_enter(cpu: number): Op {
    yield* ghost(this.#at(cpu), 1);
  }

  /** `cpu` leaves its noinstr region (merged). */
  *noinstr_exit(cpu: number): Op {
    yield* ghost(this.#at(cpu), 0);
  }

  /**
   * Instrumentable code runs here, on whatever CPU the caller is on: recorded in `violated`
   * when that CPU is inside a region. `what` names the calls, for traces.
   */
  *instrumentable(what: string): Op {
    if (!this.#check) return;
    yield action(Kind.Instrumentable, `instrumentable: ${what}`, {
      a: (this.region[0] as Ghost).id,
      b: this.violated.id,
    });
  }

  #at(cpu: number): Ghost {
    const g = this.region[cpu];
    if (!g) throw new Error(`Noinstr: no CPU ${cpu}`);
    return g;
  }
}
