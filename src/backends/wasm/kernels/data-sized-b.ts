// Unique and NonMaxSuppression: ops whose result size depends on the input values (../../data-dims.ts). The kernel
// counts, lays its results out for the count and stores it with KernelCtx.setCount.
//
// Unique (reference: ir/ops/shape-gather.ts). Slices along the axis (elements without one) are
// equal when every element is: floats by value (-0 == 0) and NaN equal to NaN, as the
// interpreter's string keys group them; f16 & co are compared decoded. Sorted order is
// lexicographic over the slice in row-major order, NaN above every number (numpy's order; the
// interpreter's comparator treats NaN as equal to everything, so no order matches it there).
// Algorithm, O(n u) slice compares and no memory sized by a symbol unless one is needed:
//  1. discover the groups in first-occurrence order, each kept by a representative: when the
//     dims before the axis are all 1 (always without an axis), the Y row itself, which does not
//     move when u grows; otherwise its first index, kept in the `indices` result when there is
//     one, else in a scratch buffer (static axis dim only);
//  2. sorted=1: selection-sort the representatives, then find each slice's group again for
//     inverse_indices and counts (sorted=0 gets them in step 1);
//  3. Y from the first indices (the dims before the axis need u to lay a row out).
//
// NonMaxSuppression (reference: ir/ops/misc-select.ts evalNms): per (batch, class), candidates
// with score > score_threshold in order of score descending then box index, each kept unless its
// IoU with a box kept before in this class is > iou_threshold, until max_output_boxes_per_class.
// Box arithmetic in f64 rounded to f32 at the same steps as the reference, so decisions at the
// threshold agree bit for bit. The kept boxes of the class are the output rows written so far,
// so no other memory holds them. Candidates are merge-sorted in a scratch buffer when the box
// count is static; with a symbolic box count each is selected by a scan (O(n) per candidate).
// NaN scores (possible only without score_threshold) rank below every number; the
// interpreter's comparator gives them no consistent place.

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { FuncEmitter } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { elem, type Elem } from './dtype-codec.js';

/** `while (cond) body`; the labels take their stem from a fresh local's unique name. */
function whileLoop(em: FuncEmitter, cond: string, body: () => void): void {
  const tag = em.local('while', 'i32');
  em.line(`(block ${tag}_x (loop ${tag}_n`);
  em.line(`(br_if ${tag}_x (i32.eqz ${cond}))`);
  body();
  em.line(`(br ${tag}_n)`);
  em.line('))');
}

const inc = (em: FuncEmitter, l: string): void => em.set(l, `(i32.add ${get(l)} (i32.const 1))`);
const lt = (a: string, b: string): string => `(i32.lt_s ${a} ${b})`;
const i64At = (ptr: string, i: string): string => addr(ptr, i, 8);
const storeI64 = (ptr: string, i: string, v: string): string => `(i64.store ${i64At(ptr, i)} (i64.extend_i32_u ${v}))`;
const bumpI64 = (ptr: string, i: string): string => `(i64.store ${i64At(ptr, i)} (i64.add (i64.load ${i64At(ptr, i)}) (i64.const 1)))`;

// ---------------------------------------------------------------------------------------------
// Unique

/** Unsigned comparison only for the 32/64-bit unsigned dtypes: narrower ones load zero-extended. */
const UNSIGNED = new Set(['u32', 'u64']);

/**
 * Module function `(a, b, outer, inner, ostride) -> -1 | 0 | 1`: the order of the slices at byte
 * addresses a and b, each `outer` runs of `inner` contiguous elements `ostride` bytes apart.
 */
