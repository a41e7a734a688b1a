// Control flow in the WebGPU runtime: the manifest's `repeats` (scan and loop bodies, compiled by
// src/backends/webgpu/control-flow.ts) name ranges of kernels dispatched `count` times in a row,
// in the same compute pass; the iteration index lives on the GPU (a counter the kernels bump), so
// recording the range again is all a repeat needs. Ranges nest and are listed outer before inner.

import { TenthRuntimeError } from './errors.js';

import type { Repeat } from './webgpu-manifest.js';

export type MRepeat = Repeat;

/** The most dispatches one run records (a loop's trip count comes from input data: refuse a runaway one). */
export const MAX_DISPATCHES = 1 << 22;

/** Kernel indices in dispatch order, each range repeated as the bound symbols say (0 or less: skipped). */
export function encodeRepeats(m: { readonly kernels: readonly unknown[]; readonly repeats?: readonly MRepeat[] }, bind: Readonly<Record<string, number>>, encode: (n: number) => void, from = 0, to = m.kernels.length): void {
  const reps = m.repeats ?? [];
  if (reps.length === 0) {
    for (let n = from; n < to; n++) encode(n);
    return;
  }
  const times = (r: MRepeat): number => {
    const n = r.count.dims.reduce<number>((a, d) => a * (typeof d === 'number' ? d : bind[d] ?? 0), 1);
    return Math.max(0, Math.ceil(n / r.count.div));
  };
  // Kernels [from, to) with the repeats from index ri on (those inside this range come first):
  // `visit` each dispatch in order, or (visit undefined) only count them, multiplying out the
  // repeats instead of walking every iteration.
  const run = (from: number, to: number, ri: number, visit?: (n: number) => void): number => {
    let total = 0;
    for (let n = from; n < to;) {
      const r = reps[ri];
      if (r && r.from === n && r.to <= to) {
        let end = ri + 1;
        while (end < reps.length && reps[end]!.from < r.to) end++;
        const t = times(r);
        if (visit) for (let k = t; k > 0; k--) run(r.from, r.to, ri + 1, visit);
        else total += t === 0 ? 0 : t * run(r.from, r.to, ri + 1);
        n = r.to;
        ri = end;
      } else {
        visit?.(n);
        n++;
        total++;
      }
    }
    return total;
  };
  // Counted first, so a runaway trip count is refused before anything is recorded.
  // [from, to) is a run's segment between counting kernels (top level: no range straddles it).
  const first = reps.findIndex((r) => r.from >= from);
  const ri = first < 0 ? reps.length : first;
  if (run(from, to, ri) > MAX_DISPATCHES) {
    const at = Object.entries(bind).map(([k, v]) => `${k}=${v}`).join(', ');
    throw new TenthRuntimeError('E503', `tenth runtime: these inputs repeat the loop and scan bodies past ${MAX_DISPATCHES} dispatches in one run${at ? ` (${at})` : ''}: a trip count or scan length that large is refused`);
  }
  run(from, to, ri, encode);
}
