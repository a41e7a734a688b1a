// fast-check vs the interpreter for the kernels of kernels/ext-odds.ts: f64 exp/log/tanh/sigmoid/
// softplus (a few ulp of JS Math), pow on f64/i32/i64 bases (integer semantics: wrap, negative
// exponents, truncation of float powers), and reductions over run-time axes on f64/int/bool.
//
// lower.ts sends run-time-axes reductions to reduce-dynamic.ts's kernel without asking the kernel
// table; until it asks the table, the mock below puts the ext-odds dispatcher in that slot.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { interpText, runWasm } from './helpers.js';

const dim = fc.constantFrom(1, 2, 3, 5, 7);
const ty = (dt: string, s: readonly number[]): string => `${dt}[${s.join(',')}]`;
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Distance in units of the last place of `want` (0 for equal values, both NaN, same infinities). */
function ulps(got: number, want: number): number {
  if (got === want || (Number.isNaN(got) && Number.isNaN(want))) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(want)) return Infinity;
  const e = Math.max(Math.floor(Math.log2(Math.abs(want))), -1022);
  return Math.abs(got - want) / 2 ** (e - 52);
}

function module1(op: string, inTypes: readonly string[], outType: string, attrs = ''): string {
  const params = inTypes.map((t, i) => `%x${i}: ${t}`).join(', ');
  return ['module @m {', `  func @main(${params}) -> (%y: ${outType}) {`,
    `    %y = ${op}(${inTypes.map((_t, i) => `%x${i}`).join(', ')})${attrs} : ${outType}`, '    return %y', '  }', '}'].join('\n');
}

const f64s = (vals: readonly number[], shape: readonly number[]): Tensor => tensorFrom('f64', shape, Array.from({ length: numel(shape) }, (_v, i) => vals[i % vals.length]!));

describe('wasm f64 transcendentals vs interpreter (fast-check)', () => {
  it('exp, log, tanh, sigmoid, softplus within 4 ulp, edge values exact', async () => {
    const val = fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: -800, max: 800, noNaN: true }), fc.double({ min: -1e-6, max: 1e-6, noNaN: true }),
      fc.constantFrom(0, -0, 1, -1, Infinity, -Infinity, NaN, 5e-324, 1e-310, 709.78, -745, 0.3465, 20.5, Number.MAX_VALUE));
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.constantFrom('exp', 'log', 'tanh', 'sigmoid', 'softplus'), fc.array(val, { minLength: 1, maxLength: 40 }), async (shape, op, vals) => {
      const t = ty('f64', shape), ins = [f64s(op === 'log' ? vals.map(Math.abs) : vals, shape)];
      const text = module1(op, [t], t);
      const got = (await runWasm(text, ins, ''))[0]!.data as Float64Array, want = interpText(text, ins)[0]!.data as Float64Array;
      want.forEach((w, i) => { if (ulps(got[i]!, w) > 4) expect.fail(`${op}(${(ins[0]!.data as Float64Array)[i]}) = ${got[i]}, want ${w}`); });
    }), { numRuns: 60, seed: 7 });
  });
});

describe('wasm pow on f64 and integer bases vs interpreter (fast-check)', () => {
  const intVal = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -40, max: 40 }), fc.constantFrom(-2147483648, 2147483647, 65536));
  it('i32/i64 bases with i32/i64 exponents: wrap, negative exponents give trunc(1/x^|y|)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.constantFrom('i32', 'i64'), fc.constantFrom('i32', 'i64'), fc.array(intVal, { minLength: 1, maxLength: 20 }), fc.array(intVal, { minLength: 1, maxLength: 20 }),
      async (shape, bcast, bt, et, xs, ys) => {
        const es = bcast ? shape.map((d, i) => (i === shape.length - 1 ? d : 1)) : shape;
        const mk = (dt: string, s: readonly number[], v: readonly number[]): Tensor => tensorFrom(dt as Tensor['dtype'], s, Array.from({ length: numel(s) }, (_x, i) => (dt === 'i64' ? BigInt(v[i % v.length]!) : v[i % v.length]!)));
        const ins = [mk(bt, shape, xs), mk(et, es, ys)];
        const text = module1('pow', [ty(bt, shape), ty(et, es)], ty(bt, shape));
        const got = (await runWasm(text, ins, ''))[0]!, want = interpText(text, ins)[0]!;
        expect(got.shape).toEqual(want.shape);
        expect(Array.from(got.data as ArrayLike<number>)).toEqual(Array.from(want.data as ArrayLike<number>));
      }), { numRuns: 60, seed: 11 });
  });

  it('integer bases with f32 exponents truncate; f64 bases within 64 ulp (exp/log path) or exact (integer exponents)', async () => {
    const fexp = fc.oneof(fc.integer({ min: -6, max: 12 }), fc.constantFrom(0.5, -0.5, 1.5, 2.25, Infinity, -Infinity, NaN));
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.constantFrom('i32', 'i64', 'f64'), fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1, maxLength: 20 }), fc.array(fexp, { minLength: 1, maxLength: 20 }),
      async (shape, bt, xs, ys) => {
        const n = numel(shape);
        const ins = [tensorFrom(bt as Tensor['dtype'], shape, Array.from({ length: n }, (_x, i) => (bt === 'i64' ? BigInt(xs[i % xs.length]!) : bt === 'f64' ? xs[i % xs.length]! * 0.75 : xs[i % xs.length]!))),
          tensorFrom('f32', shape, Array.from({ length: n }, (_x, i) => ys[i % ys.length]!))];
        const text = module1('pow', [ty(bt, shape), ty('f32', shape)], ty(bt, shape));
        const got = Array.from((await runWasm(text, ins, ''))[0]!.data as ArrayLike<number | bigint>, Number);
        const want = Array.from(interpText(text, ins)[0]!.data as ArrayLike<number | bigint>, Number);
        if (bt !== 'f64') expect(got).toEqual(want);
        else want.forEach((w, i) => { if (ulps(got[i]!, w) > 64) expect.fail(`pow element ${i}: got ${got[i]}, want ${w}`); });
      }), { numRuns: 60, seed: 13 });
  });
});