function cmpFunc(k: KernelCtx, dt: string, e: Elem): string {
  const t = e.t, float = t === 'f32' || t === 'f64';
  const x = '(local.get $x)', y = '(local.get $y)';
  const eq = float ? `(i32.or (${t}.eq ${x} ${y}) (i32.and (${t}.ne ${x} ${x}) (${t}.ne ${y} ${y})))` : `(${t}.eq ${x} ${y})`;
  // Given x != y: x < y, NaN above numbers.
  const less = float ? `(select (${t}.lt ${x} ${y}) (${t}.ne ${y} ${y}) (i32.and (${t}.eq ${x} ${x}) (${t}.eq ${y} ${y})))`
    : `(${t}.lt_${UNSIGNED.has(dt) ? 'u' : 's'} ${x} ${y})`;
  return k.moduleFunc(`unique_cmp_${dt}`, [
    `(func $unique_cmp_${dt} (param $a i32) (param $b i32) (param $outer i32) (param $inner i32) (param $ostride i32) (result i32)`,
    `  (local $o i32) (local $i i32) (local $pa i32) (local $pb i32) (local $x ${t}) (local $y ${t})`,
    '  (block $done (loop $rows',
    '    (br_if $done (i32.ge_u (local.get $o) (local.get $outer)))',
    '    (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $o) (local.get $ostride))))',
    '    (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $o) (local.get $ostride))))',
    '    (local.set $i (i32.const 0))',
    '    (block $row (loop $elems',
    '      (br_if $row (i32.ge_u (local.get $i) (local.get $inner)))',
    `      (local.set $x ${e.load('(local.get $pa)')})`,
    `      (local.set $y ${e.load('(local.get $pb)')})`,
    `      (if (i32.eqz ${eq}) (then (return (select (i32.const -1) (i32.const 1) ${less}))))`,
    `      (local.set $pa (i32.add (local.get $pa) (i32.const ${e.size})))`,
    `      (local.set $pb (i32.add (local.get $pb) (i32.const ${e.size})))`,
    '      (local.set $i (i32.add (local.get $i) (i32.const 1)))',
    '      (br $elems)))',
    '    (local.set $o (i32.add (local.get $o) (i32.const 1)))',
    '    (br $rows)))',
    '  (i32.const 0))',
  ].join('\n'));
}

