// Unique and NonMaxSuppression: ops whose result size depends on the input values (../../data-dims.ts).
// The kernel counts, lays its results out for the count and stores it with KernelCtx.setCount.
// Both run as ONE workgroup of 256 threads (the dispatch cannot depend on the count), and keep
// no scratch in the arena: the output buffers are sized for the bound but may be written only
// where the actual count lays them out. Per-element flags live in workgroup (Unique, 65536
// slices) or private (NMS, 131072 boxes per batch) memory; larger inputs are refused (E201 for
// static sizes, the run-time index check for symbolic ones) rather than recomputed, which
// would make the kernels cubic.
//
// Values are compared by an order-preserving u32 key of their bits, never by float compares:
// the interpreter groups values by String(v) (NaN with NaN, -0 with 0, subnormals apart, which
// a GPU that flushes subnormals in compares would merge). 64-bit integers compute in 32-bit
// registers (storage.ts; the runtime refuses inputs beyond that range).

import type { Op, Value } from '../../../../ir/ir.js';
import { type KernelCtx, type KernelDef, type SpecialShader } from '../kernel-api.js';
import { addU, Body, divU, modU, mulU, REG, u32 } from '../wgsl.js';

const WG = 256;
const ONE: SpecialShader['dispatch'] = [{ dims: [], div: 1 }, { dims: [], div: 1 }, { dims: [], div: 1 }];

/**
 * Order-preserving key of an f32's bits: -0 is +0 and every NaN is one key above +inf, as the
 * interpreter groups them (its sort puts NaN where V8's sort happens to leave it; see unique).
 */
const F32_KEY = [
  'fn dsb_fkey(x: f32) -> u32 {',
  '  var b = bitcast<u32>(x);',
  '  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffffffffu; }',
  '  if (b == 0x80000000u) { b = 0u; }',
  '  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);',
  '}',
].join('\n');

