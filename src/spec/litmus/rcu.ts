/**
 * RCU and SRCU in litmus tests: the calls a test may make (rcu_read_lock(), rcu_read_unlock(),
 * synchronize_rcu(), synchronize_rcu_expedited(), srcu_read_lock(), srcu_read_unlock(),
 * synchronize_srcu(), smp_mb__after_srcu_read_unlock()) and the engine state they need, kept out
 * of compile.ts so that the two grow apart cleanly. Their meaning is the engine's (engine/rcu.ts):
 * under relaxed, LKMM's (a read-side critical section is not a barrier; a grace period orders
 * each critical section wholly before its end or wholly after its start); under tso, x86's
 * implementation, except that rcu_read_unlock() drains the store buffer (stronger, see rcu.ts);
 * SRCU's read side is a full barrier under tso, as its implementation is.
 *
 * linux-kernel.def maps rcu_dereference() to READ_ONCE() and rcu_assign_pointer() to a release
 * store: those two stay in compile.ts's table.
 */
import { action, Fence, Kind, type Op } from '../engine/actions.ts';
import type { ModelBuilder } from '../engine/model.ts';
import type { Loc } from '../engine/primitives.ts';
import { Rcu, Srcu } from '../engine/rcu.ts';
import type { Expr, LitmusAst, LitmusError, Pos, Stmt } from './parse.ts';
import { none, type Primitive } from './primitive.ts';

/** What an RCU call needs besides its arguments: the thread's CPU and the model's RCU state. */
export interface CallContext {
  readonly cpu: number;
  readonly rcu: LitmusRcu;
  /** Whether this thread has called srcu_read_unlock() (for smp_mb__after_srcu_read_unlock()). */
  srcuUnlocked: boolean;
}

/** Whether a parameter of this C type is an srcu_struct (`struct srcu_struct *s`). */
export const isSrcuType = (type: string): boolean => /^struct srcu_struct \*$/.test(type);

const RCU_CALLS = new Set(['rcu_read_lock', 'rcu_read_unlock', 'synchronize_rcu', 'synchronize_rcu_expedited']);

const SRCU_CALLS = new Set(['srcu_read_lock', 'srcu_read_unlock', 'synchronize_srcu']);

/** The names of the calls in `stmts`, into `out`. */
function calls(stmts: readonly Stmt[], out: Set<string>): void {
  const found: (Expr & { k: 'call' })[] = [];
  callExprs(stmts, found);
  for (const e of found) out.add(e.name);
}

function callExprs(stmts: readonly Stmt[], out: (Expr & { k: 'call' })[]): void {
  const expr = (e: Expr): void => {
    if (e.k === 'call') {
      out.push(e);
      for (const a of e.args) expr(a);
    } else if (e.k === 'unary' || e.k === 'deref' || e.k === 'addr') expr(e.e);
    else if (e.k === 'binary') {
      expr(e.l);
      expr(e.r);
    }
  };
  for (const st of stmts) {
    if (st.k === 'decl') {
      if (st.init) expr(st.init);
    } else if (st.k === 'assign' || st.k === 'expr') expr(st.e);
    else {
      expr(st.cond);
      callExprs(st.then, out);
      if (st.else) callExprs(st.else, out);
    }
  }
}

/**
 * Checks what compile.ts's generic argument checks cannot: an SRCU call's first argument is a
 * `struct srcu_struct *` parameter of its thread (not another pointer, whose SRCU domain would
 * not exist).
 */
export function checkRcuCalls(ast: LitmusAst, error: (detail: string, pos: Pos) => LitmusError): void {
  for (const t of ast.threads) {
    const srcu = new Set(t.params.filter((p) => isSrcuType(p.type)).map((p) => p.name));
    const found: (Expr & { k: 'call' })[] = [];
    callExprs(t.body, found);
    for (const e of found) {
      const arg = e.args[0];
      if (!SRCU_CALLS.has(e.name) || arg === undefined) continue;
      if (arg.k !== 'name' || !srcu.has(arg.name)) {
        throw error(`${e.name}(): argument 1 must be a struct srcu_struct * parameter of P${t.index}`, arg.pos);
      }
    }
  }
}

/**
 * The RCU state of one litmus model: RCU's domain if any thread uses RCU, and one SRCU domain
 * per srcu_struct parameter name (the same name in two threads is the same srcu_struct, as
 * herd's parameters are).
 */
export class LitmusRcu {
  readonly #rcu: Rcu | undefined;
  readonly #srcu = new Map<number, Srcu>();

