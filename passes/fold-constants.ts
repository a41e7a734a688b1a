// fold-constants: evaluates ops whose operands are constants, at compile time, with the
// interpreter's semantics (each op's `eval` from the op table), and replaces their results by
// inline `const` ops. The result Value objects are kept (same names, same uses); their types
// become the folded tensors' static types.
//
// Shape arithmetic folds even when the data it measures is not constant:
// - `shape` folds when the dims it returns are static (`shape(x) {start = 2}` of f32[batch,seq,128]
//   is [128]); `size` folds when the whole shape is static.
// - A `shape` with some symbolic dims is tracked as a partially known vector, and data-movement
//   ops on it (gather, slice, concat, unsqueeze, squeeze, reshape, identity) fold when the
//   elements they pick are all known: Shape -> Gather(2) of f32[batch,seq,128] folds to 128 while
//   Gather(0) stays (that is right: batch is only known at run time).
// - When a fold makes an operand constant, later ops' result types are re-inferred and refined
//   (a '?' dim becomes a number), so Shape -> Gather -> Unsqueeze -> Concat -> Reshape -> Shape...
//   keeps folding down the chain in a single walk (ops are visited in order).
// - `if` with a constant condition is replaced by the ops of the branch it takes.
//
// Size limit (option max-elements, default 1024): a fold whose results hold more elements than
// that is skipped, unless the results take no more bytes than the constant operands that only this
// op uses (those die with the fold, so the module's constant data does not grow: transposing or
// casting a weight down is fine, expanding a scalar into a big mask is not). 1024 is well above
// any shape computation (a handful of i64s) and small next to real weights. A dequantize_linear
// whose results are only ever conv weights (QDQ models' int8 weights, per channel) folds at any
// size: convs need the f32 weight anyway (the wasm backend packs it at compile time and runs
// its fast kernels only on constant weights), and unfolded it would be recomputed on every run
// into an f32 buffer as big as the folded constant.
//
// Not folded: ops with the 'random' trait, ops with regions (other than `if` above),
// terminators, `const` itself, ops missing from the op table, and ops whose eval fails (the error
// is left for run time, where the interpreter reports it with its location).
// Constants that become unused are left in place: dce removes them (run fold-constants,dce).
// Counters: ops-folded (ops replaced by constants), ifs-inlined, types-refined (results whose
// type a re-inference made more precise).
// Afterwards the module verifies and gives bitwise the same results: every fold runs the same
// eval the interpreter would, with the same rounding of reduced-precision floats.

import { attr, attrReader } from '../ir/attrs.js';
import { TenthError, fail } from '../ir/diagnostics.js';
import { Op, type Module, type Region, type Value } from '../ir/ir.js';
import { constantValue, inferOp } from '../ir/infer.js';
import { getOpDef, type OpDef } from '../ir/op-def.js';
import { evalOp } from '../ir/interp.js';
import { decodeBytes, packedByteLength, sizeOf, type Tensor } from '../ir/tensor.js';
import { isStaticShape, type TensorType } from '../ir/types.js';
import type { Pass } from './pass.js';
import { useCounts } from './util-uses.js';

export const foldConstantsPass: Pass = {
  name: 'fold-constants',
  summary: 'Evaluate ops on constant operands (and shape arithmetic on static dims) at compile time.',
  options: {
    'max-elements': {
      type: 'int',
      default: 1024,
      summary: 'Largest folded result (elements, all results together); bigger folds happen only when they do not grow the constant data',
    },
  },
  run(module, _ctx, options) {
    const st: FoldState = {
      module,
      maxElements: Number(options['max-elements'] ?? 1024),
      consts: new Map(),
      partial: new Map(),
      refined: new Set(),
      replace: new Map(),
      uses: new Map(),
      convWeights: new Map(),
      folded: 0,
      inlined: 0,
      refinedCount: 0,
    };
    for (const f of module.funcs) {
      st.uses = useCounts(f.body);
      st.convWeights = convWeightUses(f.body);
      foldRegion(f.body, st);
    }
    const changed = st.folded + st.inlined + st.refinedCount > 0;
    return { changed, counters: { 'ops-folded': st.folded, 'ifs-inlined': st.inlined, 'types-refined': st.refinedCount } };
  },
};