/** u32 key of a register value of dtype `dtype` whose unsigned order is the value order. */
function keyOf(dtype: string, v: string): string {
  switch (REG[dtype]) {
    case 'f32': return `dsb_fkey(${v})`;
    case 'i32': return `(bitcast<u32>(${v}) ^ 0x80000000u)`;
    case 'bool': return `select(0u, 1u, ${v})`;
    default: return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Unique (ONNX Unique-11). Slices j < D along the axis (or the elements when there is none), each
// S = outer * inner values. The first occurrence of each distinct slice is a group; with
// sorted=1 groups go in ascending lexicographic key order, else in first-occurrence order.
// Phase 1: first[j] = no earlier equal slice (a bitset in workgroup memory, up to CAP slices) and
// the count. Phase 2: for each j, its group's first f and position p (the number of groups
// before it); inverse[j] = p, and the first writes Y's slice p, indices[p] = f and counts[p].
// O(D^2 S) compares spread over the threads.

/**
 * Slices whose first-occurrence flag is kept in workgroup memory (32 per word). More are refused:
 * recomputing the flags would make the kernel cubic in the slice count.
 */
const UQ_WORDS = 2048;
const UQ_CAP = UQ_WORDS * 32;

const UNIQUE: KernelDef = {
  kind: 'special',
  extraResults: true,
  emptyOperands: true,
  // Unique of an empty-slice tensor with D > 0 has one group and empty Y: still counts.
  runsEmpty: () => true,
  emit(k, op) {
    const x = op.operands[0]!;
    const xd = k.dims(x);
    const hasAxis = op.attrs.has('axis');
    let axis = hasAxis ? Number(op.attrs.get('axis')!.value) : 0;
    if (axis < 0) axis += xd.length;
    if (hasAxis && (axis < 0 || axis >= xd.length)) k.fail(op, `unique: axis ${String(op.attrs.get('axis')!.value)} is out of range for rank ${xd.length}`);
    const sorted = Number(op.attrs.get('sorted')?.value ?? 1) !== 0;
    const D = hasAxis ? k.dim(xd[axis]!) : k.size(xd);
    const outer = hasAxis ? k.size(xd.slice(0, axis)) : '1u';
    const inner = hasAxis ? k.size(xd.slice(axis + 1)) : '1u';
    // Divisions by `inner` guarded against a constant 0 (WGSL refuses it; S is then 0 anyway).
    const inner1 = /^[0-9]+u$/.test(inner) ? (inner === '0u' ? '1u' : inner) : `max(${inner}, 1u)`;
    const S = mulU(outer, inner);
    const srcIdx = (j: string, e: string): string => {
      const o = divU(e, inner1), t = modU(e, inner1);
      return addU(mulU(addU(mulU(o, D), j), inner), t);
    };
    const fns: string[] = [];
    const fn = (head: string, lines: (c: Body) => void): void => {
      const c = new Body(1);
      lines(c);
      fns.push(`${head} {\n${c.text()}\n}`);
    };
    fn('fn uq_at(j: u32, e: u32) -> u32', (c) => c.line(`return ${keyOf(x.type.dtype, k.load(x, srcIdx('j', 'e')))};`));
    fn('fn uq_eq(a: u32, b: u32) -> bool', (c) => {
      c.line(`for (var e = 0u; e < ${S}; e++) { if (uq_at(a, e) != uq_at(b, e)) { return false; } }`);
      c.line('return true;');
    });
    fn('fn uq_lt(a: u32, b: u32) -> bool', (c) => {
      c.block(`for (var e = 0u; e < ${S}; e++)`, () => {
        c.line('let p = uq_at(a, e);');
        c.line('let q = uq_at(b, e);');
        c.line('if (p != q) { return p < q; }');
      });
      c.line('return false;');
    });
    fn('fn uq_first(j: u32) -> bool', (c) => {
      c.line('for (var m = 0u; m < j; m++) { if (uq_eq(m, j)) { return false; } }');
      c.line('return true;');
    });
    fn('fn uq_isfirst(m: u32) -> bool', (c) => c.line('return ((uq_bits[m >> 5u] >> (m & 31u)) & 1u) != 0u;'));

    const b = k.body;
    const R = op.results.length;
    if (/^[0-9]+u$/.test(D) && Number(D.slice(0, -1)) > UQ_CAP) k.fail(op, `unique: ${D.slice(0, -1)} slices exceed the webgpu kernel's ${UQ_CAP}`);
    b.line('if (lid == 0u) { atomicStore(&uq_n, 0u); }');
    b.line('workgroupBarrier();');
    // More slices than flags: the run is refused (the index check) and the kernel does nothing.
    b.line(`let uq_all = ${D};`);
    if (!/^[0-9]+u$/.test(D)) k.indexCheck(op, 'i32(uq_all)', u32(UQ_CAP), `uq_all > ${u32(UQ_CAP)}`);
    b.line(`let uq_d = select(uq_all, 0u, uq_all > ${u32(UQ_CAP)});`);
    b.line('var cnt = 0u;');
    b.block(`for (var w = lid; w < (uq_d + 31u) / 32u; w += ${u32(WG)})`, () => {
      b.line('var bits = 0u;');
      b.line('for (var t = 0u; t < 32u; t++) { let j = w * 32u + t; if (j < uq_d && uq_first(j)) { bits |= 1u << t; } }');
      b.line('uq_bits[w] = bits;');
      b.line('cnt += countOneBits(bits);');
    });
    b.line('atomicAdd(&uq_n, cnt);');
    b.line('workgroupBarrier();');
    b.line('let n = atomicLoad(&uq_n);');
    b.block('if (lid == 0u)', () => k.setCount(op, 'n'));
    b.block(`for (var j = lid; j < uq_d; j += ${u32(WG)})`, () => {
      b.line('var f = j;');
      b.line('for (var m = 0u; m < j; m++) { if (uq_isfirst(m) && uq_eq(m, j)) { f = m; break; } }');
      b.line('var p = 0u;');
      if (sorted) b.line('for (var m = 0u; m < uq_d; m++) { if (m != f && uq_isfirst(m) && uq_lt(m, f)) { p++; } }');
      else b.line('for (var m = 0u; m < f; m++) { if (uq_isfirst(m)) { p++; } }');
      if (R > 2) k.storeResult(op, 2, 'j', 'i32(p)');
      b.block('if (f == j)', () => {
        if (R > 1) k.storeResult(op, 1, 'p', 'i32(j)');
        if (R > 3) {
          b.line('var c = 0u;');
          b.line('for (var m = j; m < uq_d; m++) { if (uq_eq(m, j)) { c++; } }');
          k.storeResult(op, 3, 'p', 'i32(c)');
        }
        b.block(`for (var e = 0u; e < ${S}; e++)`, () => {
          const o = divU('e', inner1), t = modU('e', inner1);
          b.line(`epi(${addU(mulU(addU(mulU(o, 'n'), 'p'), inner), t)}, ${k.load(x, srcIdx('j', 'e'))});`);
        });
      });
    });
    const decls = [`var<workgroup> uq_bits: array<u32, ${UQ_WORDS}>;`, 'var<workgroup> uq_n: atomic<u32>;', ...(REG[x.type.dtype] === 'f32' ? [F32_KEY] : []), ...fns];
    return { decls, workgroupSize: [WG, 1, 1], dispatch: ONE, fold: false, workgroupBytes: 4 * UQ_WORDS + 4 };
  },
};

// ---------------------------------------------------------------------------------------------
// NonMaxSuppression (ONNX NMS-11). For each (batch, class) in order: candidates are the boxes
// whose score beats score_threshold; repeatedly the best remaining one (highest score, then
// lowest index, as the interpreter's sort) is kept and every remaining box it suppresses (IoU >
// iou_threshold) is removed, until none remains or max_output_boxes_per_class are kept. That is
// the interpreter's greedy pass: a candidate is checked against every kept box before it. Each
// thread owns the removed-flags of boxes lid*32.. (+ 256*32 per word), in private memory; the
// best box is found by a tree reduction in workgroup memory. The IoU arithmetic is the
// interpreter's (f32, rounded after each op); only the final division may differ, WGSL giving
// f32 division 2.5 ULP (correctly rounded on SwiftShader and most desktop drivers).

/** Removed-flag words per thread: 256 threads * 16 words * 32 boxes = 131072 boxes. */
const NMS_WORDS = 16;
const NMS_CAP = WG * NMS_WORDS * 32;

const NMS_FNS = [
  // [x0, x1, y0, y1] as the interpreter orders corners (corner boxes are [y1, x1, y2, x2]).
  'fn nms_corners(b: vec4<f32>, center: bool) -> vec4<f32> {',
  '  if (center) {',
  '    let hw = b.z * 0.5f;',
  '    let hh = b.w * 0.5f;',
  '    return vec4<f32>(b.x - hw, b.x + hw, b.y - hh, b.y + hh);',
  '  }',
  '  return vec4<f32>(min(b.y, b.w), max(b.y, b.w), min(b.x, b.z), max(b.x, b.z));',
  '}',
  'fn nms_sup(a: vec4<f32>, b: vec4<f32>, thr: f32) -> bool {',
  '  let ix0 = max(a.x, b.x);',
  '  let ix1 = min(a.y, b.y);',
  '  if (ix1 <= ix0) { return false; }',
  '  let iy0 = max(a.z, b.z);',
  '  let iy1 = min(a.w, b.w);',
  '  if (iy1 <= iy0) { return false; }',
  '  let inter = (ix1 - ix0) * (iy1 - iy0);',
  '  let a1 = (a.y - a.x) * (a.w - a.z);',
  '  let a2 = (b.y - b.x) * (b.w - b.z);',
  '  let un = (a1 + a2) - inter;',
  '  if (inter <= 0.0f || a1 <= 0.0f || a2 <= 0.0f || un <= 0.0f) { return false; }',
  '  return inter / un > thr;',
  '}',
  // Score order: a > b by value (NaN: see evalNms' comparator, left unspecified here).
  'fn nms_gt(a: f32, b: f32) -> bool {',
  '  let na = (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u;',
  '  let nb = (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u;',
  '  return !na && !nb && dsb_fkey(a) > dsb_fkey(b);',
  '}',
].join('\n');

/** Element count of an optional scalar-ish operand as a u32 expression ('0u' when absent). */
const countOf = (k: KernelCtx, v: Value | null | undefined): string => (v ? k.size(k.dims(v)) : '0u');

/**
 * max_output_boxes_per_class as a u32 expression: a constant folds (clamped to [0, 2^32-1]); an
 * input is read from its register (the runtime refuses i64 inputs beyond 32 bits).
 */
function maxOutput(k: KernelCtx, op: Op, v: Value | null | undefined): string {
  if (!v) return '0u';
  const t = k.constant(v);
  if (t) return t.data.length === 0 ? '0u' : u32(Math.min(Math.max(Number(t.data[0]), 0), 0xffffffff));
  const x = k.load(v, '0u'), n = countOf(k, v);
  switch (REG[v.type.dtype]) {
    case 'i32': return `select(0u, u32(max(${x}, 0i)), ${n} > 0u)`;
    case 'u32': return `select(0u, ${x}, ${n} > 0u)`;
    default: return k.fail(op, `non_max_suppression: max_output_boxes_per_class of dtype ${v.type.dtype} is not supported by the webgpu backend`);
  }
}

const NMS: KernelDef = {
  kind: 'special',
  emit(k, op) {
    const [boxes, scores, maxV, iouV, scoreV] = op.operands;
    for (const v of [boxes, scores, iouV, scoreV]) {
      if (v && REG[v.type.dtype] !== 'f32') k.fail(op, `non_max_suppression on ${v.type.dtype} is not supported by the webgpu backend (float boxes, scores and thresholds only)`);
    }
    const bd = k.dims(boxes!), sd = k.dims(scores!);
    const N = bd[1]!;
    if (typeof N === 'number' && N > NMS_CAP) k.fail(op, `non_max_suppression: ${N} boxes per batch exceed the webgpu kernel's ${NMS_CAP}`);
    const center = Number(op.attrs.get('center_point_box')?.value ?? 0) === 1;
    const b = k.body;
    // Shapes the interpreter would refuse (boxes and scores disagreeing) stay in bounds: the
    // common batches and boxes are used, each tensor indexed by its own strides.
    b.line(`let nb = min(${k.dim(bd[0]!)}, ${k.dim(sd[0]!)});`);
    b.line(`let nc = ${k.dim(sd[1]!)};`);
    b.line(`let nbx = ${k.dim(N)};`);
    b.line(`let ns = ${k.dim(sd[2]!)};`);
    b.line('let nn0 = min(nbx, ns);');
    b.line(`let bw = ${k.dim(bd[2]!)};`);
    b.line(`let blast = ${k.size(bd)} - 1u;`);
    // A box count beyond the private flags is refused at run time (one symbolic dim too many).
    if (typeof N !== 'number') k.indexCheck(op, 'i32(nn0)', u32(NMS_CAP), `nn0 > ${u32(NMS_CAP)}`);
    // Beyond the flags the run is refused (the index check) and the kernel does nothing.
    b.line(`let nn = select(nn0, 0u, nn0 > ${u32(NMS_CAP)});`);
    b.line(`if (lid == 0u) { nms_best = ${maxOutput(k, op, maxV)}; }`);
    b.line('let mx = workgroupUniformLoad(&nms_best);');
    b.line(`let thr = ${iouV ? `select(0.0f, ${k.load(iouV, '0u')}, ${countOf(k, iouV)} > 0u)` : '0.0f'};`);
    b.line(`let has_st = ${scoreV ? `${countOf(k, scoreV)} > 0u` : 'false'};`);
    b.line(`let st = ${scoreV ? `select(0.0f, ${k.load(scoreV, '0u')}, has_st)` : '0.0f'};`);
    b.line(`let nw = min((nn + 31u) / 32u, ${u32(WG * NMS_WORDS)});`);
    b.line(`var rm: array<u32, ${NMS_WORDS}>;`);
    b.line('var total = 0u;');
    const box = (bi: string): string => `nms_corners(vec4<f32>(${[0, 1, 2, 3].map((t) => k.load(boxes!, `min((${bi}) * bw + ${u32(t)}, blast)`)).join(', ')}), ${center})`;
    const score = (si: string): string => k.load(scores!, `(${si})`);
    b.block('for (var ib = 0u; ib < nb; ib++)', () => {
      b.block('for (var ic = 0u; ic < nc; ic++)', () => {
        b.line('let sb = (ib * nc + ic) * ns;');
        b.line(`for (var q = 0u; q < ${u32(NMS_WORDS)}; q++) { rm[q] = 0xffffffffu; }`);
        b.block(`for (var w = lid; w < nw; w += ${u32(WG)})`, () => {
          b.line('var bits = 0u;');
          b.line(`for (var t = 0u; t < 32u; t++) { let i = w * 32u + t; if (i >= nn || (has_st && !nms_gt(${score('sb + i')}, st))) { bits |= 1u << t; } }`);
          b.line(`rm[w / ${u32(WG)}] = bits;`);
        });
        b.line('var kept = 0u;');
        b.block('loop', () => {
          b.line('if (kept >= mx) { break; }');
          // This thread's best remaining box: boxes ascend, so a tie keeps the lower index.
          b.line('var bk = 0u;');
          b.line('var bi = 0xffffffffu;');
          b.block(`for (var w = lid; w < nw; w += ${u32(WG)})`, () => {
            b.line(`let live = ~rm[w / ${u32(WG)}];`);
            b.block('for (var t = 0u; t < 32u; t++)', () => {
              b.block('if (((live >> t) & 1u) != 0u)', () => {
                b.line(`let key = dsb_fkey(${score('sb + w * 32u + t')});`);
                b.line('if (bi == 0xffffffffu || key > bk) { bk = key; bi = w * 32u + t; }');
              });
            });
          });
          b.line('nms_k[lid] = bk;');
          b.line('nms_i[lid] = bi;');
          b.line('workgroupBarrier();');
          b.block(`for (var s = ${u32(WG / 2)}; s > 0u; s >>= 1u)`, () => {
            b.block('if (lid < s)', () => {
              b.line('let k2 = nms_k[lid + s];');
              b.line('let i2 = nms_i[lid + s];');
              b.line('let k1 = nms_k[lid];');
              b.line('let i1 = nms_i[lid];');
              b.line('if (i2 != 0xffffffffu && (i1 == 0xffffffffu || k2 > k1 || (k2 == k1 && i2 < i1))) { nms_k[lid] = k2; nms_i[lid] = i2; }');
            });
            b.line('workgroupBarrier();');
          });
          b.line('if (lid == 0u) { nms_best = nms_i[0]; }');
          b.line('let best = workgroupUniformLoad(&nms_best);');
          b.line('if (best == 0xffffffffu) { break; }');
          b.block('if (lid == 0u)', () => {
            b.line('epi(total * 3u, i32(ib));');
            b.line('epi(total * 3u + 1u, i32(ic));');
            b.line('epi(total * 3u + 2u, i32(best));');
          });
          b.line('total++;');
          b.line('kept++;');
          b.line(`let bb = ${box('ib * nbx + best')};`);
          b.block(`for (var w = lid; w < nw; w += ${u32(WG)})`, () => {
            b.line(`var bits = rm[w / ${u32(WG)}];`);
            b.block('for (var t = 0u; t < 32u; t++)', () => {
              b.line('let i = w * 32u + t;');
              b.line(`if (((bits >> t) & 1u) == 0u && (i == best || nms_sup(${box('ib * nbx + i')}, bb, thr))) { bits |= 1u << t; }`);
            });
            b.line(`rm[w / ${u32(WG)}] = bits;`);
          });
          // The reduction arrays are rewritten at the top of the next round: all reads are done.
          b.line('workgroupBarrier();');
        });
      });
    });
    b.block('if (lid == 0u)', () => k.setCount(op, 'total'));
    const decls = [`var<workgroup> nms_k: array<u32, ${WG}>;`, `var<workgroup> nms_i: array<u32, ${WG}>;`, 'var<workgroup> nms_best: u32;', F32_KEY, NMS_FNS];
    return { decls, workgroupSize: [WG, 1, 1], dispatch: ONE, fold: false, workgroupBytes: 8 * WG + 4 };
  },
};

export const DATA_SIZED_B_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [['unique', UNIQUE], ['non_max_suppression', NMS]];
