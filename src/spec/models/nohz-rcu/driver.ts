/**
 * The RCU user: a driver whose interrupt handler reads an RCU-protected object, and an updater
 * on another CPU that replaces it. Not a kernel file; the pattern is the one of
 * Documentation/RCU/whatisRCU.rst (rcu_assign_pointer(), synchronize_rcu(), kfree()).
 *
 * `gp` points at object 0 or object 1; each object's word is its state (0: not yet
 * initialised, LIVE, FREED), so a reader that loads FREED has used freed memory: what
 * KASAN would report as a use-after-free, and what a poisoned slab object would return.
 */
import {
  ghost,
  ghost_read,
  type Loc,
  type Op,
  READ_ONCE,
  rcu_assign_pointer,
  rcu_dereference,
  WRITE_ONCE,
} from '../../engine/index.ts';
import { type NohzCpu, PHASE_GUEST } from './cpu.ts';
import { type IrqEntryPolicy, irqentry_enter, irqentry_exit } from './entry_common.ts';
import { account_process_tick } from './vtime.ts';

export const OBJ_LIVE = 1;
export const OBJ_FREED = 2;
export const formatObj = (v: number): string => (v === OBJ_LIVE ? 'live' : v === OBJ_FREED ? 'FREED' : 'uninitialised');

export interface DriverData {
  /** The RCU-protected pointer: which object is current. */
  readonly gp: Loc;
  readonly obj: readonly [Loc, Loc];
}

// #region device_irq_handler
/** The device interrupt: entry, an RCU read-side critical section over gp, exit. */
export function* device_irq_handler(k: NohzCpu, d: DriverData, policy: IrqEntryPolicy): Op {
  const state = yield* irqentry_enter(k, policy);
  yield* ghost(k.g.deviceInWindow, yield* ghost_read(k.g.window));
  yield* ghost(k.g.deviceUnwatched, (yield* k.rcu.rcu_is_watching(k.cpu)) ? 0 : 1);
  yield* k.rcu.rcu_read_lock(k.cpu);
  const p = yield* rcu_dereference(d.gp);
  const v = yield* READ_ONCE(d.obj[p === 0 ? 0 : 1]);
  if (v === OBJ_FREED) yield* ghost(k.g.useAfterFree, 1);
  yield* k.rcu.rcu_read_unlock(k.cpu);
  yield* irqentry_exit(k, state);
}
// #endregion device_irq_handler

// #region tick_handler
/** The timer tick (tick_sched_timer() → update_process_times()): entry, accounting, exit. */
export function* tick_handler(k: NohzCpu, policy: IrqEntryPolicy): Op {
  const state = yield* irqentry_enter(k, policy);
  yield* ghost(k.g.tickInWindow, yield* ghost_read(k.g.window));
  yield* account_process_tick(k);
  yield* irqentry_exit(k, state);
}
// #endregion tick_handler

// #region rcu_updater
/** The updater on `self`: publish object 1, wait for a grace period, free object 0. */
export function* rcu_updater(k: NohzCpu, d: DriverData, self: number): Op {
  yield* WRITE_ONCE(d.obj[1], OBJ_LIVE, 'live'); // new = kmalloc(); initialise it
  yield* rcu_assign_pointer(d.gp, 1, '1 (the new object)');
  yield* k.rcu.synchronize_rcu(self);
  yield* ghost(k.g.gpInGuest, (yield* ghost_read(k.g.phase)) === PHASE_GUEST ? 1 : 0);
  yield* WRITE_ONCE(d.obj[0], OBJ_FREED, 'FREED'); // kfree(old)
}
// #endregion rcu_updater