function emitUnique(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!;
  const [y, ind, inv, cnt] = op.results as [Value, Value | undefined, Value | undefined, Value | undefined];
  const dt = x.type.dtype;
  const e = elem(k, dt);
  if (!e) k.fail(op, `unique on ${dt} is not supported by the wasm backend`);
  const xd = k.dims(x);
  const hasAxis = op.attrs.has('axis');
  const a0 = Number(op.attrs.get('axis')?.value ?? 0);
  const axis = a0 < 0 ? a0 + xd.length : a0;
  if (hasAxis && (axis < 0 || axis >= xd.length)) k.fail(op, `unique: axis ${a0} is out of range for rank ${xd.length}`);
  const sorted = Number(op.attrs.get('sorted')?.value ?? 1) !== 0;
  const before = hasAxis ? xd.slice(0, axis) : [];
  const dimD = hasAxis ? xd[axis]! : undefined;
  const dim = hasAxis ? k.dim(dimD!) : k.size(xd);
  const inner = hasAxis ? k.size(xd.slice(axis + 1)) : i32(1);
  const outer = k.size(before);
  const rowBytes = mul(inner, i32(e.size));
  const ostride = mul(dim, rowBytes);
  const byRows = before.every((d) => d === 1);
  const em = k.em;
  const px = k.ptr(x), py = k.ptr(y);
  const slice = (j: string): string => add(px, mul(j, rowBytes));
  const cmp = (a: string, b: string): string => `(call ${cmpFunc(k, dt, e)} ${a} ${b} ${byRows ? i32(1) : outer} ${inner} ${ostride})`;

  // Representatives: Y rows, or first indices (in `indices`, else in scratch).
  let firstGet: (g: string) => string = () => '';
  let firstSet: (g: string, v: string) => string = () => '';
  if (!byRows) {
    if (ind) {
      firstGet = (g) => `(i32.wrap_i64 (i64.load ${i64At(k.ptr(ind), g)}))`;
      firstSet = (g, v) => storeI64(k.ptr(ind), g, v);
    } else {
      if (typeof dimD !== 'number') {
        k.fail(op, `unique along axis ${axis} of symbolic length '${dimD}' after dims other than 1, without an 'indices' result: the wasm kernel needs memory for one index per slice`);
      }
      const sp = k.scratch(4 * Math.max(1, dimD));
      firstGet = (g) => `(i32.load ${addr(sp, g, 4)})`;
      firstSet = (g, v) => `(i32.store ${addr(sp, g, 4)} ${v})`;
    }
  }
  const rep = (g: string): string => (byRows ? add(py, mul(g, rowBytes)) : slice(firstGet(g)));

  em.comment(`unique ${hasAxis ? `axis=${axis}` : 'flat'} sorted=${sorted ? 1 : 0}, representatives: ${byRows ? 'Y rows' : 'first indices'}`);
  const u = em.local('u', 'i32'), f = em.local('f', 'i32'), at = em.local('at', 'i32');
  em.set(u, i32(0));
  /** f = the group of slice j among the first u representatives, -1 if none. */
  const find = (j: string): void => {
    em.set(f, i32(-1));
    em.set(at, i32(0));
    whileLoop(em, `(i32.and ${lt(get(at), get(u))} ${lt(get(f), i32(0))})`, () => {
      em.when(`(i32.eqz ${cmp(rep(get(at)), slice(j))})`, () => em.set(f, get(at)));
      inc(em, at);
    });
  };
  em.loop('j', dim, (j) => {
    find(j);
    em.when(lt(get(f), i32(0)), () => {
      if (byRows) {
        em.line(`(memory.copy ${rep(get(u))} ${slice(j)} ${rowBytes})`);
        if (ind) em.line(storeI64(k.ptr(ind), get(u), j));
      } else em.line(firstSet(get(u), j));
      if (!sorted && cnt) em.line(`(i64.store ${i64At(k.ptr(cnt), get(u))} (i64.const 0))`);
      em.set(f, get(u));
      inc(em, u);
    });
    if (!sorted && inv) em.line(storeI64(k.ptr(inv), j, get(f)));
    if (!sorted && cnt) em.line(bumpI64(k.ptr(cnt), get(f)));
  });

  if (sorted) {
    em.comment('selection sort of the representatives');
    const best = em.local('best', 'i32'), m = em.local('m', 'i32'), tmp = em.local('tmp', 'i32');
    const tmp64 = em.local('tmp64', 'i64');
    em.loop('g', get(u), (g) => {
      em.set(best, g);
      em.forRange(m, add(g, i32(1)), get(u), 1, () => em.when(lt(cmp(rep(get(m)), rep(get(best))), i32(0)), () => em.set(best, get(m))));
      em.when(`(i32.ne ${get(best)} ${g})`, () => {
        if (byRows) {
          em.loop('b', rowBytes, (b) => {
            const pa = add(rep(g), b), pb = add(rep(get(best)), b);
            em.set(tmp, `(i32.load8_u ${pa})`);
            em.line(`(i32.store8 ${pa} (i32.load8_u ${pb}))`);
            em.line(`(i32.store8 ${pb} ${get(tmp)})`);
          });
          if (ind) {
            const ia = i64At(k.ptr(ind), g), ib = i64At(k.ptr(ind), get(best));
            em.set(tmp64, `(i64.load ${ia})`);
            em.line(`(i64.store ${ia} (i64.load ${ib}))`);
            em.line(`(i64.store ${ib} ${get(tmp64)})`);
          }
        } else {
          em.set(tmp, firstGet(g));
          em.line(firstSet(g, firstGet(get(best))));
          em.line(firstSet(get(best), get(tmp)));
        }
      });
    });
    if (inv || cnt) {
      if (cnt) em.loop('g', get(u), (g) => em.line(`(i64.store ${i64At(k.ptr(cnt), g)} (i64.const 0))`));
      em.loop('j', dim, (j) => {
        find(j);
        if (inv) em.line(storeI64(k.ptr(inv), j, get(f)));
        if (cnt) em.line(bumpI64(k.ptr(cnt), get(f)));
      });
    }
  }

  if (!byRows) {
    em.comment('Y[o, g] = X[o, first(g)]');
    em.loop('g', get(u), (g) => em.loop('o', outer, (o) => {
      em.line(`(memory.copy ${add(py, mul(add(mul(o, get(u)), g), rowBytes))} ${add(px, mul(add(mul(o, dim), firstGet(g)), rowBytes))} ${rowBytes})`);
    }));
  }
  k.setCount(op, get(u));
}

