// fast-check: Softmax/LogSoftmax on any axis, AveragePool with every attribute, GlobalMaxPool,
// Pad (constant/reflect/edge/wrap, negative pads), Tile: the wasm backend against the interpreter.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inferOp } from '../../../ir/infer.js';
import { parseModule } from '../../../ir/parser.js';
import { formatType } from '../../../ir/types.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { expectClose, interpText, runWasm } from './helpers.js';

const dim = fc.constantFrom(1, 2, 3, 5, 7);

function randT(dtype: string, shape: readonly number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const vals: (number | bigint)[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const u = (s >>> 8) / 2 ** 24;
    vals.push(dtype === 'i64' ? BigInt(Math.floor(u * 100) - 50) : dtype === 'f32' ? u * 8 - 4 : Math.floor(u * 100) - 50);
  }
  return tensorFrom(dtype as Tensor['dtype'], shape, vals);
}

/** Module text for one op, its result type taken from the op's own shape rule (through a first parse with a placeholder). */
function oneOp(inType: string, body: (x: string) => string[], resultOf: string): string {
  const draft = (rt: string): string => `module @m {\n  func @main(%x: ${inType}) -> (%y: ${rt}) {\n${body(rt).map((l) => `    ${l}`).join('\n')}\n    return %y\n  }\n}`;
  const m = parseModule(draft(resultOf), { file: 'draft.ir' });
  const op = m.main.body.ops.find((o) => o.results[0]?.name === 'y')!;
  const t = inferOp(op, m)[0]!;
  return draft(formatType(t));
}

const ty = (dt: string, s: readonly number[]): string => `${dt}[${s.join(',')}]`;

describe('wasm layout and pooling kernels vs interpreter (fast-check)', () => {
  it('softmax and log_softmax along any axis (legacy_flatten too)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 4 }), fc.nat(), fc.constantFrom('softmax', 'log_softmax'), fc.boolean(), fc.nat(1), fc.integer(), async (shape, ax, op, neg, lf, seed) => {
      const axis = (ax % shape.length) - (neg ? shape.length : 0);
      const t = ty('f32', shape);
      const text = `module @m {\n  func @main(%x: ${t}) -> (%y: ${t}) {\n    %y = ${op}(%x) {axis = ${axis}, legacy_flatten = ${lf}} : ${t}\n    return %y\n  }\n}`;
      const ins = [randT('f32', shape, seed)];
      expectClose(await runWasm(text, ins, ''), interpText(text, ins), 1e-4, 1e-5);
    }), { numRuns: 50 });
  });

  it('average_pool: kernel, strides, dilations, pads, ceil_mode, count_include_pad (1-D and 2-D); global_max_pool', async () => {
    await fc.assert(fc.asyncProperty(
      fc.boolean(), fc.constantFrom(3, 5, 8, 11), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2),
      fc.array(fc.nat(1), { minLength: 4, maxLength: 4 }), fc.nat(1), fc.nat(1), fc.integer(),
      async (oneD, S, kh, kw, st, dl, pads, ceil, cip, seed) => {
        const sp = oneD ? [S] : [S, S - 1];
        const ks = oneD ? [kh] : [kh, kw];
        const ps = oneD ? [pads[0]!, pads[1]!] : pads;
        if (ks.some((kk, i) => ps[i]! >= kk || ps[i + ks.length]! >= kk)) return;
        const attrs = `{kernel_shape = [${ks}], strides = [${ks.map(() => st)}], dilations = [${ks.map(() => dl)}], pads = [${ps}], ceil_mode = ${ceil}, count_include_pad = ${cip}}`;
        const shape = [2, 3, ...sp];
        if (ks.some((kk, i) => (kk - 1) * dl + 1 > sp[i]! + ps[i]! + ps[i + ks.length]!)) return;
        const text = oneOp(ty('f32', shape), (rt) => [`%y = average_pool(%x) ${attrs} : ${rt}`], ty('f32', shape));
        const ins = [randT('f32', shape, seed)];
        expectClose(await runWasm(text, ins, ''), interpText(text, ins));
        const g = `module @m {\n  func @main(%x: ${ty('f32', shape)}) -> (%y: ${ty('f32', [2, 3, ...sp.map(() => 1)])}) {\n    %y = global_max_pool(%x) : ${ty('f32', [2, 3, ...sp.map(() => 1)])}\n    return %y\n  }\n}`;
        expectClose(await runWasm(g, ins, ''), interpText(g, ins));
      }), { numRuns: 60 });
  });

  it('pad: constant (attr value or operand), reflect, edge, wrap, negative pads, axes; any dtype', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(2, 3, 5), { minLength: 1, maxLength: 3 }), fc.constantFrom('constant', 'reflect', 'edge', 'wrap'), fc.constantFrom('f32', 'i64', 'i32', 'u8'),
      fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 6, maxLength: 6 }), fc.boolean(), fc.integer(),
      async (shape, mode, dt, raw, useAxes, seed) => {
        const r = shape.length;
        const axes = useAxes ? [r - 1] : shape.map((_d, i) => i);
        const pads = [...axes.map((_a, i) => raw[i]!), ...axes.map((_a, i) => raw[i + 3]!)];
        const cv = dt === 'i64' ? 'dense<7> : i64[]' : dt === 'f32' ? 'dense<1.5> : f32[]' : `dense<7> : ${dt}[]`;
        const body = (rt: string): string[] => [
          `%p = const {value = dense<[${pads}]> : i64[${pads.length}]} : i64[${pads.length}]`,
          `%c = const {value = ${cv}} : ${dt}[]`,
          ...(useAxes ? [`%a = const {value = dense<[${axes}]> : i64[${axes.length}]} : i64[${axes.length}]`] : []),
          `%y = pad(%x, %p, %c${useAxes ? ', %a' : ''}) {mode = "${mode}"} : ${rt}`,
        ];
        const text = oneOp(ty(dt, shape), body, ty(dt, shape));
        const ins = [randT(dt, shape, seed)];
        const got = await runWasm(text, ins, ''), want = interpText(text, ins);
        expect(got[0]!.shape).toEqual(want[0]!.shape);
        expect(Array.from(got[0]!.data as ArrayLike<number>)).toEqual(Array.from(want[0]!.data as ArrayLike<number>));
      }), { numRuns: 80 });
  });

  it('tile with constant repeats on f32 and i64', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom(1, 2, 3), { minLength: 3, maxLength: 3 }), fc.constantFrom('f32', 'i64'), fc.integer(), async (shape, rep0, dt, seed) => {
      const rep = rep0.slice(0, shape.length);
      const body = (rt: string): string[] => [`%r = const {value = dense<[${rep}]> : i64[${rep.length}]} : i64[${rep.length}]`, `%y = tile(%x, %r) : ${rt}`];
      const text = oneOp(ty(dt, shape), body, ty(dt, shape));
      const ins = [randT(dt, shape, seed)];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expect(got[0]!.shape).toEqual(want[0]!.shape);
      expect(Array.from(got[0]!.data as ArrayLike<number>)).toEqual(Array.from(want[0]!.data as ArrayLike<number>));
    }), { numRuns: 30 });
  });
});