interface FoldState {
  readonly module: Module;
  readonly maxElements: number;
  /** Decoded values of `const` ops seen so far. */
  readonly consts: Map<Op, Tensor>;
  /** Partially known i64 vectors (from `shape`): unknown elements hold UNKNOWN_ELEM. */
  readonly partial: Map<Value, Tensor>;
  /** Values that became constant or got a more precise type (their users are re-inferred). */
  readonly refined: Set<Value>;
  /** Results of inlined `if` ops -> the values their taken branch yields. */
  readonly replace: Map<Value, Value>;
  uses: Map<Value, number>;
  /** How many of each value's uses are the weight operand of a conv. */
  convWeights: Map<Value, number>;
  folded: number;
  inlined: number;
  refinedCount: number;
}

/**
 * Marks an unknown dim in a partially known shape vector. Dims are never negative, and a fold
 * through a partial vector is refused when a constant operand holds this value, so it cannot be
 * mistaken for a real element.
 */
const UNKNOWN_ELEM = -(2n ** 62n) + 12345n;

/** Ops whose every output element is a copy of some input element (so unknown elements stay marked). */
const MOVEMENT_OPS = new Set(['gather', 'slice', 'concat', 'unsqueeze', 'squeeze', 'reshape', 'identity', 'flatten']);

function foldRegion(region: Region, st: FoldState): void {
  const out: Op[] = [];
  const ops = [...region.ops];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    op.operands = op.operands.map((v) => (v ? resolve(v, st) : v));
    const branch = takenBranch(op, st);
    if (branch) {
      // The branch's ops run next, in place of the `if`; its results become what the branch yields.
      const y = branch.terminator!;
      op.results.forEach((r, k) => {
        const v = y.operands[k]!;
        st.replace.set(r, v);
        st.refined.add(v);
      });
      ops.splice(i + 1, 0, ...branch.ops.slice(0, -1));
      st.inlined++;
      continue;
    }
    for (const r of op.regions) foldRegion(r, st);
    if (op.regions.length === 0 && op.operands.some((v) => v && st.refined.has(v))) refineResults(op, st);
    const folded = tryFold(op, st);
    if (folded) {
      for (const v of op.operands) if (v) st.uses.set(v, (st.uses.get(v) ?? 1) - 1);
      out.push(...folded);
      st.folded++;
    } else {
      out.push(op);
    }
  }
  region.ops = out;
}

/** What a value stands for now; chains arise when a branch yields the result of an inner inlined `if`. */
function resolve(v: Value, st: FoldState): Value {
  let cur = v;
  for (let next = st.replace.get(cur); next !== undefined; next = st.replace.get(cur)) cur = next;
  return cur;
}

/** The region an `if` with a constant condition runs, if any. */
function takenBranch(op: Op, st: FoldState): Region | undefined {
  if (op.name !== 'if' || op.regions.length !== 2) return undefined;
  const cond = constOperand(op.operands[0] ?? null, st);
  if (!cond || cond.data.length !== 1) return undefined;
  const r = op.regions[cond.data[0] ? 0 : 1]!;
  const y = r.terminator;
  if (!y || y.name !== 'yield' || y.operands.length !== op.results.length || y.operands.some((v) => !v)) return undefined;
  return r;
}

function constOperand(v: Value | null, st: FoldState): Tensor | undefined {
  const def = v?.def;
  if (!def || def.name !== 'const') return undefined;
  let t = st.consts.get(def);
  if (!t) {
    t = constantValue(def, st.module);
    if (t) st.consts.set(def, t);
  }
  return t;
}

function isFoldable(def: OpDef | undefined, op: Op): def is OpDef {
  if (!def || op.regions.length > 0 || op.results.length === 0) return false;
  return !def.traits.some((t) => t === 'terminator' || t === 'random' || t === 'constant-like');
}