// ---------------------------------------------------------------------------------------------
// NonMaxSuppression

const R = (v: string): string => `(f64.promote_f32 (f32.demote_f64 ${v}))`;

/**
 * Module function: whether box a (4 raw coords) is suppressed by box b at threshold t, as the
 * reference's `suppressed` computes it (f32 rounding at each of its steps).
 */
function overlapFunc(k: KernelCtx, center: boolean): string {
  const p = (n: string): string => `(local.get $${n})`;
  const corners = (s: string): string[] => center
    ? [
      `(local.set $hw ${R(`(f64.div ${p(`${s}2`)} (f64.const 2))`)})`, `(local.set $hh ${R(`(f64.div ${p(`${s}3`)} (f64.const 2))`)})`,
      `(local.set $${s}x0 ${R(`(f64.sub ${p(`${s}0`)} (local.get $hw))`)})`, `(local.set $${s}x1 ${R(`(f64.add ${p(`${s}0`)} (local.get $hw))`)})`,
      `(local.set $${s}y0 ${R(`(f64.sub ${p(`${s}1`)} (local.get $hh))`)})`, `(local.set $${s}y1 ${R(`(f64.add ${p(`${s}1`)} (local.get $hh))`)})`,
    ]
    : [
      // [y1, x1, y2, x2], corners in either order.
      `(local.set $${s}x0 (f64.min ${p(`${s}1`)} ${p(`${s}3`)}))`, `(local.set $${s}x1 (f64.max ${p(`${s}1`)} ${p(`${s}3`)}))`,
      `(local.set $${s}y0 (f64.min ${p(`${s}0`)} ${p(`${s}2`)}))`, `(local.set $${s}y1 (f64.max ${p(`${s}0`)} ${p(`${s}2`)}))`,
    ];
  const area = (s: string): string => R(`(f64.mul ${R(`(f64.sub ${p(`${s}x1`)} ${p(`${s}x0`)})`)} ${R(`(f64.sub ${p(`${s}y1`)} ${p(`${s}y0`)})`)})`);
  const name = `nms_overlap_${center ? 'center' : 'corners'}`;
  const params = ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3', 't'].map((n) => `(param $${n} f64)`).join(' ');
  const locals = ['hw', 'hh', 'ax0', 'ax1', 'ay0', 'ay1', 'bx0', 'bx1', 'by0', 'by1', 'ix0', 'ix1', 'iy0', 'iy1', 'in', 's1', 's2', 'un'].map((n) => `(local $${n} f64)`).join(' ');
  return k.moduleFunc(name, [
    `(func $${name} ${params} (result i32)`,
    `  ${locals}`,
    ...corners('a').map((l) => `  ${l}`),
    ...corners('b').map((l) => `  ${l}`),
    `  (local.set $ix0 (f64.max ${p('ax0')} ${p('bx0')})) (local.set $ix1 (f64.min ${p('ax1')} ${p('bx1')}))`,
    `  (if (f64.le ${p('ix1')} ${p('ix0')}) (then (return (i32.const 0))))`,
    `  (local.set $iy0 (f64.max ${p('ay0')} ${p('by0')})) (local.set $iy1 (f64.min ${p('ay1')} ${p('by1')}))`,
    `  (if (f64.le ${p('iy1')} ${p('iy0')}) (then (return (i32.const 0))))`,
    `  (local.set $in ${R(`(f64.mul ${R(`(f64.sub ${p('ix1')} ${p('ix0')})`)} ${R(`(f64.sub ${p('iy1')} ${p('iy0')})`)})`)})`,
    `  (local.set $s1 ${area('a')}) (local.set $s2 ${area('b')})`,
    `  (local.set $un ${R(`(f64.sub ${R(`(f64.add ${p('s1')} ${p('s2')})`)} ${p('in')})`)})`,
    `  (if (i32.or (i32.or (f64.le ${p('in')} (f64.const 0)) (f64.le ${p('s1')} (f64.const 0))) (i32.or (f64.le ${p('s2')} (f64.const 0)) (f64.le ${p('un')} (f64.const 0))))`,
    '    (then (return (i32.const 0))))',
    `  (f64.gt ${R(`(f64.div ${p('in')} ${p('un')})`)} ${p('t')}))`,
  ].join('\n'));
}

