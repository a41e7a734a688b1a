// What both backends share when they build a cost report from their compiled artifact: sizing
// dims for a binding, which symbols a user may bind, the arena's memory figures from the
// manifest's buffer list (placed by the runtime's own planner), and the report with its optional
// batching plan. A backend supplies only its per-kernel costs.

import { fail } from '../../ir/diagnostics.js';
import { evalDim, isCompoundDim } from '../../ir/symbolic.js';
import type { Dim } from '../../ir/types.js';
import { evalDimExpr } from '../runtime/dims.js';
import { inHalfArena, planArena } from '../runtime/plan.js';
import { planBatching, type BatchingPlan } from './batching.js';
import { costReport, lowerBound, type CostReport, type KernelCost, type MemoryCost, type TimelineBuffer } from './cost.js';
import type { DeviceProfile } from './profile.js';

/**
 * Sizes for a kernel's figures: numbers as they are, symbols from `bind` (1 when not given, data
 * symbols too), expression dims (ir/symbolic.ts) evaluated with those bindings.
 */
export function binder(bind: Readonly<Record<string, number>>): (d: Dim) => number {
  return (d) => {
    if (typeof d === 'number') return d;
    try {
      // Unbound plain or data symbols count 1; an expression is evaluated, never defaulted whole.
      return Math.max(0, evalDim(d, (name) => bind[name] ?? (isCompoundDim(name) ? undefined : 1)) ?? 1);
    } catch {
      return 1;
    }
  };
}

/** The parts of a backend manifest the report reads. */
export interface ReportManifest {
  readonly name: string;
  readonly symbols: readonly string[];
  readonly derived?: Readonly<Record<string, unknown>>;
  readonly inputs: readonly { readonly shape: readonly Dim[] }[];
  readonly alignment: number;
  readonly weightsBytes: number;
  readonly buffers: readonly { readonly name: string; readonly arena?: 'half'; readonly shape: readonly Dim[]; readonly esize: number; readonly kind: string; readonly first?: number; readonly last?: number }[];
  /** Sizes counted at run time (NonZero, ...), each with its bound over the other symbols. */
  readonly counted?: readonly { readonly symbol: string; readonly bound: unknown }[];
}

/**
 * The symbols a user binds (input dims and data symbols, default 1): the manifest's dims table
 * also holds derived dims (expressions), which are computed from these, never bound directly.
 */
export function baseSymbols(manifest: Pick<ReportManifest, 'symbols' | 'derived'>): string[] {
  // A symbol whose derived tree is itself is an input dim or count the runtime checks (arg_max's axis must be nonzero).
  const derivedElsewhere = (s: string): boolean => {
    const t = manifest.derived?.[s] as { k?: string; name?: string } | undefined;
    return t !== undefined && !(t.k === 'sym' && t.name === s);
  };
  return manifest.symbols.filter((s) => !derivedElsewhere(s) && !isCompoundDim(s));
}

/** Each bindable symbol's size (default 1; a count's default is its bound, see backendReport); naming a symbol the model does not have is E108. */
export function bindFor(symbols: readonly string[], given: Readonly<Record<string, number>> = {}): Record<string, number> {
  const unknown = Object.keys(given).filter((k) => !symbols.includes(k));
  if (unknown.length > 0) {
    fail('E108', `--bind: the model has no symbolic dim ${unknown.map((u) => `'${u}'`).join(', ')} (it has: ${symbols.join(', ') || 'none'})`);
  }
  const bind: Record<string, number> = {};
  for (const s of symbols) bind[s] = given[s] ?? 1;
  return bind;
}

/** The batch symbol: the one named, else the first input's leading dim when it is a symbol. */
export function batchSymbol(manifest: Pick<ReportManifest, 'symbols' | 'inputs' | 'derived'>, named?: string): string | null {
  // Only dims bound from the inputs can be varied; derived ones (min(seq,128)) follow from them.
  const base = baseSymbols(manifest);
  if (named !== undefined) {
    if (!base.includes(named)) fail('E108', `--batch-dim ${named}: the model has no symbolic input dim of that name (it has: ${base.join(', ') || 'none'})`);
    return named;
  }
  const d = manifest.inputs[0]?.shape[0];
  return typeof d === 'string' && base.includes(d) ? d : null;
}

