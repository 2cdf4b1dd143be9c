/**
 * Step durations for the timed simulation of the nohz-rcu model (the plots), in microseconds.
 * Orders of magnitude, not measurements of any machine: a host kernel step (an atomic, a flag
 * write, an IRQ mask change) takes tens of nanoseconds, a handler step a little more, and the
 * guest runs for `guestUs` between VM entry and VM exit. What the plots show depends on the
 * ratio of the guest's run to the exit path, not on these constants.
 */
import { Kind, type SimStep } from '../../engine/index.ts';

export const HOST_STEP_US = 0.02;
export const HANDLER_STEP_US = 0.05;

/** The duration function for simulate(): the guest runs `guestUs` after its VM entry. */
export function nohzDurations(guestUs: number): (step: SimStep) => number {
  return (step) => {
    if (step.kind === Kind.GuestEnter) return guestUs;
    if (step.actor.startsWith('irq@')) return HANDLER_STEP_US;
    return HOST_STEP_US;
  };
}
