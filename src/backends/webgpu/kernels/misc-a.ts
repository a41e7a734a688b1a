// Map kernels (one result element per invocation) for einsum, det, reverse_sequence and
// tf_idf_vectorizer. Every buffer index is clamped into its buffer (per axis for einsum), so bad
// lengths or inconsistent symbolic dims read a wrong element, never outside the buffer (a dim of 0
// is clamped as 1: its sum loop runs no step, so that element is never read).
//
// - einsum: the equation is parsed at compile time with the interpreter's rules (ellipsis dims
//   right-aligned across operands, a repeated label is a diagonal, the implicit output is the
//   labels seen once, sorted). Each invocation takes its output labels from its coordinates and
//   loops over the summed labels (first seen outermost, the interpreter's order), accumulating
//   the product of the operands in the register type: f32 for floats, wrapping i32/u32 for
//   integers (the interpreter's exact sum, wrapped when stored). A dim of 1 under a longer label
//   broadcasts (index 0). passes/einsum-matmul.ts rewrites the f32 matmul-like ones into
//   transposes and matmul (tiled GEMM); what reaches this kernel is one thread per output element.
// - det: LU with partial pivoting per matrix, the interpreter's pivot rule (the first largest
//   |a|, a zero pivot gives 0), in f32 on a per-invocation copy of the matrix (so n is static).
// - reverse_sequence: element t < len of its batch's sequence reads t' = len - 1 - t (len cut to
//   the time dim; a negative length reverses nothing, as in the interpreter).
// - tf_idf_vectorizer: the n-gram pool becomes the interpreter's table at compile time; an
//   invocation computes one (row, column) by counting, for each n-gram of its column, the
//   positions and skip distances where it matches (unigrams only at skip 1: the interpreter counts
//   them in its first pass only), then applies TF / IDF / TFIDF. A `switch` on the column picks the
//   column's n-grams, unrolled with their tokens as literals.

import type { Op } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, intAttr, type KernelCtx, type KernelDef, type MapKernel, needFloat, strides } from '../kernel-api.js';
import { addU, divU, i32Lit, literal, modU, mulU, REG, runtimeF32, u32 } from '../wgsl.js';
import { loadClamped } from './common.js';
import { type EinsumLabels, parseEinsum } from '../../../../ir/einsum-equation.js';
import { buildNgrams } from '../../../../ir/ops/misc-select.js';

// ---------------------------------------------------------------------------------------------
// einsum

type Parsed = EinsumLabels;

/** Distinct dims that are not 1, by their printed form (symbols compare by name). */
function distinctDims(ds: readonly Dim[]): Dim[] {
  const seen = new Map<string, Dim>();
  for (const d of ds) if (d !== 1 && !seen.has(String(d))) seen.set(String(d), d);
  return [...seen.values()];
}

function einsumSetup(k: KernelCtx, op: Op): { p: Parsed; summed: string[]; labelDim: Map<string, Dim[]> } {
  const xs = op.operands.map((v) => v ?? k.fail(op, 'einsum: an operand is missing'));
  const y = op.results[0]!;
  const reg = REG[y.type.dtype];
  if (!reg || reg === 'bool') k.fail(op, `einsum on ${y.type.dtype} is not supported by the webgpu backend (numeric dtypes only)`);
  const odd = xs.find((v) => REG[v.type.dtype] !== reg);
  if (odd) k.fail(op, `einsum: operand of ${odd.type.dtype} with a result of ${y.type.dtype} is not supported by the webgpu backend`);
  const shapes = xs.map((v) => k.dims(v));
  const p = parseEinsum(String(op.attrs.get('equation')?.value ?? ''), shapes.map((s) => s.length), (m) => k.fail(op, `einsum: ${m}`));
  const yd = k.dims(y);
  if (yd.length !== p.output.length) k.fail(op, `einsum: the equation gives ${p.output.length} output labels, the result has rank ${yd.length}`);
  // Each label's dims across operands (the result's dim for output labels).
  const labelDim = new Map<string, Dim[]>();
  p.inputs.forEach((labels, j) => labels.forEach((l, a) => labelDim.set(l, [...(labelDim.get(l) ?? []), shapes[j]![a]!])));
  for (const l of p.output) if (!labelDim.has(l)) k.fail(op, `einsum: output label '${l}' does not appear in the inputs`);
  p.output.forEach((l, a) => labelDim.set(l, [yd[a]!]));
  const summed = [...labelDim.keys()].filter((l) => !p.output.includes(l));
  return { p, summed, labelDim };
}

