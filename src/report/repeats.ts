// Kernels in loop and scan bodies: the backends run them once per iteration, so a report that
// counted them once would understate a recurrent model by its trip count. A backend names the
// trip counts around a kernel (outer first); this turns them into the report's `repeat` and
// scales the kernel's figures. A count the report's bindings size (numbers, and input dims, which
// the report binds to 1 unless told) scales them; one only the run knows (a loop count read from
// an input's data, a loop that may stop early) leaves them per iteration of that body.

import { evalDim } from '../../ir/symbolic.js';
import type { Dim } from '../../ir/types.js';
import { binder } from './backend.js';
import type { KernelCost, KernelRepeat } from './cost.js';

/** One trip count: ceil(product(dims) / div), or null when only the run knows it. */
export type TripCount = { readonly dims: readonly Dim[]; readonly div: number } | null;

const countText = (t: TripCount): string => {
  if (t === null) return '?';
  const prod = t.dims.length === 0 ? '1' : t.dims.map(String).join('*');
  return t.div === 1 ? prod : `ceil(${prod}/${t.div})`;
};

/** Whether the bindings size `d` (a data symbol, read from an input's values, is never bound). */
function bound(d: Dim, bind: Readonly<Record<string, number>>): boolean {
  try {
    return evalDim(d, (name) => bind[name]) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The repeat of a kernel inside `trips` (outer first; none: undefined) with the report's bindings,
 * and the factor its figures scale by: the product of the counts the bindings size (a count only
 * the run knows leaves them per iteration of that body, and `times` null).
 */
export function repeatOf(trips: readonly TripCount[], bind: Readonly<Record<string, number>>): { repeat?: KernelRepeat; factor: number } {
  if (trips.length === 0) return { factor: 1 };
  const size = binder(bind);
  let factor = 1, known = true;
  for (const t of trips) {
    if (t === null || !t.dims.every((d) => bound(d, bind))) known = false;
    else factor *= Math.max(0, Math.ceil(t.dims.reduce<number>((a, d) => a * size(d), 1) / t.div));
  }
  return { repeat: { count: trips.map(countText).join('*'), times: known ? factor : null }, factor };
}

/** `k` (figures of one pass) inside `trips`: figures and, with `launches`, launches scaled. */
export function repeated(k: KernelCost, trips: readonly TripCount[], bind: Readonly<Record<string, number>>, opts: { readonly launches: boolean }): KernelCost {
  const { repeat, factor: n } = repeatOf(trips, bind);
  if (!repeat) return k;
  return {
    ...k, flops: k.flops * n, bytesRead: k.bytesRead * n, bytesWritten: k.bytesWritten * n, repeat,
    ...(opts.launches && n !== 1 ? { launches: n } : {}),
  };
}

/** The short form for a table column: `x7`, or `x? (per iteration)`. */
export const repeatShort = (r: KernelRepeat): string => (r.times === null ? 'x? (per iteration)' : `x${r.times}`);

/** How the report states a repeat: `x7`, `x28 (T*4)`, or per iteration. */
export function repeatText(r: KernelRepeat): string {
  if (r.times === null) return `per iteration, count known at run time (${r.count})`;
  return String(r.times) === r.count ? `x${r.times}` : `x${r.times} (${r.count})`;
}