describe('wasm reductions added for coverage vs interpreter (fast-check)', () => {
  it('reduce_log_sum_exp and reduce_log_sum over random constant axes, keepdims 0/1', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.nat(1), fc.constantFrom('reduce_log_sum_exp', 'reduce_log_sum'), fc.integer(), async (shape, pick, keep, op, seed) => {
      const axes = shape.map((_d, i) => i).filter((i) => pick[i]);
      const axesDecl = axes.length ? [`%a = const {value = dense<[${axes}]> : i64[${axes.length}]} : i64[${axes.length}]`] : [];
      const src = op === 'reduce_log_sum' ? '%x2' : '%x';
      const body = (rt: string): string[] => [...axesDecl, '%x2 = abs(%x) : ' + ty('f32', shape), `%y = ${op}(${src}${axes.length ? ', %a' : ''}) {keepdims = ${keep}} : ${rt}`];
      const text = oneOp(ty('f32', shape), body, ty('f32', shape));
      const ins = [randT('f32', shape, seed)];
      expectClose(await runWasm(text, ins, ''), interpText(text, ins), 1e-4, 1e-5);
    }), { numRuns: 40 });
  });

  it('arg_max / arg_min on f32, i32 and i64 with ties (select_last_index 0/1), keepdims 0/1', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom('arg_max', 'arg_min'), fc.constantFrom('f32', 'i32', 'i64'), fc.nat(1), fc.nat(1), fc.integer(), async (shape, ax, op, dt, keep, last, seed) => {
      const axis = ax % shape.length;
      const body = (rt: string): string[] => [`%y = ${op}(%x) {axis = ${axis}, keepdims = ${keep}, select_last_index = ${last}} : ${rt}`];
      const text = oneOp(ty(dt, shape), body, ty('i64', shape));
      // Few distinct values, so ties are common.
      const base = randT('i32', shape, seed);
      const ins = [tensorFrom(dt as Tensor['dtype'], shape, Array.from(base.data as Int32Array, (v) => (dt === 'i64' ? BigInt(v % 3) : (v % 3))))];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expect(got[0]!.shape).toEqual(want[0]!.shape);
      expect(Array.from(got[0]!.data as BigInt64Array)).toEqual(Array.from(want[0]!.data as BigInt64Array));
    }), { numRuns: 50 });
  });
});