/** An f64 expression from an element of a float value. */
function floatAt(k: KernelCtx, op: Op, v: Value): (i: string) => string {
  const e = elem(k, v.type.dtype);
  if (!e || (e.t !== 'f32' && e.t !== 'f64')) k.fail(op, `non_max_suppression on ${v.type.dtype} %${v.name} is not supported by the wasm backend (float inputs only)`);
  return (i) => (e.t === 'f64' ? e.load(addr(k.ptr(v), i, e.size)) : `(f64.promote_f32 ${e.load(addr(k.ptr(v), i, e.size))})`);
}

/** An optional operand holding at least one element (ONNX's empty name or an empty tensor: absent). */
function present(k: KernelCtx, v: Value | null | undefined): v is Value {
  return !!v && !k.dims(v).some((d) => d === 0);
}

/** `first(0)` when v has an element at run time, else `none` (a symbolic dim may be 0). */
function guarded(k: KernelCtx, v: Value, t: 'i64' | 'f64', first: string, none: string): string {
  const n = k.size(k.dims(v));
  return n === i32(1) ? first : `(if (result ${t}) (i32.gt_s ${n} (i32.const 0)) (then ${first}) (else ${none}))`;
}

/**
 * Stable bottom-up merge sort of the i32 array at `a` (n entries) through `tmp` (as large); the
 * entry `y` of the right run goes before `x` of the left one when `right(x, y)`. Ends in `a`.
 */
function mergeSort(em: FuncEmitter, a: string, tmp: string, n: string, right: (x: string, y: string) => string): void {
  const [w, lo, mid, hi, i, j, t, src, dst, sw, take] = ['w', 'lo', 'mid', 'hi', 'i', 'j', 't', 'src', 'dst', 'sw', 'take'].map((h) => em.local(h, 'i32')) as [string, string, string, string, string, string, string, string, string, string, string];
  const min = (p: string, q: string): string => `(select ${p} ${q} (i32.lt_s ${p} ${q}))`;
  const at = (base: string, k: string): string => `(i32.load ${addr(get(base), get(k), 4)})`;
  em.set(src, a);
  em.set(dst, tmp);
  em.set(w, i32(1));
  whileLoop(em, lt(get(w), n), () => {
    em.set(lo, i32(0));
    whileLoop(em, lt(get(lo), n), () => {
      em.set(mid, min(add(get(lo), get(w)), n));
      em.set(hi, min(add(get(lo), mul(get(w), i32(2))), n));
      em.set(i, get(lo));
      em.set(j, get(mid));
      em.forRange(t, get(lo), get(hi), 1, () => {
        em.set(take, `(if (result i32) (i32.ge_s ${get(j)} ${get(hi)}) (then (i32.const 0)) (else (if (result i32) (i32.ge_s ${get(i)} ${get(mid)}) (then (i32.const 1)) (else ${right(at(src, i), at(src, j))}))))`);
        em.line(`(i32.store ${addr(get(dst), get(t), 4)} (if (result i32) ${get(take)} (then ${at(src, j)}) (else ${at(src, i)})))`);
        em.set(j, add(get(j), get(take)));
        em.set(i, `(i32.sub ${add(get(i), i32(1))} ${get(take)})`);
      });
      em.set(lo, add(get(lo), mul(get(w), i32(2))));
    });
    em.set(sw, get(src));
    em.set(src, get(dst));
    em.set(dst, get(sw));
    em.set(w, mul(get(w), i32(2)));
  });
  em.when(`(i32.ne ${get(src)} ${a})`, () => em.line(`(memory.copy ${a} ${get(src)} ${mul(n, i32(4))})`));
}

