// Offsets in one arena for buffers with known live ranges (a 2-D packing problem: time x bytes).
//
// Buffers chained by in-place reuse share one storage group: one offset, live from the first
// member's start to the last member's end. Zero-byte buffers take no space and get offset 0.
//
// Placement heuristics (each tried; the smallest arena wins, ties keep the earlier one):
//   - size-first: largest group first, each at the lowest aligned offset that does not overlap a
//     placed group live at the same time ("greedy by size", TFLite / MNN);
//   - size-best: the same order, but into the smallest gap that fits (best fit);
//   - time-best / time-first: groups in order of their start (as a linear-scan allocator sees
//     them), best-fit or lowest gap;
//   - breadth-first: groups live through the busiest steps first (the most bytes live at one
//     step of their life; "greedy by breadth", TFLite), then by size, at the lowest gap.
// The lower bound is the largest total of bytes of groups live at one time: no placement can use
// less, whatever the alignment.

import type { LiveBuffer } from './memory-liveness.js';

export interface StorageGroup {
  /** Buffer indices, in order of start. */
  readonly members: number[];
  readonly size: number;
  readonly start: number;
  readonly end: number;
}

export interface Placement {
  readonly strategy: string;
  /** Offset of each group. */
  readonly offsets: number[];
  /** Arena size: the highest end of a placed group. */
  readonly peak: number;
}

export const PLACEMENTS = ['size-first', 'size-best', 'time-best', 'time-first', 'breadth-first'] as const;
export type PlacementStrategy = (typeof PLACEMENTS)[number];

/** Merge in-place chains into storage groups (zero-byte buffers are left out). */
export function storageGroups(buffers: readonly LiveBuffer[]): StorageGroup[] {
  const root = buffers.map((_, i) => i);
  const find = (i: number): number => {
    while (root[i] !== i) i = root[i]!;
    return i;
  };
  buffers.forEach((b, i) => {
    if (b.inPlaceOf !== null) root[i] = find(b.inPlaceOf);
  });
  const byRoot = new Map<number, number[]>();
  buffers.forEach((b, i) => {
    if (b.size === 0) return;
    const r = find(i);
    const list = byRoot.get(r);
    if (list) list.push(i);
    else byRoot.set(r, [i]);
  });
  const groups: StorageGroup[] = [];
  for (const members of [...byRoot.values()].sort((a, b) => a[0]! - b[0]!)) {
    const bs = members.map((i) => buffers[i]!);
    groups.push({
      members,
      size: Math.max(...bs.map((b) => b.size)),
      start: Math.min(...bs.map((b) => b.start)),
      end: Math.max(...bs.map((b) => b.end)),
    });
  }
  return groups;
}

/** Largest total size of groups live at one time. */
export function lowerBound(groups: readonly StorageGroup[]): number {
  const delta = new Map<number, number>();
  for (const g of groups) {
    delta.set(g.start, (delta.get(g.start) ?? 0) + g.size);
    delta.set(g.end, (delta.get(g.end) ?? 0) - g.size);
  }
  let live = 0, best = 0;
  for (const t of [...delta.keys()].sort((a, b) => a - b)) {
    live += delta.get(t)!;
    best = Math.max(best, live);
  }
  return best;
}

/** For each group, the most bytes live at one step of its life. */
function breadths(groups: readonly StorageGroup[]): number[] {
  const steps = Math.max(0, ...groups.map((g) => g.end));
  const live = new Array<number>(steps + 1).fill(0);
  for (const g of groups) for (let t = g.start; t < g.end; t++) live[t]! += g.size;
  return groups.map((g) => {
    let m = 0;
    for (let t = g.start; t < g.end; t++) m = Math.max(m, live[t]!);
    return m;
  });
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;
const overlapsInTime = (a: StorageGroup, b: StorageGroup): boolean => a.start < b.end && b.start < a.end;

/** Place every group; gives up (undefined) once the arena would exceed `giveUpAbove`. */
export function place(groups: readonly StorageGroup[], alignment: number, strategy: PlacementStrategy, giveUpAbove = Infinity): Placement | undefined {
  const bestFit = strategy.endsWith('best');
  const breadth = strategy === 'breadth-first' ? breadths(groups) : [];
  const order = groups.map((_, i) => i).sort((i, j) => {
    const a = groups[i]!, b = groups[j]!;
    const primary = strategy.startsWith('size') ? b.size - a.size || a.start - b.start
      : strategy.startsWith('time') ? a.start - b.start || b.size - a.size
        : breadth[j]! - breadth[i]! || b.size - a.size || a.start - b.start;
    return primary || i - j;
  });
  const offsets = new Array<number>(groups.length).fill(0);
  const placed: number[] = [];
  let peak = 0;
  for (const i of order) {
    const g = groups[i]!;
    const busy = placed.filter((j) => overlapsInTime(g, groups[j]!)).sort((a, b) => offsets[a]! - offsets[b]! || a - b);
    let cursor = 0;
    let chosen = -1, chosenGap = Infinity;
    for (const j of busy) {
      const at = alignUp(cursor, alignment);
      const gap = offsets[j]! - at;
      if (gap >= g.size && (bestFit ? gap < chosenGap : chosen < 0)) {
        chosen = at;
        chosenGap = gap;
      }
      cursor = Math.max(cursor, offsets[j]! + groups[j]!.size);
    }
    offsets[i] = chosen >= 0 ? chosen : alignUp(cursor, alignment);
    peak = Math.max(peak, offsets[i]! + g.size);
    if (peak > giveUpAbove) return undefined;
    placed.push(i);
  }
  return { strategy, offsets, peak };
}

/**
 * Try the given strategies; the smallest arena wins (ties: the earlier strategy). Undefined when
 * none fits in `giveUpAbove` bytes (a better plan is already known).
 */
export function bestPlacement(groups: readonly StorageGroup[], alignment: number, strategies: readonly PlacementStrategy[], giveUpAbove = Infinity): Placement | undefined {
  let best: Placement | undefined;
  for (const s of strategies) {
    // Only a strictly smaller arena replaces the best so far, so stop a try once it reaches it.
    const p = place(groups, alignment, s, best ? best.peak - 1 : giveUpAbove);
    if (p) best = p;
  }
  return best;
}