describe('wasm resize vs interpreter (fast-check)', () => {
  it('resize nearest (all nearest modes, f32 and i64) and linear on NCHW with scales or sizes, every supported coordinate transform', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('nearest', 'linear'), fc.constantFrom('half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'),
      fc.constantFrom('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'), fc.constantFrom(1, 2, 3, 5), fc.constantFrom(1, 3, 4),
      fc.constantFrom([2, 2], [0.5, 0.5], [3, 1.5], [1, 2], [0.6, 2.5]), fc.boolean(), fc.constantFrom('f32', 'i64'), fc.integer(),
      async (mode, ctm, nm, H, W, [sh, sw], useSizes, dt0, seed) => {
        const dt = mode === 'linear' ? 'f32' : dt0;
        if (ctm === 'tf_half_pixel_for_nn' && mode === 'linear') return;
        const shape = [2, 3, H, W];
        const oh = Math.floor(H * sh!), ow = Math.floor(W * sw!);
        if (oh === 0 || ow === 0) return;
        const op = useSizes
          ? [`%s = const {value = dense<[2, 3, ${oh}, ${ow}]> : i64[4]} : i64[4]`, 'RESIZE(%x, none, none, %s)']
          : [`%s = const {value = dense<[1, 1, ${sh}, ${sw}]> : f32[4]} : f32[4]`, 'RESIZE(%x, none, %s)'];
        const body = (rt: string): string[] => [op[0]!, `%y = ${op[1]!.replace('RESIZE', 'resize')} {mode = "${mode}", coordinate_transformation_mode = "${ctm}", nearest_mode = "${nm}"} : ${rt}`];
        const text = oneOp(ty(dt, shape), body, ty(dt, shape));
        const ins = [randT(dt, shape, seed)];
        const got = await runWasm(text, ins, ''), want = interpText(text, ins);
        if (dt === 'f32') expectClose(got, want);
        else expect(Array.from(got[0]!.data as BigInt64Array)).toEqual(Array.from(want[0]!.data as BigInt64Array));
      }), { numRuns: 150 });
  });
});

describe('wasm split vs interpreter (fast-check)', () => {
  it('split on any axis into equal parts (num_outputs) or constant sizes, f32 and i64', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom(2, 3), fc.boolean(), fc.constantFrom('f32', 'i64'), fc.integer(), async (shape0, ax, n, sized, dt, seed) => {
      const axis = ax % shape0.length;
      const shape = shape0.map((d, i) => (i === axis ? d + n : d));
      const L = shape[axis]!;
      const sizes = sized ? [1, ...Array(n - 2).fill(1), L - (n - 1)] : [];
      const parts = sized ? sizes : Array.from({ length: n }, (_, i) => Math.ceil(L / n) * (i + 1) <= L ? Math.ceil(L / n) : Math.max(0, L - Math.ceil(L / n) * i));
      if (parts.some((p) => p <= 0)) return;
      const outs = parts.map((_p, i) => `%y${i}`);
      const types = parts.map((p) => ty(dt, shape.map((d, i) => (i === axis ? p : d))));
      const split = sized ? [`    %s = const {value = dense<[${sizes}]> : i64[${n}]} : i64[${n}]`] : [];
      const text = [
        'module @m {',
        `  func @main(%x: ${ty(dt, shape)}) -> (${outs.map((o, i) => `${o}: ${types[i]}`).join(', ')}) {`,
        ...split,
        `    ${outs.join(', ')} = split(%x${sized ? ', %s' : ''}) {axis = ${axis}${sized ? '' : `, num_outputs = ${n}`}} : (${types.join(', ')})`,
        `    return ${outs.join(', ')}`,
        '  }',
        '}',
      ].join('\n');
      const ins = [randT(dt, shape, seed)];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
      got.forEach((g, i) => expect(Array.from(g.data as ArrayLike<number>)).toEqual(Array.from(want[i]!.data as ArrayLike<number>)));
    }), { numRuns: 40 });
  });
});