function einsum(k: KernelCtx, op: Op, i: string): string {
  const { p, summed, labelDim } = einsumSetup(k, op);
  const xs = op.operands.map((v) => v!);
  const reg = REG[op.results[0]!.type.dtype]!;
  const b = k.body;
  const yd = k.dims(op.results[0]!);
  const idx = new Map<string, string>();
  const c = coords(k, i, yd, 'eo');
  p.output.forEach((l, a) => idx.set(l, c[a]!));
  const acc = b.var('acc', reg, literal(0, reg));
  // A summed label's size: its dim that is not 1 (several symbols: the largest, as broadcasting
  // reads them, but none when one is 0 at run time: 0 against 1 is an empty sum); all 1 (or
  // none): one step at index 0.
  const sizes = summed.map((l) => distinctDims(labelDim.get(l)!));
  if (sizes.some((ds) => ds.includes(0))) return acc; // an empty sum
  const nest = (n: number): void => {
    if (n === summed.length) {
      const prod = xs.map((v, j) => k.load(v, operandOffset(k, k.dims(v), p.inputs[j]!, labelDim, idx))).join(' * ');
      b.line(`${acc} = ${acc} + ${prod};`);
      return;
    }
    const ds = sizes[n]!;
    if (ds.length === 0) {
      idx.set(summed[n]!, '0u');
      return nest(n + 1);
    }
    const e = b.fresh('es');
    idx.set(summed[n]!, e);
    const dims = ds.map((d) => k.dim(d));
    const size = dims.length === 1 ? dims[0]! : `select(${dims.reduce((a, d) => `max(${a}, ${d})`)}, 0u, ${dims.reduce((a, d) => `min(${a}, ${d})`)} == 0u)`;
    b.block(`for (var ${e} = 0u; ${e} < ${size}; ${e}++)`, () => nest(n + 1));
  };
  nest(0);
  return acc;
}

/**
 * Element offset in an operand: each axis's label index times its stride, broadcast (0) on a
 * static 1 and clamped into the axis where its dim may differ from the label's (symbols), so the
 * offset stays inside the operand.
 */
function operandOffset(k: KernelCtx, dims: readonly Dim[], labels: readonly string[], labelDim: Map<string, Dim[]>, idx: Map<string, string>): string {
  const st = strides(k, dims);
  const terms = dims.flatMap((d, a) => {
    if (d === 1) return [];
    const l = labels[a]!, e = idx.get(l)!;
    const ld = distinctDims(labelDim.get(l)!);
    const exact = ld.length === 1 && String(ld[0]) === String(d);
    // max(d, 1u): a dim of 0 never reaches the load (its loop is empty), but the clamp must not wrap.
    return [mulU(exact ? e : `min(${e}, max(${k.dim(d)}, 1u) - 1u)`, st[a]!)];
  });
  return terms.reduce(addU, '0u');
}

function einsumFlops(op: Op): number {
  const y = op.results[0]!.type.shape;
  const shapes = op.operands.map((v) => v?.type.shape);
  if (!y || shapes.some((s) => !s)) return 0;
  const statics = (ds: readonly Dim[]): number => ds.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
  // Output elements times the summed box (approximated by all input dims over the output's).
  const box = Math.max(1, shapes.reduce((a, s) => Math.max(a, statics(s!)), 1) / Math.max(1, statics(y)));
  return statics(y) * box * op.operands.length;
}

// ---------------------------------------------------------------------------------------------
// det

/** Largest matrix side kept as a per-invocation copy (n² f32 registers / private memory). */
const DET_MAX_N = 32;