function reduceModel(op: string, dt: string, shape: readonly number[], nAxes: number, keepdims: number) {
  const bytes = buildModel({
    opset: 18,
    inputs: [{ name: 'x', dtype: dt as Tensor['dtype'], shape }, { name: 'axes', dtype: 'i64', shape: [nAxes] }],
    outputs: [{ name: 'y', dtype: dt as Tensor['dtype'], shape: null }],
    nodes: [{ opType: op, inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims } }],
  });
  return () => importOnnxBytes(bytes, { file: 'reduce.onnx', baseDir: '.' });
}

describe('wasm reductions over run-time axes on f64, integers and bool vs interpreter (fast-check)', () => {
  const F64_OPS = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum', 'ReduceLogSumExp'];
  const INT_OPS = ['ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceSumSquare'];
  it('one artifact, two axes lists each', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.constantFrom('f64', 'i32', 'i64', 'bool', 'u8'), fc.nat(20), fc.nat(1), fc.integer({ min: 1, max: 2 }),
      fc.array(fc.integer({ min: -3, max: 2 }), { minLength: 4, maxLength: 4 }), fc.integer(),
      async (shape, dt, opPick, keep, n0, raw, seed) => {
        const ops = dt === 'f64' ? F64_OPS : dt === 'bool' ? ['ReduceMax', 'ReduceMin'] : INT_OPS;
        const op = ops[opPick % ops.length]!, r = shape.length, n = Math.min(n0, r);
        const load = reduceModel(op, dt, shape, n, keep);
        const c = await compileWasm(load(), { passes: 'fuse' });
        const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
        let s = seed >>> 0 || 1;
        const next = (): number => { s = (s * 1103515245 + 12345) >>> 0; return s / 2 ** 32; };
        const vals = Array.from({ length: numel(shape) }, () => next());
        const x = tensorFrom(dt as Tensor['dtype'], shape, vals.map((u) => dt === 'f64' ? u * 4 - 1 : dt === 'bool' ? (u < 0.5 ? 0 : 1) : dt === 'u8' ? Math.floor(u * 256) : dt === 'i64' ? BigInt(Math.floor(u * 2000) - 1000) : Math.floor(u * 2000) - 1000));
        for (const pair of [raw.slice(0, 2), raw.slice(2)]) {
          const picked: number[] = [];
          for (const a of [...pair, 0, 1, 2]) if (picked.length < n && !picked.includes(((a % r) + r) % r)) picked.push(((a % r) + r) % r);
          const axes = tensorFrom('i64', [n], picked.map(BigInt));
          const out = await cm.run({ x: { data: x.data as RunTensor['data'], dims: shape }, axes: { data: axes.data as RunTensor['data'], dims: [n] } });
          const got = out[c.manifest.outputs[0]!.name]!, want = interpret(load(), [x, axes])[0]!;
          expect([...got.dims]).toEqual(want.shape);
          const g = Array.from(got.data as ArrayLike<number | bigint>, Number), w = Array.from(want.data as ArrayLike<number | bigint>, Number);
          if (dt !== 'f64') expect(g).toEqual(w);
          else w.forEach((v, i) => { if (ulps(g[i]!, v) > 16 && Math.abs(g[i]! - v) > 1e-14) expect.fail(`${op} element ${i}: got ${g[i]}, want ${v}`); });
        }
      }), { numRuns: 40, seed: 17 });
  });
});