describe('wasm 1-D max_pool vs interpreter (fast-check)', () => {
  it('max_pool over [N, C, L] with pads, strides, dilations, ceil_mode', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(3, 5, 8, 11), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.nat(1), fc.nat(1), fc.nat(1), fc.integer(), async (L, kk, st, dl, p0, p1, ceil, seed) => {
      if (p0 >= kk || p1 >= kk || (kk - 1) * dl + 1 > L + p0 + p1) return;
      const shape = [2, 3, L];
      const attrs = `{kernel_shape = [${kk}], strides = [${st}], dilations = [${dl}], pads = [${p0}, ${p1}], ceil_mode = ${ceil}}`;
      const text = oneOp(ty('f32', shape), (rt) => [`%y = max_pool(%x) ${attrs} : ${rt}`], ty('f32', shape));
      const ins = [randT('f32', shape, seed)];
      expectClose(await runWasm(text, ins, ''), interpText(text, ins));
    }), { numRuns: 40 });
  });
});

describe('wasm instance_normalization vs interpreter (fast-check)', () => {
  it('instance_normalization over 1-3 spatial dims with epsilon', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2), fc.constantFrom(1, 3, 4), fc.array(dim, { minLength: 1, maxLength: 3 }), fc.constantFrom(1e-5, 0.1), fc.integer(), async (N, C, sp, eps, seed) => {
      const shape = [N, C, ...sp];
      const text = `module @m {\n  func @main(%x: ${ty('f32', shape)}, %s: f32[${C}], %b: f32[${C}]) -> (%y: ${ty('f32', shape)}) {\n    %y = instance_normalization(%x, %s, %b) {epsilon = ${eps}} : ${ty('f32', shape)}\n    return %y\n  }\n}`;
      const ins = [randT('f32', shape, seed), randT('f32', [C], seed + 1), randT('f32', [C], seed + 2)];
      expectClose(await runWasm(text, ins, ''), interpText(text, ins), 1e-3, 1e-4);
    }), { numRuns: 40 });
  });
});

describe('wasm range and constant_of_shape vs interpreter (fast-check)', () => {
  it('range on f32, i32, i64 (not folded: no passes) and constant_of_shape', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('f32', 'i32', 'i64'), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, 2, -1, 3), fc.array(dim, { minLength: 1, maxLength: 3 }), async (dt, start, n, delta0, shape) => {
      const f = dt === 'f32';
      const delta = f ? delta0 * 0.3 : delta0;
      const limit = start + n * delta;
      const lit = (v: number): string => (f ? String(v) : String(Math.round(v)));
      const body = (rt: string): string[] => [
        `%a = const {value = dense<${lit(start)}> : ${dt}[]} : ${dt}[]`,
        `%b = const {value = dense<${lit(limit)}> : ${dt}[]} : ${dt}[]`,
        `%c = const {value = dense<${lit(delta)}> : ${dt}[]} : ${dt}[]`,
        `%y = range(%a, %b, %c) : ${rt}`,
      ];
      const text = oneOp(ty('f32', [1]), body, ty(dt, [n]));
      const ins = [randT('f32', [1], 1)];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expect(got[0]!.shape).toEqual(want[0]!.shape);
      expect(Array.from(got[0]!.data as ArrayLike<number>)).toEqual(Array.from(want[0]!.data as ArrayLike<number>));
      const cs = `module @m {\n  func @main(%x: f32[1]) -> (%y: ${ty(dt, shape)}) {\n    %s = const {value = dense<[${shape}]> : i64[${shape.length}]} : i64[${shape.length}]\n    %y = constant_of_shape(%s) {value = dense<[${lit(delta)}]> : ${dt}[1]} : ${ty(dt, shape)}\n    return %y\n  }\n}`;
      const g2 = await runWasm(cs, ins, ''), w2 = interpText(cs, ins);
      expect(Array.from(g2[0]!.data as ArrayLike<number>)).toEqual(Array.from(w2[0]!.data as ArrayLike<number>));
    }), { numRuns: 40 });
  });
});