  constructor(b: ModelBuilder, ast: LitmusAst, locs: readonly Loc[], locationNames: readonly string[]) {
    const used = new Set<string>();
    const readers: number[] = [];
    ast.threads.forEach((t, p) => {
      const mine = new Set<string>();
      calls(t.body, mine);
      for (const c of mine) used.add(c);
      if (mine.has('rcu_read_lock') || mine.has('rcu_read_unlock')) readers.push(p);
    });
    // Only the CPUs of threads that read-lock get RCU state: a grace period waits for them alone
    // (a CPU that never enters a critical section is always quiescent), which keeps the state
    // space of the multi-grace-period rings small.
    this.#rcu = [...RCU_CALLS].some((c) => used.has(c)) ? new Rcu(b, { cpus: readers }) : undefined;
    const srcuNames = new Set(
      ast.threads.flatMap((t) => t.params.filter((p) => isSrcuType(p.type)).map((p) => p.name)),
    );
    for (const name of srcuNames) {
      const loc = locs[locationNames.indexOf(name)] as Loc;
      // Readers: the threads that have this srcu_struct and call srcu_read_lock() at all.
      const srcuReaders = ast.threads.flatMap((t, p) => {
        const mine = new Set<string>();
        calls(t.body, mine);
        return t.params.some((q) => q.name === name) && mine.has('srcu_read_lock') ? [p] : [];
      });
      this.#srcu.set(loc.id, new Srcu(b, name, { cpus: srcuReaders }));
    }
  }

  get rcu(): Rcu {
    if (!this.#rcu) throw new Error('unreachable: an RCU call in a test without RCU state');
    return this.#rcu;
  }

  srcu(loc: Loc): Srcu {
    const s = this.#srcu.get(loc.id);
    if (!s) throw new Error(`${loc.name} is not a struct srcu_struct * parameter`);
    return s;
  }
}

/** The RCU calls take pointers and values only. */
export type RcuPrimitive = Primitive & { readonly args: readonly ('ptr' | 'val')[] };

function* afterSrcuReadUnlock(ctx: CallContext): Op<number> {
  // linux-kernel.cat: `[M] ; po? ; [Srcu-unlock] ; fencerel(After-srcu-read-unlock) ; [M]`, a
  // full barrier only after an srcu_read_unlock() (any earlier one of this thread).
  if (ctx.srcuUnlocked) yield action(Kind.Fence, 'smp_mb__after_srcu_read_unlock()', { b: Fence.Mb });
  return 0;
}

/** The RCU and SRCU calls, in compile.ts's Primitive shape (the extra `ctx` argument). */
export const RCU_PRIMITIVES: Record<string, RcuPrimitive> = {
  rcu_read_lock: { args: [], value: false, run: (_l, _v, _s, ctx) => none(ctx.rcu.rcu.rcu_read_lock(ctx.cpu)) },
  rcu_read_unlock: { args: [], value: false, run: (_l, _v, _s, ctx) => none(ctx.rcu.rcu.rcu_read_unlock(ctx.cpu)) },
  synchronize_rcu: { args: [], value: false, run: (_l, _v, _s, ctx) => none(ctx.rcu.rcu.synchronize_rcu(ctx.cpu)) },
  // linux-kernel.def: the expedited form is the same Sync-rcu event.
  synchronize_rcu_expedited: {
    args: [],
    value: false,
    run: (_l, _v, _s, ctx) => none(ctx.rcu.rcu.synchronize_rcu(ctx.cpu)),
  },
  srcu_read_lock: {
    args: ['ptr'],
    value: true,
    run: (l, _v, _s, ctx) => ctx.rcu.srcu(l[0] as Loc).srcu_read_lock(ctx.cpu),
  },
  srcu_read_unlock: {
    args: ['ptr', 'val'],
    value: false,
    run: function* (l, v, _s, ctx) {
      yield* ctx.rcu.srcu(l[0] as Loc).srcu_read_unlock(ctx.cpu, v[0] as number);
      ctx.srcuUnlocked = true;
      return 0;
    },
  },
  synchronize_srcu: {
    args: ['ptr'],
    value: false,
    run: (l, _v, _s, ctx) => none(ctx.rcu.srcu(l[0] as Loc).synchronize_srcu()),
  },
  smp_mb__after_srcu_read_unlock: { args: [], value: false, run: (_l, _v, _s, ctx) => afterSrcuReadUnlock(ctx) },
};
