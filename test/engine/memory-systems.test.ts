/**
 * The SC and TSO memory systems through their MemorySystem interface, on packed states built by
 * hand: what a read returns, where a write goes, when a write, an RMW or smp_mb() must wait for
 * the store buffer, how the buffer drains, what interrupt handlers see, the picture the trace
 * viewer shows and the renaming symmetry reduction uses. (The memory models' orderings, as
 * litmus shapes, are in lkmm-shapes.test.ts and ordering.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Fence, NO_WRITE, Order } from '../../src/spec/engine/actions.ts';
import { ScMemory } from '../../src/spec/engine/memory/sc.ts';
import { TsoMemory } from '../../src/spec/engine/memory/tso.ts';

const fmt = (_loc: number, v: number): string => String(v);
const name = (loc: number): string => `x${loc}`;

function packed(mem: { init(out: number[]): void }, pad = 0): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < pad; i++) out.push(99);
  mem.init(out);
  return Int32Array.from(out);
}

describe('TSO memory', () => {
  it('lays out memory, then a zeroed buffer per thread', () => {
    const m = new TsoMemory([5, 6], 2, 3);
    expect([...packed(m)]).toEqual([5, 6, 0, 0, 0, 0, 0, 0]);
    expect(m.length()).toBe(8);
    expect(m.internalUnits).toBe(2);
    expect(() => new TsoMemory(new Array(256).fill(0), 1, 1)).toThrow(/at most 255 locations/);
    expect(new TsoMemory(new Array(255).fill(0), 1, 1).length()).toBe(256);
  });

  it('buffers plain stores in order, forwards the newest to its own loads, drains oldest first', () => {
    const m = new TsoMemory([0, 0], 2, 3);
    const base = 2;
    const s = packed(m, base);
    expect(m.readChoices()).toBe(1);
    expect(m.writeChoices(s, base, 0, 0, Order.Once)).toBe(1);
    m.write(s, base, 0, 0, 1, Order.Once);
    m.write(s, base, 0, 1, 2, Order.Once);
    m.write(s, base, 0, 0, 3, Order.Once);
    // Full: no fourth store until one drains.
    expect(m.writeChoices(s, base, 0, 1, Order.Once)).toBe(0);
    expect(m.writeChoices(s, base, 1, 1, Order.Once)).toBe(1);
    expect(m.read(s, base, 0, 0)).toBe(3);
    expect(m.readValue(s, base, 0, 1)).toBe(2);
    // Other threads and handlers see memory only.
    expect(m.read(s, base, 1, 0)).toBe(0);
    expect(m.handlerRead(s, base, 0, 0)).toBe(0);
    expect(m.latest(s, base, 0)).toBe(0);
    expect(m.describe(s, base, fmt, name)).toEqual({
      values: [
        { loc: 0, latest: '0' },
        { loc: 1, latest: '0' },
      ],
      buffers: [['x0 = 1', 'x1 = 2', 'x0 = 3'], []],
    });
    expect(m.internalEnabled(s, base, 0)).toBe(true);
    expect(m.internalEnabled(s, base, 1)).toBe(false);
    expect(m.quiescent(s, base, 0)).toBe(false);
    expect(m.quiescent(s, base, 1)).toBe(true);
    expect(m.internalText(s, base, 0, fmt)).toBe('1 leaves the store buffer and reaches memory');
    m.internalStep(s, base, 0);
    expect(m.latest(s, base, 0)).toBe(1);
    expect(m.read(s, base, 1, 0)).toBe(1);
    expect(m.read(s, base, 0, 0)).toBe(3);
    expect(m.writeChoices(s, base, 0, 1, Order.Once)).toBe(1);
    m.internalStep(s, base, 0);
    m.internalStep(s, base, 0);
    expect([...s.subarray(base, base + 2)]).toEqual([3, 2]);
    expect([...s.subarray(base + 2)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(m.internalEnabled(s, base, 0)).toBe(false);
    expect([...s.subarray(0, base)]).toEqual([99, 99]);
  });

  it("stops at a full buffer's end: the next thread's buffer is not part of it", () => {
    const m = new TsoMemory([0, 0], 2, 3);
    const s = packed(m);
    m.write(s, 0, 0, 0, 1, Order.Once);
    m.write(s, 0, 0, 1, 2, Order.Once);
    m.write(s, 0, 0, 0, 3, Order.Once);
    m.write(s, 0, 1, 0, 8, Order.Once);
    expect(m.read(s, 0, 0, 0)).toBe(3);
    expect(m.read(s, 0, 1, 0)).toBe(8);
    expect(m.describe(s, 0, fmt, name).buffers).toEqual([['x0 = 1', 'x1 = 2', 'x0 = 3'], ['x0 = 8']]);
    m.internalStep(s, 0, 0);
    expect(m.describe(s, 0, fmt, name).buffers).toEqual([['x1 = 2', 'x0 = 3'], ['x0 = 8']]);
    expect(m.read(s, 0, 1, 0)).toBe(8);
    expect(m.fenceAll()).toBe(m.length());
    expect(m.dependency()).toBe(m.length());
    expect(m.threadDone()).toBe(m.length());
  });

  it('keeps negative and 24-bit values, and refuses wider ones', () => {
    const m = new TsoMemory([0], 1, 2);
    const s = packed(m);
    m.write(s, 0, 0, 0, -5, Order.Once);
    expect(m.read(s, 0, 0, 0)).toBe(-5);
    m.internalStep(s, 0, 0);
    expect(m.latest(s, 0, 0)).toBe(-5);
    m.write(s, 0, 0, 0, (1 << 23) - 1, Order.Once);
    m.write(s, 0, 0, 0, -(1 << 23), Order.Once);
    expect(m.read(s, 0, 0, 0)).toBe(-(1 << 23));
    m.internalStep(s, 0, 0);
    expect(m.latest(s, 0, 0)).toBe((1 << 23) - 1);
    expect(() => m.write(s, 0, 0, 0, 1 << 23, Order.Once)).toThrow(/24-bit/);
    expect(() => m.write(s, 0, 0, 0, -(1 << 23) - 1, Order.Once)).toThrow(/24-bit/);
  });

  it('makes smp_store_mb(), atomics and smp_mb() wait for an empty buffer, and write memory directly', () => {
    const m = new TsoMemory([0, 0], 1, 2);
    const s = packed(m);
    m.write(s, 0, 0, 1, 7, Order.Once);
    for (const order of [Order.StoreMb, Order.Full]) expect(m.writeChoices(s, 0, 0, 0, order)).toBe(0);
    expect(m.writeChoices(s, 0, 0, 0, Order.AcqRel)).toBe(1);
    expect(m.rmwChoices(s, 0, 0, 0, Order.Full)).toBe(0);
    expect(m.fenceEnabled(s, 0, 0, Fence.Mb)).toBe(false);
    expect(m.fenceEnabled(s, 0, 0, Fence.Rmb)).toBe(true);
    expect(m.fenceEnabled(s, 0, 0, Fence.Wmb)).toBe(true);
    m.internalStep(s, 0, 0);
    expect(m.rmwChoices(s, 0, 0, 0, Order.Full)).toBe(1);
    expect(m.fenceEnabled(s, 0, 0, Fence.Mb)).toBe(true);
    expect(m.writeChoices(s, 0, 0, 0, Order.StoreMb)).toBe(1);
    m.write(s, 0, 0, 0, 4, Order.StoreMb);
    expect(m.latest(s, 0, 0)).toBe(4);
    expect(m.internalEnabled(s, 0, 0)).toBe(false);
    m.write(s, 0, 0, 1, 11, Order.Full);
    expect(m.latest(s, 0, 1)).toBe(11);
    expect(m.internalEnabled(s, 0, 0)).toBe(false);
    expect(m.rmw(s, 0, 0, 0, (v) => v + 1)).toBe(4);
    expect(m.latest(s, 0, 0)).toBe(5);
    expect(m.rmw(s, 0, 0, 0, () => NO_WRITE)).toBe(5);
    expect(m.latest(s, 0, 0)).toBe(5);
    expect(m.handlerWrite(s, 0, 0, 1, 9)).toBe(m.length());
    expect(m.latest(s, 0, 1)).toBe(9);
  });

  it('renames buffers and the locations inside their entries', () => {
    const m = new TsoMemory([0, 0], 2, 2);
    const { src, entry } = m.rename([1, 0], [1, 0]);
    expect([...src]).toEqual([1, 0, 4, 5, 2, 3]);
    expect([...entry]).toEqual([0, 0, 1, 1, 1, 1]);
    const s = packed(m);
    m.write(s, 0, 0, 0, 6, Order.Once);
    const renamed = m.renameEntry(s[2] as number, [1, 0]);
    const t = packed(m);
    t[4] = renamed;
    expect(m.read(t, 0, 1, 1)).toBe(6);
    expect(m.renameEntry(0, [1, 0])).toBe(0);
  });
});

describe('SC memory', () => {
  it('reads and writes one memory, and has nothing to drain or wait for', () => {
    const m = new ScMemory([1, 2]);
    const s = packed(m, 1);
    expect([...s]).toEqual([99, 1, 2]);
    m.write(s, 1, 0, 1, 5);
    expect(m.read(s, 1, 1, 1)).toBe(5);
    expect(m.readValue(s, 1, 0, 0)).toBe(1);
    expect(m.rmw(s, 1, 0, 0, (v) => v * 10)).toBe(1);
    expect(m.latest(s, 1, 0)).toBe(10);
    expect(m.rmw(s, 1, 0, 0, () => NO_WRITE)).toBe(10);
    expect(m.latest(s, 1, 0)).toBe(10);
    expect(m.handlerWrite(s, 1, 0, 0, 3)).toBe(2);
    expect(m.handlerRead(s, 1, 0, 0)).toBe(3);
    expect(m.handlerRead(s, 1, 0, 1)).toBe(5);
    m.handlerWrite(s, 1, 0, 1, 6);
    expect([...s]).toEqual([99, 3, 6]);
    m.handlerWrite(s, 1, 0, 1, 5);
    expect(m.latest(s, 1, 1)).toBe(5);
    expect(m.describe(s, 1, fmt)).toEqual({
      values: [
        { loc: 0, latest: '3' },
        { loc: 1, latest: '5' },
      ],
    });
    expect(m.internalEnabled()).toBe(false);
    expect(m.quiescent()).toBe(true);
    expect(m.fenceEnabled()).toBe(true);
    expect([m.readChoices(), m.writeChoices(), m.rmwChoices()]).toEqual([1, 1, 1]);
    expect([m.length(), m.fenceAll(), m.dependency(), m.internalStep(), m.threadDone()]).toEqual([2, 2, 2, 2, 2]);
    expect(m.internalText()).toBe('');
    const { src, entry } = m.rename([0], [1, 0]);
    expect([...src]).toEqual([1, 0]);
    expect([...entry]).toEqual([0, 0]);
  });
});