function emitNms(k: KernelCtx, op: Op): void {
  const [boxes, scores, maxOut, iouV, scoreV] = op.operands;
  const out = op.results[0]!;
  const bd = k.dims(boxes!), sd = k.dims(scores!);
  if (bd.length !== 3 || sd.length !== 3) k.fail(op, 'non_max_suppression needs boxes [batches, boxes, 4] and scores [batches, classes, boxes]');
  const center = Number(op.attrs.get('center_point_box')?.value ?? 0) === 1;
  const em = k.em;
  const nB = k.dim(bd[0]!), nN = k.dim(bd[1]!), nC = k.dim(sd[1]!);
  const box = floatAt(k, op, boxes!), score = floatAt(k, op, scores!);
  const po = k.ptr(out);
  em.comment(`non_max_suppression center_point_box=${center ? 1 : 0}`);
  const count = em.local('count', 'i32');
  em.set(count, i32(0));
  if (!present(k, maxOut)) {
    // No max_output_boxes_per_class: no box is selected.
    k.setCount(op, get(count));
    return;
  }
  const me = elem(k, maxOut.type.dtype);
  if (!me || (me.t !== 'i64' && me.t !== 'i32')) k.fail(op, `non_max_suppression: max_output_boxes_per_class of ${maxOut.type.dtype} is not supported`);
  const m64 = em.local('max64', 'i64'), mo = em.local('max', 'i32');
  const raw = me.load(k.ptr(maxOut));
  em.set(m64, guarded(k, maxOut, 'i64', me.t === 'i64' ? raw : `(i64.extend_i32_s ${raw})`, '(i64.const 0)'));
  // Clamped to [0, boxes]: the bound of the count is batches * classes * min(max, boxes).
  em.set(mo, `(if (result i32) (i64.le_s ${get(m64)} (i64.const 0)) (then (i32.const 0)) (else (if (result i32) (i64.gt_s ${get(m64)} (i64.extend_i32_u ${nN})) (then ${nN}) (else (i32.wrap_i64 ${get(m64)})))))`);
  const iou = em.local('iou', 'f64');
  em.set(iou, present(k, iouV) ? guarded(k, iouV, 'f64', floatAt(k, op, iouV)(i32(0)), '(f64.const 0)') : '(f64.const 0)');
  let pass: (s: string) => string = () => i32(1);
  if (present(k, scoreV)) {
    const st = em.local('score_thr', 'f64'), has = em.local('has_thr', 'i32');
    const n = k.size(k.dims(scoreV));
    em.set(has, n === i32(1) ? i32(1) : `(i32.gt_s ${n} (i32.const 0))`);
    em.set(st, guarded(k, scoreV, 'f64', floatAt(k, op, scoreV)(i32(0)), '(f64.const 0)'));
    pass = (s) => `(i32.or (i32.eqz ${get(has)}) (f64.gt ${s} ${get(st)}))`;
  }
  const start = em.local('start', 'i32'), sbase = em.local('sbase', 'i32'), bbase = em.local('bbase', 'i32');
  const sup = em.local('sup', 'i32'), r = em.local('r', 'i32'), kb = em.local('kb', 'i32');
  const b = em.local('b', 'i32'), c = em.local('c', 'i32');
  const scoreOf = (i: string): string => score(add(get(sbase), i));
  /** The ordering key of a score: NaN ranks lowest. */
  const key = (s: string): string => `(select ${s} (f64.const -inf) (f64.eq ${s} ${s}))`;
  const coords = (i: string): string => [0, 1, 2, 3].map((q) => box(add(mul(add(get(bbase), i), i32(4)), i32(q)))).join(' ');
  const overlap = overlapFunc(k, center);
  /** Keep box i unless a box kept before in this class (output rows start..count) suppresses it. */
  const consider = (i: string): void => {
    em.set(sup, i32(0));
    em.set(r, get(start));
    whileLoop(em, `(i32.and ${lt(get(r), get(count))} (i32.eqz ${get(sup)}))`, () => {
      em.set(kb, `(i32.wrap_i64 (i64.load ${i64At(po, add(mul(get(r), i32(3)), i32(2)))}))`);
      em.set(sup, `(call ${overlap} ${coords(i)} ${coords(get(kb))} ${get(iou)})`);
      inc(em, r);
    });
    em.when(`(i32.eqz ${get(sup)})`, () => {
      const row = mul(get(count), i32(3));
      em.line(storeI64(po, row, get(b)));
      em.line(storeI64(po, add(row, i32(1)), get(c)));
      em.line(storeI64(po, add(row, i32(2)), i));
      inc(em, count);
    });
  };
  const room = lt(`(i32.sub ${get(count)} ${get(start)})`, get(mo));
  const nStatic = bd[1];
  // Candidates merge-sorted in scratch (static box count), or selected one by one by a scan.
  const sp = typeof nStatic === 'number' ? k.scratch(8 * Math.max(1, nStatic)) : '';
  const nc = em.local('ncand', 'i32'), done = em.local('done', 'i32'), prev = em.local('prev', 'i32'), best = em.local('best', 'i32');
  const ps = em.local('prev_key', 'f64'), bs = em.local('best_key', 'f64'), s = em.local('key', 'f64');
  em.forRange(b, i32(0), nB, 1, () => em.forRange(c, i32(0), nC, 1, () => {
    em.set(start, get(count));
    em.set(bbase, mul(get(b), nN));
    em.set(sbase, mul(add(mul(get(b), nC), get(c)), nN));
    if (typeof nStatic === 'number') {
      const cand = sp, tmp = add(sp, i32(4 * nStatic));
      em.set(nc, i32(0));
      em.loop('i', nN, (i) => em.when(pass(scoreOf(i)), () => {
        em.line(`(i32.store ${addr(cand, get(nc), 4)} ${i})`);
        inc(em, nc);
      }));
      // Stable: equal keys keep the lower box index first.
      mergeSort(em, cand, tmp, get(nc), (x, y) => `(f64.gt ${key(scoreOf(y))} ${key(scoreOf(x))})`);
      em.loop('t', get(nc), (t) => em.when(room, () => consider(`(i32.load ${addr(cand, t, 4)})`)));
    } else {
      em.set(prev, i32(-1));
      em.set(done, i32(0));
      em.loop('t', nN, () => em.when(`(i32.and ${room} (i32.eqz ${get(done)}))`, () => {
        // The next candidate after prev in (key descending, index ascending) order.
        em.set(best, i32(-1));
        em.loop('i', nN, (i) => em.when(pass(scoreOf(i)), () => {
          em.set(s, key(scoreOf(i)));
          const after = `(i32.or ${lt(get(prev), i32(0))} (i32.or (f64.lt ${get(s)} ${get(ps)}) (i32.and (f64.eq ${get(s)} ${get(ps)}) (i32.gt_s ${i} ${get(prev)}))))`;
          const beats = `(i32.or ${lt(get(best), i32(0))} (f64.gt ${get(s)} ${get(bs)}))`;
          em.when(`(i32.and ${after} ${beats})`, () => { em.set(best, i); em.set(bs, get(s)); });
        }));
        em.when(`(i32.ge_s ${get(best)} (i32.const 0))`, () => {
          consider(get(best));
          em.set(prev, get(best));
          em.set(ps, get(bs));
        });
        em.when(lt(get(best), i32(0)), () => em.set(done, i32(1)));
      }));
    }
  }));
  k.setCount(op, get(count));
}

export const DATA_SIZED_B_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['unique', { emit: emitUnique }],
  ['non_max_suppression', { emit: emitNms }],
];