describe('wasm resize cubic / linear over 4 axes / tf_crop_and_resize / antialias vs interpreter (fast-check)', () => {
  it('constant scales or sizes, any coordinate transform, cubic_coeff_a, exclude_outside, antialias', async () => {
    const scaleArb = fc.constantFrom(0.5, 0.75, 1, 1.5, 2, 3);
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 4 }), fc.array(scaleArb, { minLength: 4, maxLength: 4 }), fc.constantFrom('cubic', 'linear'),
      fc.constantFrom('half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'), fc.boolean(), fc.constantFrom(-0.75, -0.5), fc.boolean(), fc.boolean(), fc.integer(),
      async (shape, sc, mode, ctm, exclude, a, bySizes, antialias, seed) => {
        // Scales exact in f32; one that would empty an axis is 1.
        const r = shape.length, scales = sc.slice(0, r).map((v, i) => (Math.floor(shape[i]! * v) === 0 ? 1 : v));
        const outShape = shape.map((d, i) => Math.floor(d * scales[i]!));
        const roi = ctm === 'tf_crop_and_resize' ? [...shape.map(() => 0.1), ...shape.map(() => 0.8)] : undefined;
        const consts = [
          roi ? `    %roi = const {value = dense<[${roi}]> : f32[${2 * r}]} : f32[${2 * r}]` : '',
          bySizes ? `    %sz = const {value = dense<[${outShape}]> : i64[${r}]} : i64[${r}]` : `    %sc = const {value = dense<[${scales}]> : f32[${r}]} : f32[${r}]`,
        ].filter((l) => l);
        const ops = `${roi ? '%roi' : 'none'}, ${bySizes ? 'none, %sz' : '%sc'}`;
        const attrs = `{mode = "${mode}", coordinate_transformation_mode = "${ctm}", cubic_coeff_a = ${a}, exclude_outside = ${exclude ? 1 : 0}, antialias = ${antialias ? 1 : 0}, extrapolation_value = 7.5}`;
        const text = ['module @m {', `  func @main(%x: ${ty('f32', shape)}) -> (%y: ${ty('f32', outShape)}) {`, ...consts,
          `    %y = resize(%x, ${ops}) ${attrs} : ${ty('f32', outShape)}`, '    return %y', '  }', '}'].join('\n');
        let s = seed >>> 0 || 1;
        const ins = [tensorFrom('f32', shape, Array.from({ length: numel(shape) }, () => { s = (s * 1103515245 + 12345) >>> 0; return s / 2 ** 31 - 1; }))];
        const got = (await runWasm(text, ins, ''))[0]!, want = interpText(text, ins)[0]!;
        expect(got.shape).toEqual(want.shape);
        const g = got.data as Float32Array, w = want.data as Float32Array;
        w.forEach((v, i) => { if (!(Math.abs(g[i]! - v) <= 1e-6 + 1e-6 * Math.abs(v))) expect.fail(`element ${i}: got ${g[i]}, want ${v}\n${text}`); });
      }), { numRuns: 120, seed: 19 });
  });
});

describe('wasm batch_normalization in training mode vs interpreter (fast-check)', () => {
  it('y and running mean/var on f32 and f64, N and spatial dims incl. 1 and primes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 2, maxLength: 4 }), fc.constantFrom('f32', 'f64'), fc.constantFrom(0.9, 0.5), fc.constantFrom(1e-5, 1e-2), fc.integer(),
      async (shape, dt, mom, eps, seed) => {
        const C = shape[1]!, pt = ty(dt, [C]);
        const text = ['module @m {', `  func @main(%x: ${ty(dt, shape)}, %s: ${pt}, %b: ${pt}, %mu: ${pt}, %va: ${pt}) -> (%y: ${ty(dt, shape)}, %rm: ${pt}, %rv: ${pt}) {`,
          `    %y, %rm, %rv = batch_normalization(%x, %s, %b, %mu, %va) {training_mode = 1, momentum = ${mom}, epsilon = ${eps}} : (${ty(dt, shape)}, ${pt}, ${pt})`,
          '    return %y, %rm, %rv', '  }', '}'].join('\n');
        let s = seed >>> 0 || 1;
        const rnd = (n: number, lo: number): number[] => Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) >>> 0; return lo + (s / 2 ** 32) * 2; });
        const ins = [tensorFrom(dt as Tensor['dtype'], shape, rnd(numel(shape), -1)), ...[-1, -1, -1, 0.1].map((lo) => tensorFrom(dt as Tensor['dtype'], [C], rnd(C, lo)))];
        const got = await runWasm(text, ins, ''), want = interpText(text, ins);
        want.forEach((w, j) => {
          expect(got[j]!.shape).toEqual(w.shape);
          const g = got[j]!.data as Float64Array;
          // f32 outputs: the same f64 value rounded once; f64: the same operations in the same order.
          (w.data as Float64Array).forEach((v, i) => { if (!(Math.abs(g[i]! - v) <= (dt === 'f32' ? 1e-6 : 1e-12) * (1 + Math.abs(v)))) expect.fail(`output ${j} element ${i}: got ${g[i]}, want ${v}`); });
        });
      }), { numRuns: 40, seed: 23 });
  });
});