function det(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!;
  needFloat(k, op, [x, op.results[0]]);
  const xd = k.dims(x);
  if (xd.length < 2) k.fail(op, 'det: the input must be at least 2-D');
  const n = xd[xd.length - 1]!;
  if (typeof n !== 'number' || xd[xd.length - 2] !== n) k.fail(op, 'det: the webgpu backend needs static square matrices (each invocation copies its matrix into a fixed-size array)');
  if (n > DET_MAX_N) k.fail(op, `det: matrices of ${n}x${n} exceed the webgpu backend's per-invocation limit of ${DET_MAX_N}x${DET_MAX_N}`);
  if (n === 0) return '1.0f';
  const b = k.body;
  const N = u32(n), NN = u32(n * n);
  const m = b.var('m', `array<f32, ${n * n}>`);
  const base = b.let('base', mulU(i, NN));
  const last = b.let('last', `${k.size(xd)} - 1u`);
  const r = b.fresh('r'), cc = b.fresh('c'), j = b.fresh('j');
  b.block(`for (var ${r} = 0u; ${r} < ${NN}; ${r}++)`, () => b.line(`${m}[${r}] = ${k.load(x, `min(${base} + ${r}, ${last})`)};`));
  const d = b.var('det', 'f32', '1.0f');
  b.block(`for (var ${cc} = 0u; ${cc} < ${N}; ${cc}++)`, () => {
    // The first row with the largest |a| in this column below the diagonal (strict >: ties keep the first).
    const pv = b.var('p', 'u32', cc);
    b.block(`for (var ${r} = ${cc} + 1u; ${r} < ${N}; ${r}++)`, () =>
      b.line(`if (abs(${m}[${r} * ${N} + ${cc}]) > abs(${m}[${pv} * ${N} + ${cc}])) { ${pv} = ${r}; }`));
    const piv = b.let('piv', `${m}[${pv} * ${N} + ${cc}]`);
    b.block(`if (${piv} == 0.0f)`, () => {
      b.line(`${d} = 0.0f;`);
      b.line('break;');
    });
    b.block(`if (${pv} != ${cc})`, () => {
      b.block(`for (var ${j} = 0u; ${j} < ${N}; ${j}++)`, () => {
        const t = b.let('t', `${m}[${cc} * ${N} + ${j}]`);
        b.line(`${m}[${cc} * ${N} + ${j}] = ${m}[${pv} * ${N} + ${j}];`);
        b.line(`${m}[${pv} * ${N} + ${j}] = ${t};`);
      });
      b.line(`${d} = -${d};`);
    });
    b.line(`${d} = ${d} * ${piv};`);
    b.block(`for (var ${r} = ${cc} + 1u; ${r} < ${N}; ${r}++)`, () => {
      const f = b.let('f', `${m}[${r} * ${N} + ${cc}] / ${piv}`);
      b.block(`for (var ${j} = ${cc} + 1u; ${j} < ${N}; ${j}++)`, () =>
        b.line(`${m}[${r} * ${N} + ${j}] = ${m}[${r} * ${N} + ${j}] - ${f} * ${m}[${cc} * ${N} + ${j}];`));
    });
  });
  return d;
}

// ---------------------------------------------------------------------------------------------
// reverse_sequence

