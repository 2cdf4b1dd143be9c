/**
 * The two ways kvm_make_vcpus_request_mask() has walked the vCPUs it is asked to signal
 * (virt/kvm/kvm_main.c): before ae0946cd3601 ("KVM: Optimize kvm_make_vcpus_request_mask() a
 * bit", Vitaly Kuznetsov, 2021) it visited every vCPU of the VM and tested its bit; since then
 * it visits only the set bits of the bitmap. These are the two loops, run on a real bitmap,
 * counting what each touches: vCPUs visited and bitmap words read. Not a concurrency model:
 * it backs the chapter's cost plot.
 */
import { Rng } from '../../engine/prng.ts';

const BITS_PER_LONG = 64;
/** x86's KVM_MAX_VCPUS in Linux v5.15, the length for_each_set_bit() scans. */
export const KVM_MAX_VCPUS = 1024;

export interface LoopCost {
  /** Loop bodies executed (vCPUs looked at). */
  readonly vcpusVisited: number;
  /** unsigned-long words of the bitmap read. */
  readonly wordsRead: number;
}

/** A vcpu_bitmap of KVM_MAX_VCPUS bits, as 64-bit words (BigInt: JavaScript has no u64). */
export function randomBitmap(nvcpus: number, density: number, rng: Rng): bigint[] {
  const words = new Array<bigint>(KVM_MAX_VCPUS / BITS_PER_LONG).fill(0n);
  for (let i = 0; i < nvcpus; i++) {
    if (rng.next() < density) words[i >> 6] = (words[i >> 6] as bigint) | (1n << BigInt(i & 63));
  }
  return words;
}

// #region request_mask_loops
/** Before ae0946cd3601: kvm_for_each_vcpu(i, vcpu, kvm) { if (!test_bit(i, vcpu_bitmap)) continue; … } */
export function kvm_for_each_vcpu_test_bit(
  nvcpus: number,
  bitmap: readonly bigint[],
  visit: (i: number) => void,
): LoopCost {
  let wordsRead = 0;
  for (let i = 0; i < nvcpus; i++) {
    wordsRead++; // test_bit(i, vcpu_bitmap)
    if (((bitmap[i >> 6] as bigint) >> BigInt(i & 63)) & 1n) visit(i);
  }
  return { vcpusVisited: nvcpus, wordsRead };
}

/** Since ae0946cd3601: for_each_set_bit(i, vcpu_bitmap, KVM_MAX_VCPUS) { vcpu = kvm_get_vcpu(kvm, i); … } */
export function for_each_set_bit(bitmap: readonly bigint[], visit: (i: number) => void): LoopCost {
  let wordsRead = 0;
  let visited = 0;
  // find_first_bit()/find_next_bit() read each word once while scanning to the end.
  for (let w = 0; w < bitmap.length; w++) {
    wordsRead++;
    let word = bitmap[w] as bigint;
    while (word !== 0n) {
      const bit = BigInt.asUintN(64, word & -word); // lowest set bit
      visit(w * BITS_PER_LONG + (bit.toString(2).length - 1));
      visited++;
      word &= word - 1n;
    }
  }
  return { vcpusVisited: visited, wordsRead };
}
// #endregion request_mask_loops

/** Mean cost of both loops over `samples` random bitmaps. */
export function maskLoopCost(
  nvcpus: number,
  density: number,
  samples: number,
  seed: number,
): { readonly everyVcpu: LoopCost; readonly setBits: LoopCost; readonly signalled: number } {
  const rng = new Rng(seed);
  let a = { v: 0, w: 0 };
  let b = { v: 0, w: 0 };
  let signalled = 0;
  for (let k = 0; k < samples; k++) {
    const bitmap = randomBitmap(nvcpus, density, rng);
    const seenOld: number[] = [];
    const seenNew: number[] = [];
    const old = kvm_for_each_vcpu_test_bit(nvcpus, bitmap, (i) => seenOld.push(i));
    const cur = for_each_set_bit(bitmap, (i) => seenNew.push(i));
    // Both loops must signal exactly the same vCPUs, in the same order.
    if (seenOld.join() !== seenNew.join()) throw new Error('the two loops disagree on the vCPUs to signal');
    signalled += seenNew.length;
    a = { v: a.v + old.vcpusVisited, w: a.w + old.wordsRead };
    b = { v: b.v + cur.vcpusVisited, w: b.w + cur.wordsRead };
  }
  return {
    everyVcpu: { vcpusVisited: a.v / samples, wordsRead: a.w / samples },
    setBits: { vcpusVisited: b.v / samples, wordsRead: b.w / samples },
    signalled: signalled / samples,
  };
}