/**
 * Arena figures for a binding: the runtime's placement, the live-bytes lower bound, the aligned
 * naive total. A WebGPU --f16 model has a second (half) arena: shown after the first, as one.
 */
export function arenaMemory(manifest: ReportManifest, steps: number, bind: Readonly<Record<string, number>>): MemoryCost {
  const size = binder(bind);
  const bytes = (b: ReportManifest['buffers'][number]): number => b.shape.reduce<number>((a, d) => a * size(d), b.esize);
  const sized = manifest.buffers.map((b) => ({ ...b, shape: [bytes(b)], esize: 1 }));
  const plan = planArena(sized, {}, manifest.alignment), half = planArena(sized, {}, manifest.alignment, 'half');
  const offset = (i: number): number => (inHalfArena(sized[i]!) ? plan.bytes + half.offsets[i]! : plan.offsets[i]!);
  const timeline: TimelineBuffer[] = manifest.buffers.map((b, i) => ({ b, i })).filter(({ b }) => b.kind !== 'weight')
    .map(({ b, i }) => ({ name: b.name, first: b.first ?? 0, last: b.last ?? steps, offset: offset(i), bytes: bytes(b) }));
  return {
    peakBytes: plan.bytes + half.bytes,
    lowerBoundBytes: lowerBound(timeline),
    naiveBytes: timeline.reduce((a, b) => a + Math.ceil(b.bytes / manifest.alignment) * manifest.alignment, 0),
    weightsBytes: manifest.weightsBytes,
    timeline,
  };
}

export interface ReportOptions {
  readonly pipeline: string;
  readonly profile: DeviceProfile;
  /** Sizes of symbolic dims for the figures (default 1 each). */
  readonly bind?: Readonly<Record<string, number>>;
  /** Plan batching for this load: requests per second and a p99 target in ms. */
  readonly batching?: { readonly ratePerSec: number; readonly p99TargetMs: number; readonly batchDim?: string };
}

export interface BackendReport {
  readonly report: CostReport;
  readonly batching?: BatchingPlan;
  /** The symbol the batching planner scaled (null: the model has no batch dim). */
  readonly batchDim?: string | null;
}

/** The cost report of a compiled artifact, `kernelsAt` giving its kernels' costs for a binding. */
export function backendReport(target: string, manifest: ReportManifest, steps: number,
  kernelsAt: (bind: Readonly<Record<string, number>>) => KernelCost[], opts: ReportOptions): BackendReport {
  // A count not given by --bind is at its bound: the arena is placed for it, and the figures are
  // the most the model can cost at that binding.
  const counts = (b: Readonly<Record<string, number>>): Record<string, number> => {
    const out = { ...b };
    for (const c of manifest.counted ?? []) {
      let bound: number | undefined;
      try {
        bound = Math.max(0, evalDimExpr(c.bound as Parameters<typeof evalDimExpr>[0], out));
      } catch {
        // A bound over a symbol the report does not bind (a data symbol): keep the default.
      }
      const given = opts.bind?.[c.symbol];
      if (given !== undefined && bound !== undefined && given > bound) {
        fail('E108', `--bind: ${c.symbol} = ${given} is more than its bound ${bound} at this binding (the most results its op can count)`);
      }
      if (given === undefined && bound !== undefined) out[c.symbol] = bound;
    }
    return out;
  };
  const bind = counts(bindFor(baseSymbols(manifest), opts.bind));
  const at = (b0: Readonly<Record<string, number>>, b = counts(b0)): CostReport => costReport({
    model: manifest.name, target, pipeline: opts.pipeline, bind: b, kernels: kernelsAt(b), memory: arenaMemory(manifest, steps, b),
  }, opts.profile);
  const report = at(bind);
  if (!opts.batching) return { report };
  const dim = batchSymbol(manifest, opts.batching.batchDim);
  const batching = planBatching({
    ratePerSec: opts.batching.ratePerSec, p99TargetMs: opts.batching.p99TargetMs, pricePerHour: opts.profile.pricePerHour,
    // Without a batch dim, a batch of b is b runs one after the other.
    serviceMsAt: (b) => (dim ? at({ ...bind, [dim]: b }).predicted.latencyMs : b * report.predicted.latencyMs),
  });
  return { report, batching, batchDim: dim };
}