function reverseSequence(k: KernelCtx, op: Op, i: string): string {
  const [x, lens] = op.operands;
  if (!REG[x!.type.dtype]) k.fail(op, `reverse_sequence on ${x!.type.dtype} is not supported by the webgpu backend`);
  const lr = REG[lens!.type.dtype];
  if (lr !== 'i32' && lr !== 'u32') k.fail(op, `reverse_sequence: sequence_lens of ${lens!.type.dtype} is not supported by the webgpu backend (integers only)`);
  const xd = k.dims(x!);
  const rank = xd.length;
  const norm = (a: number): number => (a < 0 ? a + rank : a);
  const ba = norm(intAttr(op, 'batch_axis', 1)), ta = norm(intAttr(op, 'time_axis', 0));
  if (ba < 0 || ba >= rank || ta < 0 || ta >= rank || ba === ta) k.fail(op, `reverse_sequence: batch_axis ${ba} and time_axis ${ta} must be distinct axes of a rank-${rank} input`);
  const b = k.body;
  const c = coords(k, i, xd, 'rs');
  const ts = strides(k, xd)[ta]!;
  const T = `i32(${k.dim(xd[ta]!)})`;
  const raw = loadClamped(k, lens!, c[ba]!);
  const len = b.let('len', `min(${lr === 'u32' ? `i32(min(${raw}, 0x7fffffffu))` : raw}, ${T})`);
  const t = b.let('t', `i32(${c[ta]})`);
  // Moves along the time axis only, from t to len - 1 - t: both inside [0, len) ⊆ [0, T).
  const src = b.let('src', `select(${i}, ${i} - ${mulU(c[ta]!, ts)} + ${mulU(`u32(${len} - 1i - ${t})`, ts)}, ${t} < ${len})`);
  return loadClamped(k, x!, src);
}

// ---------------------------------------------------------------------------------------------
// tf_idf_vectorizer

interface Gram { toks: number[]; col: number }

/** The interpreter's n-gram map (ir/ops/misc-select.ts buildNgrams), its n-grams (not the prefixes) with their columns. */
function ngramTable(k: KernelCtx, op: Op): { grams: Gram[]; outSize: number } {
  const ints = (n: string): number[] => ((op.attrs.get(n)?.value as readonly (number | bigint)[] | undefined) ?? []).map(Number);
  const indexes = ints('ngram_indexes');
  if (indexes.length === 0) k.fail(op, 'tf_idf_vectorizer: ngram_indexes is empty');
  const { map, outSize } = buildNgrams({
    pool: ints('pool_int64s'), counts: ints('ngram_counts'), indexes,
    minN: intAttr(op, 'min_gram_length', 1), maxN: intAttr(op, 'max_gram_length', 1),
  });
  const grams = [...map].filter(([, col]) => col >= 0).map(([key, col]) => ({ toks: key.split(',').map(Number), col }));
  const wide = grams.find((g) => g.toks.some((t) => t < -(2 ** 31) || t >= 2 ** 31));
  // Tokens live in i32 registers here (i64 inputs keep their low word): a wider pool token could alias.
  if (wide) k.fail(op, `tf_idf_vectorizer: pool token ${wide.toks.find((t) => t < -(2 ** 31) || t >= 2 ** 31)} does not fit in 32 bits (the webgpu backend compares tokens as i32)`);
  return { grams, outSize };
}

/** The f32 bits of a weight (the interpreter reads a missing one as undefined: NaN). */
function weightBits(w: number | undefined): string {
  if (w === undefined || Number.isNaN(w)) return '0x7fc00000u';
  const f = new Float32Array([w]);
  return `0x${new Uint32Array(f.buffer)[0]!.toString(16).padStart(8, '0')}u`;
}