/** The const ops replacing `op`, or undefined when it does not fold. */
function tryFold(op: Op, st: FoldState): Op[] | undefined {
  const def = getOpDef(op.name);
  if (!isFoldable(def, op)) return undefined;
  const inputs: (Tensor | null)[] = [];
  let usesPartial = false;
  for (const v of op.operands) {
    if (!v) { inputs.push(null); continue; }
    // `shape`/`size` only need the operand's type, so a partially known operand is as good as any.
    const t = constOperand(v, st) ?? (op.name === 'shape' || op.name === 'size' ? undefined : st.partial.get(v));
    if (!t) return foldShapeOf(op, st);
    if (st.partial.has(v)) usesPartial = true;
    inputs.push(t);
  }
  if (usesPartial) return foldPartial(op, def, inputs, st);
  // Refuse before evaluating when the declared types already say the results are too big
  // (an Expand to a huge static shape would otherwise be computed only to be thrown away).
  const declared = op.results.map((r) => ({ dtype: r.type.dtype, n: isStaticShape(r.type.shape) ? sizeOf(r.type.shape) : undefined }));
  if (declared.every((d) => d.n !== undefined) && !withinLimit(op, inputs, declared.map((d) => ({ elements: d.n!, bytes: packedByteLength(d.dtype, d.n!) })), st)) {
    return undefined;
  }
  const results = evaluate(op, def, inputs, st);
  if (!results || !withinLimit(op, inputs, results.map((t) => ({ elements: t.data.length, bytes: byteSize(t) })), st)) return undefined;
  return replaceWithConsts(op, results, st);
}

/** Fold `shape`/`size` of a non-constant value from its static dims (or record a partial vector). */
function foldShapeOf(op: Op, st: FoldState): Op[] | undefined {
  const x = op.operands[0];
  const dims = x?.type.shape;
  if (!x || !dims || (op.name !== 'shape' && op.name !== 'size')) return undefined;
  if (op.name === 'size') {
    return isStaticShape(dims) ? replaceWithConsts(op, [i64(BigInt(sizeOf(dims)), [])], st) : undefined;
  }
  const def = getOpDef('shape')!;
  const attrs = attrReader(def, op.attrs, op.loc);
  const [a, b] = shapeRange(attrs.int('start'), attrs.has('end') ? attrs.int('end') : undefined, dims.length);
  const picked = dims.slice(a, b).map((d) => (typeof d === 'number' ? BigInt(d) : UNKNOWN_ELEM));
  const t: Tensor = { dtype: 'i64', shape: [picked.length], data: BigInt64Array.from(picked) };
  if (picked.includes(UNKNOWN_ELEM)) {
    st.partial.set(op.results[0]!, t);
    return undefined;
  }
  return replaceWithConsts(op, [t], st);
}

/** `shape`'s [start, end) as ONNX defines it: negative counts from the end, then clamped to [0, rank]. */
function shapeRange(start: number, end: number | undefined, rank: number): [number, number] {
  const clamp = (v: number): number => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
  const a = clamp(start), b = clamp(end ?? rank);
  return [a, Math.max(a, b)];
}

/** A movement op on partially known vectors: folds when no unknown element reaches the result. */
function foldPartial(op: Op, def: OpDef, inputs: (Tensor | null)[], st: FoldState): Op[] | undefined {
  // Only as the data being moved: as indices, starts or axes an unknown element would be read as a
  // number (slice clamps it), so the result could look known when it is not.
  if (!MOVEMENT_OPS.has(op.name)) return undefined;
  if (op.operands.some((v, i) => v && st.partial.has(v) && i > 0 && op.name !== 'concat')) return undefined;
  const hasMarker = (t: Tensor): boolean => t.data instanceof BigInt64Array && t.data.includes(UNKNOWN_ELEM);
  const own = op.operands.some((v, i) => v && !st.partial.has(v) && inputs[i] && hasMarker(inputs[i]!));
  if (own) return undefined;
  const results = evaluate(op, def, inputs, st);
  if (!results) return undefined;
  if (results.some(hasMarker)) {
    op.results.forEach((r, i) => { if (results[i]!.dtype === 'i64') st.partial.set(r, results[i]!); });
    return undefined;
  }
  return replaceWithConsts(op, results, st);
}

/** Run the op's eval as the interpreter does; undefined when it reports an error (left for run time). */
function evaluate(op: Op, def: OpDef, inputs: (Tensor | null)[], st: FoldState): Tensor[] | undefined {
  try {
    return evalOp(op, def, inputs, {
      runRegion: () => { throw new Error('fold-constants: ops with regions are not folded'); },
      weight: (name) => {
        const w = st.module.weights.get(name);
        if (!w || !st.module.store || !isStaticShape(w.type.shape)) return fail('E309', `weight @${name} has no data`, op.loc);
        return decodeBytes(w.type.dtype, w.type.shape, st.module.store.bytes(w));
      },
    });
  } catch (e) {
    if (e instanceof TenthError) return undefined;
    throw e;
  }
}

