// planMemory: execution order, liveness, in-place reuse and arena offsets for one function.
// Pure: it reads the function and returns a plan; the pass (plan-memory.ts) applies it.
// Each order strategy (memory-order.ts) is planned with each placement (memory-arena.ts) and
// the smallest arena wins; ties keep the earlier strategy, so the original order is kept unless
// another one is strictly better.

import type { Func, Op, Value } from '../ir/ir.js';
import { bestPlacement, lowerBound, PLACEMENTS, storageGroups, type PlacementStrategy } from './memory-arena.js';
import { computeLiveness } from './memory-liveness.js';
import { ORDERS, scheduleOrder, type OrderStrategy } from './memory-order.js';
import { formatBindings, type DimBindings } from './memory-sizes.js';

export interface PlanOptions {
  /** Offset alignment in bytes (default 16). */
  readonly alignment?: number;
  /** Sizes of symbolic dims (`batch`, `seq`). */
  readonly bind?: ReadonlyMap<string, number>;
  /** Size of a symbol not in `bind` (default 1); 0 leaves buffers with such symbols unplanned. */
  readonly defaultDim?: number;
  /** Execution order: one strategy, or 'auto' = the best of all (default). */
  readonly order?: OrderStrategy | 'auto';
  /** Offset assignment: one heuristic, or 'auto' = the best of all (default). */
  readonly placement?: PlacementStrategy | 'auto';
  /** Allow in-place reuse (default true). */
  readonly inPlace?: boolean;
}

export interface PlannedBuffer {
  readonly value: Value;
  readonly op: Op;
  /** Index of `value` among the op's results. */
  readonly result: number;
  /** Packed bytes under the bindings. */
  readonly size: number;
  /** Live range [start, end) in op indices of `order`. */
  readonly start: number;
  readonly end: number;
  /** Byte offset in the arena. */
  readonly offset: number;
  /** Index (in `buffers`) of the operand buffer this one is written over, or null. */
  readonly inPlaceOf: number | null;
  /** Operand slot of `op` holding that buffer, or null. */
  readonly inPlaceOperand: number | null;
}

export interface MemoryPlan {
  /** The function body's ops in execution order (terminator last). */
  readonly order: Op[];
  readonly buffers: PlannedBuffer[];
  /** Results that need memory but have no static size; a backend allocates them at run time. */
  readonly unplanned: Value[];
  /** Arena bytes. */
  readonly peak: number;
  /** Largest total of simultaneously live bytes over `order` (in-place pairs counted once). */
  readonly lowerBound: number;
  /** Sum of all buffer sizes (every buffer in its own memory). */
  readonly naive: number;
  /** Buffers written over an operand. */
  readonly inPlace: number;
  readonly alignment: number;
  /** Symbols appearing in planned buffers with the size used, `batch:1;seq:128` ('' if none). */
  readonly bindings: string;
  readonly strategy: { readonly order: OrderStrategy; readonly placement: PlacementStrategy };
}

export function planMemory(func: Func, opts: PlanOptions = {}): MemoryPlan {
  const alignment = opts.alignment ?? 16;
  if (!Number.isInteger(alignment) || alignment < 1) throw new Error(`plan-memory: alignment must be a positive integer, got ${alignment}`);
  const bind: DimBindings = { symbols: opts.bind ?? new Map(), defaultDim: opts.defaultDim ?? 1 };
  const orders = !opts.order || opts.order === 'auto' ? ORDERS : [opts.order];
  const placements = !opts.placement || opts.placement === 'auto' ? PLACEMENTS : [opts.placement];
  let best: MemoryPlan | undefined;
  for (const o of orders) {
    const order = scheduleOrder(func.body, o, bind);
    const live = computeLiveness(order, bind, opts.inPlace ?? true);
    const groups = storageGroups(live.buffers);
    const bound = lowerBound(groups);
    // An order can only win with a strictly smaller arena than the best so far.
    if (best && bound >= best.peak) continue;
    const placement = bestPlacement(groups, alignment, placements, best ? best.peak - 1 : Infinity);
    if (!placement) continue;
    const offsets = new Array<number>(live.buffers.length).fill(0);
    groups.forEach((g, k) => g.members.forEach((i) => (offsets[i] = placement.offsets[k]!)));
    const plan: MemoryPlan = {
      order,
      buffers: live.buffers.map((b, i) => ({ ...b, offset: offsets[i]! })),
      unplanned: live.unplanned,
      peak: placement.peak,
      lowerBound: bound,
      naive: live.buffers.reduce((s, b) => s + b.size, 0),
      inPlace: live.buffers.filter((b) => b.inPlaceOf !== null).length,
      alignment,
      bindings: usedBindings(live.buffers.map((b) => b.value), bind),
      strategy: { order: o, placement: placement.strategy as PlacementStrategy },
    };
    if (!best || plan.peak < best.peak) best = plan;
  }
  return best!;
}

function usedBindings(values: readonly Value[], bind: DimBindings): string {
  const used = new Map<string, number>();
  for (const v of values) {
    for (const d of v.type.shape ?? []) {
      if (typeof d === 'string' && d !== '?') used.set(d, bind.symbols.get(d) ?? bind.defaultDim);
    }
  }
  return formatBindings(used);
}
