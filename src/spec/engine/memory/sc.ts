/** Sequential consistency: one memory, every access immediately visible, barriers are no-ops. */
import type { Fence } from '../actions.ts';
import { NO_WRITE } from '../actions.ts';
import type { MemoryPicture, MemoryRenaming, MemorySystem } from './system.ts';

/** An RMW straight on memory (SC's, and a handler's under TSO, whose stores skip the buffer). */
export function rmwInMemory(s: Int32Array, base: number, loc: number, fn: (old: number) => number): number {
  const old = s[base + loc] as number;
  const next = fn(old);
  if (next !== NO_WRITE) s[base + loc] = next;
  return old;
}

export class ScMemory implements MemorySystem {
  readonly name = 'sc' as const;
  readonly internalUnits = 0;
  readonly inits: readonly number[];

  constructor(inits: readonly number[]) {
    this.inits = inits;
  }

  init(out: number[]): void {
    out.push(...this.inits);
  }
  length(): number {
    return this.inits.length;
  }
  readChoices(): number {
    return 1;
  }
  readValue(s: Int32Array, base: number, _t: number, loc: number): number {
    return s[base + loc] as number;
  }
  read(s: Int32Array, base: number, _t: number, loc: number): number {
    return s[base + loc] as number;
  }
  writeChoices(): number {
    return 1;
  }
  write(s: Int32Array, base: number, _t: number, loc: number, value: number): number {
    s[base + loc] = value;
    return this.inits.length;
  }
  rmwChoices(): number {
    return 1;
  }
  rmw(s: Int32Array, base: number, _t: number, loc: number, fn: (old: number) => number): number {
    return rmwInMemory(s, base, loc, fn);
  }
  fenceEnabled(): boolean {
    return true;
  }
  fence(_s: Int32Array, _base: number, _t: number, _fence: Fence): void {}
  quiescent(): boolean {
    return true;
  }
  fenceAll(): number {
    return this.inits.length;
  }
  dependency(): number {
    // Loads are satisfied in program order here.
    return this.length();
  }
  unseenWrite(): boolean {
    // Every write in memory is visible to every later access here.
    return false;
  }
  handlerReadChoices(): number {
    return 1;
  }
  handlerRead(s: Int32Array, base: number, _cpu: number, loc: number): number {
    return s[base + loc] as number;
  }
  handlerWriteChoices(): number {
    return 1;
  }
  handlerWrite(s: Int32Array, base: number, _cpu: number, loc: number, value: number): number {
    s[base + loc] = value;
    return this.inits.length;
  }
  handlerRmwChoices(): number {
    return 1;
  }
  handlerRmw(s: Int32Array, base: number, _cpu: number, loc: number, fn: (old: number) => number): number {
    return rmwInMemory(s, base, loc, fn);
  }
  handlerFence(): number {
    // Every access of a handler goes straight to memory here.
    return this.inits.length;
  }
  handlerDependency(): number {
    return this.inits.length;
  }
  handlerStart(): number {
    return this.inits.length;
  }
  handlerReturn(): number {
    return this.inits.length;
  }
  interruptTaken(): number {
    return this.inits.length;
  }
  handlerOrder(): number {
    // Every access sees the latest write here.
    return this.inits.length;
  }
  latest(s: Int32Array, base: number, loc: number): number {
    return s[base + loc] as number;
  }
  internalText(): string {
    return '';
  }
  internalEnabled(): boolean {
    return false;
  }
  internalStep(): number {
    return this.inits.length;
  }
  threadDone(): number {
    return this.inits.length;
  }
  describe(s: Int32Array, base: number, fmt: (loc: number, value: number) => string): MemoryPicture {
    return { values: this.inits.map((_, loc) => ({ loc, latest: fmt(loc, s[base + loc] as number) })) };
  }
  rename(_threadTo: readonly number[], locTo: readonly number[]): MemoryRenaming {
    const src = new Int32Array(this.inits.length);
    locTo.forEach((to, l) => {
      src[to] = l;
    });
    return { src, entry: new Uint8Array(this.inits.length) };
  }
}