describe('wasm cum_sum / cum_prod vs interpreter (fast-check)', () => {
  it('along any axis, exclusive and reverse, on f32, i32 and i64', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom('cum_sum', 'cum_prod'), fc.constantFrom('f32', 'i32', 'i64'), fc.nat(1), fc.nat(1), fc.integer(), async (shape, ax, op, dt, ex, rev, seed) => {
      const axis = ax % shape.length;
      const t = ty(dt, shape);
      const text = `module @m {\n  func @main(%x: ${t}) -> (%y: ${t}) {\n    %a = const {value = dense<${axis - shape.length}> : i64[]} : i64[]\n    %y = ${op}(%x, %a) {exclusive = ${ex}, reverse = ${rev}} : ${t}\n    return %y\n  }\n}`;
      const ins = [randT(dt, shape, seed)];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      if (dt === 'f32') expectClose(got, want, 1e-5, 1e-6);
      else expect(Array.from(got[0]!.data as ArrayLike<number>)).toEqual(Array.from(want[0]!.data as ArrayLike<number>));
    }), { numRuns: 50 });
  });
});

describe('wasm trilu, gather_elements, size, cast_like vs interpreter (fast-check)', () => {
  it('trilu upper/lower with constant k; gather_elements with negative indices on any axis; size; cast_like', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 2, maxLength: 3 }), fc.integer({ min: -3, max: 3 }), fc.nat(1), fc.nat(), fc.constantFrom('f32', 'i64'), fc.integer(), async (shape, kk, up, ax, dt, seed) => {
      const t = ty(dt, shape);
      const axis = ax % shape.length;
      const idxShape = shape.map((d, i) => (i === axis ? 1 + (seed >>> 0) % 4 : Math.max(1, d - 1)));
      const n = idxShape.reduce((a, b) => a * b, 1);
      const idx = Array.from({ length: n }, (_, i) => ((i * 7 + (seed >>> 0)) % (2 * shape[axis]!)) - shape[axis]!);
      const text = [
        'module @m {',
        `  func @main(%x: ${t}, %f: f32[1]) -> (%y: ${t}, %g: ${ty(dt, idxShape)}, %s: i64[], %c: ${ty('f32', shape)}) {`,
        '    %k = const {value = dense<' + kk + '> : i64[]} : i64[]',
        `    %y = trilu(%x, %k) {upper = ${up}} : ${t}`,
        `    %i = const {value = dense<[${idx}]> : i64[${n}]} : i64[${n}]`,
        `    %ir = reshape(%i, %is) : ${ty('i64', idxShape)}`,
        `    %is = const {value = dense<[${idxShape}]> : i64[${idxShape.length}]} : i64[${idxShape.length}]`,
        `    %g = gather_elements(%x, %ir) {axis = ${axis}} : ${ty(dt, idxShape)}`,
        '    %s = size(%x) : i64[]',
        `    %c = cast_like(%x, %f) : ${ty('f32', shape)}`,
        '    return %y, %g, %s, %c',
        '  }',
        '}',
      ].join('\n').replace(/(    %ir = .*\n)(    %is = .*\n)/, '$2$1');
      const ins = [randT(dt, shape, seed), randT('f32', [1], seed)];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
      got.forEach((g, i) => expect(Array.from(g.data as ArrayLike<number>)).toEqual(Array.from(want[i]!.data as ArrayLike<number>)));
    }), { numRuns: 50 });
  });
});

describe('wasm integer reductions vs interpreter (fast-check)', () => {
  it('reduce_sum/mean/max/min/prod on i32 and i64 over random constant axes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.nat(1), fc.constantFrom('reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod'), fc.constantFrom('i32', 'i64'), fc.integer(), async (shape, pick, keep, op, dt, seed) => {
      const axes = shape.map((_d, i) => i).filter((i) => pick[i]);
      const axesDecl = axes.length ? [`%a = const {value = dense<[${axes}]> : i64[${axes.length}]} : i64[${axes.length}]`] : [];
      const body = (rt: string): string[] => [...axesDecl, `%y = ${op}(%x${axes.length ? ', %a' : ''}) {keepdims = ${keep}} : ${rt}`];
      const text = oneOp(ty(dt, shape), body, ty(dt, shape));
      const base = randT('i32', shape, seed);
      const ins = [tensorFrom(dt as Tensor['dtype'], shape, Array.from(base.data as Int32Array, (v) => (dt === 'i64' ? BigInt(v % 7) : v % 7)))];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expect(got[0]!.shape).toEqual(want[0]!.shape);
      expect(Array.from(got[0]!.data as ArrayLike<number>)).toEqual(Array.from(want[0]!.data as ArrayLike<number>));
    }), { numRuns: 60 });
  });
});