function tfIdf(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!;
  if (REG[x.type.dtype] !== 'i32') k.fail(op, `tf_idf_vectorizer on ${x.type.dtype} tokens is not supported by the webgpu backend (i32, i64)`);
  if (!op.attrs.get('pool_int64s')) k.fail(op, 'tf_idf_vectorizer needs pool_int64s (string pools are not supported)');
  const mode = String(op.attrs.get('mode')?.value ?? '');
  if (!['TF', 'IDF', 'TFIDF'].includes(mode)) k.fail(op, `tf_idf_vectorizer: unknown mode '${mode}'`);
  const { grams, outSize } = ngramTable(k, op);
  const weights = mode === 'TF' ? undefined : ((op.attrs.get('weights')?.value as readonly number[] | undefined) ?? []).map(Number);
  const skips = intAttr(op, 'max_skip_count', 0) + 1;
  const xd = k.dims(x);
  if (xd.length > 2) k.fail(op, 'tf_idf_vectorizer: the input must be [C] or [B, C]');
  const len = xd.length === 0 ? '1u' : k.dim(xd[xd.length - 1]!);
  const b = k.body;
  const col = b.let('col', modU(i, u32(outSize)));
  const rowBase = b.let('rb', mulU(divU(i, u32(outSize)), len));
  const cnt = b.var('cnt', 'u32', '0u');
  // The weight's bits: without weights IDF and TFIDF use 1; a column past the weights reads
  // undefined (NaN) there. Bits, not an f32, so NaN results are chosen by integer compares and
  // moved, never computed (compilers may fold NaN arithmetic as if NaN did not occur).
  const wb = weights ? b.var('wb', 'u32', weightBits(weights.length ? undefined : 1)) : '';
  const empty = xd.includes(0);
  const last = empty ? '0u' : b.let('last', `${k.size(xd)} - 1u`);
  const tok = (e: string): string => k.load(x, `min(${e}, ${last})`);
  const count = (g: Gram): void => {
    const L = g.toks.length;
    // Unigrams count at skip 1 only (the interpreter's first pass); longer n-grams at every skip.
    const sk = L === 1 ? Math.min(skips, 1) : skips;
    if (sk <= 0 || empty) return;
    const s = b.fresh('s'), at = b.fresh('sk');
    const scan = (skip: string): void => b.block(`for (var ${s} = 0u; ${addU(s, mulU(u32(L - 1), skip))} < ${len}; ${s}++)`, () => {
      const a = b.let('a', addU(rowBase, s));
      const match = g.toks.map((t, n) => `${tok(addU(a, mulU(u32(n), skip)))} == ${i32Lit(t)}`).join(' && ');
      b.line(`if (${match}) { ${cnt} = ${cnt} + 1u; }`);
    });
    if (sk === 1) scan('1u');
    else b.block(`for (var ${at} = 1u; ${at} <= ${u32(sk)}; ${at}++)`, () => scan(at));
  };
  const cols = new Set(grams.map((g) => g.col));
  weights?.forEach((_w, c) => { if (c < outSize) cols.add(c); });
  b.block(`switch (${col})`, () => {
    for (const c of [...cols].sort((p, q) => p - q)) {
      b.block(`case ${u32(c)}:`, () => {
        if (weights && c < weights.length) b.line(`${wb} = ${weightBits(weights[c])};`);
        grams.filter((g) => g.col === c).forEach(count);
      });
    }
    b.line('default: {}');
  });
  // Counts stay far below 2^24: f32(cnt) is exact.
  if (mode === 'TF') return `f32(${cnt})`;
  const w = `bitcast<f32>(${wb})`;
  if (mode === 'IDF') return `select(0.0f, ${w}, ${cnt} > 0u)`;
  // w * cnt, except NaN for a NaN weight and for an infinite one times 0.
  const mag = b.let('wm', `${wb} & 0x7fffffffu`);
  return `select(${w} * f32(${cnt}), ${runtimeF32('0x7fc00000u', wb)}, ${mag} > 0x7f800000u || (${mag} == 0x7f800000u && ${cnt} == 0u))`;
}

// ---------------------------------------------------------------------------------------------

const all = (op: Op): number[] => op.operands.flatMap((v, j) => (v ? [j] : []));

/** An empty sum gives 0 and an empty matrix det 1: run even when an operand is empty. */
const EINSUM_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], reads: all, value: einsum, emptyOperands: true, flops: einsumFlops };
const DET_KERNEL: MapKernel = {
  kind: 'map', pointwise: () => [], reads: () => [0], value: det, emptyOperands: true,
  flops: (op, numel) => {
    const n = op.operands[0]!.type.shape?.at(-1);
    return typeof n === 'number' ? numel(op.results[0]!) * n * n * n : 0;
  },
};
const REVERSE_SEQUENCE_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], reads: () => [0, 1], value: reverseSequence };
/** An empty token row still gives a row of zeros. */
const TF_IDF_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], reads: () => [0], value: tfIdf, emptyOperands: true };

export const MISC_A_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['einsum', EINSUM_KERNEL],
  ['det', DET_KERNEL],
  ['reverse_sequence', REVERSE_SEQUENCE_KERNEL],
  ['tf_idf_vectorizer', TF_IDF_KERNEL],
];