function withinLimit(op: Op, inputs: (Tensor | null)[], results: { elements: number; bytes: number }[], st: FoldState): boolean {
  const elements = results.reduce((n, r) => n + r.elements, 0);
  if (elements <= st.maxElements) return true;
  if (op.name === 'dequantize_linear' && op.results.every((r) => (st.uses.get(r) ?? 0) > 0 && st.convWeights.get(r) === st.uses.get(r))) return true;
  // Constant operands used by this op alone die with the fold.
  let freed = 0;
  op.operands.forEach((v, i) => {
    const slots = op.operands.filter((u) => u === v).length;
    if (v && inputs[i] && (st.uses.get(v) ?? 0) <= slots && op.operands.indexOf(v) === i) freed += byteSize(inputs[i]!);
  });
  return results.reduce((n, r) => n + r.bytes, 0) <= freed;
}

function convWeightUses(region: Region, counts: Map<Value, number> = new Map()): Map<Value, number> {
  for (const op of region.ops) {
    const w = op.name === 'conv' ? op.operands[1] : undefined;
    if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const r of op.regions) convWeightUses(r, counts);
  }
  return counts;
}

const byteSize = (t: Tensor): number =>
  t.dtype === 'string' ? (t.data as string[]).reduce((n, s) => n + s.length, 0) : packedByteLength(t.dtype, t.data.length);

/** One const op per result, taking over the result values (same names and uses) and the op's location. */
function replaceWithConsts(op: Op, results: Tensor[], st: FoldState): Op[] {
  return op.results.map((r, i) => {
    const t = results[i]!;
    const type: TensorType = { dtype: t.dtype, shape: [...t.shape] };
    // Users are re-inferred: a constant operand tells shape rules more (Reshape's shape) even
    // when the value's own type stays the same.
    st.refined.add(r);
    r.type = type;
    st.partial.delete(r);
    const c = new Op('const', [], [r], new Map([['value', attr.tensor(t)]]), [], op.loc);
    st.consts.set(c, t);
    return c;
  });
}

/** Re-run the shape rule on an op whose operands got more precise types; keep what it learns. */
function refineResults(op: Op, st: FoldState): void {
  let inferred: TensorType[];
  try {
    inferred = inferOp(op, st.module);
  } catch (e) {
    if (e instanceof TenthError) return;
    throw e;
  }
  op.results.forEach((r, i) => {
    const t = inferred[i] && refine(r.type, inferred[i]!);
    if (t) {
      r.type = t;
      st.refined.add(r);
      st.refinedCount++;
    } else if (isShapeVector(r.type)) {
      // Same type, but its elements may now trace to something better (an inlined `if` result
      // replaced by a split of a graph input: [?] -> [%size[0]]): users of a shape vector are
      // re-inferred too (Concat -> Expand). Not counted: nothing changed here.
      st.refined.add(r);
    }
  });
}

/** An integer vector or scalar: the values shape rules read element by element (shapeOperand). */
const isShapeVector = (t: TensorType): boolean =>
  (t.dtype === 'i64' || t.dtype === 'i32') && t.shape !== null && t.shape.length <= 1;

/** `declared` with dims the shape rule now knows better ('?' or a symbol -> a number); undefined if nothing new. */
function refine(declared: TensorType, inferred: TensorType): TensorType | undefined {
  if (declared.dtype !== inferred.dtype || inferred.shape === null) return undefined;
  if (declared.shape === null) return inferred;
  if (declared.shape.length !== inferred.shape.length) return undefined;
  let changed = false;
  const shape = declared.shape.map((d, i) => {
    const n = inferred.shape![i]!;
    if (typeof d !== 'number' && (typeof n === 'number' || (d === '?' && n !== '?'))) { changed = true; return n; }
    return d;
  });
  return changed ? { dtype: declared.dtype, shape } : undefined;
}

const i64 = (v: bigint, shape: number[]): Tensor => ({ dtype: 'i64', shape, data: BigInt64Array.of(v) });