describe('wasm depth_to_space / space_to_depth vs interpreter (fast-check)', () => {
  it('DCR and CRD, blocksize 1-3, f32 and i64, round trip shapes', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.constantFrom(1, 2, 5), fc.constantFrom('DCR', 'CRD'), fc.constantFrom('f32', 'i64'), fc.integer(), async (b, N, C, HW, mode, dt, seed) => {
      const shape = [N, C * b * b, HW, HW + 1];
      const body = (rt: string): string[] => [`%d = depth_to_space(%x) {blocksize = ${b}, mode = "${mode}"} : ${ty(dt, [N, C, HW * b, (HW + 1) * b])}`, `%y = space_to_depth(%d) {blocksize = ${b}} : ${rt}`];
      const text = oneOp(ty(dt, shape), body, ty(dt, shape)).replace('return %y', 'return %y, %d').replace(/-> \((%y: [^)]*)\)/, `-> ($1, %d: ${ty(dt, [N, C, HW * b, (HW + 1) * b])})`);
      const ins = [randT(dt, shape, seed)];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
      got.forEach((g, i) => expect(Array.from(g.data as ArrayLike<number>)).toEqual(Array.from(want[i]!.data as ArrayLike<number>)));
    }), { numRuns: 40 });
  });
});

describe('wasm layer_normalization (all outputs, broadcast params) and rms_normalization vs interpreter (fast-check)', () => {
  it('any axis, Mean/InvStdDev outputs, scale/bias broadcasting to the normalised dims', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.boolean(), fc.boolean(), fc.integer(), async (shape, ax, rms, bcast, seed) => {
      const axis = ax % shape.length;
      const norm = shape.slice(axis);
      const pShape = bcast ? norm.map((d, i) => (i === 0 ? 1 : d)) : norm;
      const t = ty('f32', shape), st = ty('f32', shape.map((d, i) => (i < axis ? d : 1)));
      const op = rms
        ? `    %y = rms_normalization(%x, %s) {axis = ${axis}, epsilon = 0.01} : ${t}`
        : `    %y, %m, %v = layer_normalization(%x, %s, %b) {axis = ${axis - shape.length}, epsilon = 0.01} : (${t}, ${st}, ${st})`;
      const outs = rms ? '%y' : '%y, %m, %v';
      const text = `module @m {\n  func @main(%x: ${t}, %s: ${ty('f32', pShape)}, %b: ${ty('f32', pShape)}) -> (${rms ? `%y: ${t}` : `%y: ${t}, %m: ${st}, %v: ${st}`}) {\n${op}\n    return ${outs}\n  }\n}`;
      const ins = [randT('f32', shape, seed), randT('f32', pShape, seed + 1), randT('f32', pShape, seed + 2)];
      expectClose(await runWasm(text, ins, ''), interpText(text, ins), 1e-4, 1e-5);
    }), { numRuns: 50 });
  });
});

describe('wasm conv_transpose vs interpreter (fast-check)', () => {
  it('1-D and 2-D with groups, strides, dilations, pads, output_padding and bias', async () => {
    await fc.assert(fc.asyncProperty(fc.boolean(), fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.nat(1), fc.nat(1), fc.boolean(), fc.integer(),
      async (oneD, group, cg, mg, kk, st, dl, pad, opad, bias, seed) => {
        if (opad >= st && opad >= dl) return;
        const sp = oneD ? [4] : [3, 5];
        const ks = sp.map(() => kk);
        const xs = [2, group * cg, ...sp], ws = [group * cg, mg, ...ks];
        const r = sp.length;
        const attrs = `{group = ${group}, strides = [${sp.map(() => st)}], dilations = [${sp.map(() => dl)}], pads = [${new Array(2 * r).fill(pad)}], output_padding = [${sp.map(() => opad)}]}`;
        const out = [2, group * mg, ...sp.map((n) => st * (n - 1) + opad + (kk - 1) * dl + 1 - 2 * pad)];
        if (out.some((d) => d <= 0)) return;
        const text = `module @m {\n  func @main(%x: ${ty('f32', xs)}, %w: ${ty('f32', ws)}, %b: f32[${group * mg}]) -> (%y: ${ty('f32', out)}) {\n    %y = conv_transpose(%x, %w${bias ? ', %b' : ''}) ${attrs} : ${ty('f32', out)}\n    return %y\n  }\n}`;
        const ins = [randT('f32', xs, seed), randT('f32', ws, seed + 1), randT('f32', [group * mg], seed + 2)];
        expectClose(await runWasm(text, ins, ''), interpText(text, ins), 1e-4, 1e-5);
      }), { numRuns: 50 });
  });
});
