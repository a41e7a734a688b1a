// Resize against onnxruntime-node on random shapes, scales (non-integral ones: 0.6, 1.7, 2.5, ...)
// and sizes, every coordinate transformation, every nearest_mode, linear and cubic, with and
// without `axes`, through the interpreter, WASM and WebGPU (each batch of cases is one model).
// Rules checked (ir/ops/shape-resize.ts): align_corners / pytorch_half_pixel divide by the integral
// output length; scale-1 axes (N and C, unlisted axes) are copied, also under tf_half_pixel_for_nn.
// tenth computes coordinates in f64, onnxruntime in f32: a nearest case where the two round to
// different indices (an exact tie in one of them), or where floor(in * scale) differs from
// onnxruntime's f32 product, is left out by emulating onnxruntime's f32 arithmetic below.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../ir/tensor.js';
import { tensorFrom } from '../../ir/tensor.js';
import { compareTensors } from '../../src/check/compare.js';
import { buildModel, type InitializerSpec, type NodeSpec, type ValueSpec } from '../../src/onnx/writer.js';
import { interpRun, ortRun, seeded, wasmRun, webgpuRun } from './ort-backends.js';

const fr = Math.fround;
const CTMS = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'] as const;
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
const SCALES = [0.5, 0.6, 0.75, 1, 1.3, 1.5, 1.7, 2, 2.5, 3];

interface Case {
  dims: number[]; mode: 'nearest' | 'linear' | 'cubic'; ctm: string; nearest: string;
  /** Resized axes (all when `axes` is not written). */ axes: number[]; withAxes: boolean;
  scales?: number[]; sizes?: number[];
}

/** onnxruntime's source coordinate, in f32 steps as its get_original_coordinate. */
function ortCoord(ctm: string, o: number, s: number, inL: number, outL: number): number {
  switch (ctm) {
    case 'half_pixel': return fr(fr(fr(o + 0.5) / s) - 0.5);
    case 'half_pixel_symmetric': {
      const adj = fr(outL / fr(s * inL)), off = fr(fr(inL / 2) * fr(1 - adj));
      return fr(off + (o + 0.5) / s - 0.5);
    }
    case 'pytorch_half_pixel': return outL > 1 ? fr(fr(fr(o + 0.5) / s) - 0.5) : 0;
    case 'align_corners': return outL === 1 ? 0 : fr(fr(o * (inL - 1)) / (outL - 1));
    case 'asymmetric': return fr(o / s);
    default: return fr(fr(o + 0.5) / s);
  }
}

/** tenth's f64 coordinate (ir/ops/shape-resize.ts sourceCoord), for the tie filter only. */
function tenthCoord(ctm: string, o: number, s: number, inL: number, outL: number): number {
  switch (ctm) {
    case 'half_pixel': return (o + 0.5) / s - 0.5;
    case 'half_pixel_symmetric': return (inL / 2) * (1 - outL / (s * inL)) + (o + 0.5) / s - 0.5;
    case 'pytorch_half_pixel': return outL === 1 ? 0 : (o + 0.5) / s - 0.5;
    case 'align_corners': return outL === 1 ? 0 : (o * (inL - 1)) / (outL - 1);
    case 'asymmetric': return o / s;
    default: return (o + 0.5) / s;
  }
}

function nearestIdx(x: number, mode: string): number {
  const f = Math.floor(x);
  if (mode === 'floor') return f;
  if (mode === 'ceil') return Math.ceil(x);
  if (mode === 'round_prefer_floor' && x - f === 0.5) return f;
  return Math.round(x);
}

/** Out dims, or undefined when the case is one the f32/f64 difference decides (see the header). */
function plan(c: Case): number[] | undefined {
  const out = [...c.dims];
  for (const [j, a] of c.axes.entries()) {
    const d = c.dims[a]!;
    if (c.scales) {
      const s = fr(c.scales[j]!);
      if (Math.floor(d * s) !== Math.floor(fr(d * s))) return undefined;
      out[a] = Math.floor(d * s);
    } else out[a] = c.sizes![j]!;
    if (out[a]! < 1) return undefined;
  }
  if (c.mode !== 'nearest') return out;
  const same = out.every((o, a) => o === c.dims[a]);
  for (const [j, a] of c.axes.entries()) {
    const inL = c.dims[a]!, outL = out[a]!;
    const s = c.scales ? fr(c.scales[j]!) : outL / inL;
    if (same || s === 1) continue;
    for (let o = 0; o < outL; o++) {
      const clampI = (i: number): number => Math.min(Math.max(i, 0), inL - 1);
      const v = tenthCoord(c.ctm, o, s, inL, outL);
      if (clampI(nearestIdx(ortCoord(c.ctm, o, fr(s), inL, outL), c.nearest)) !== clampI(nearestIdx(v, c.nearest))) return undefined;
      // Within 1e-5 of the rounding boundary: onnxruntime's build rounds its f32 steps its own way
      // (half_pixel_symmetric mixes f32 and f64 steps; the emulation above missed 7 -> 4 at 0.6).
      const frac = v - Math.floor(v), edge = c.nearest === 'floor' || c.nearest === 'ceil' ? Math.min(frac, 1 - frac) : Math.abs(frac - 0.5);
      if (edge < 1e-5 && (edge > 0 || c.ctm === 'half_pixel_symmetric')) return undefined;
    }
  }
  return out;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  rank: fc.integer({ min: 1, max: 4 }),
  dims: fc.array(fc.constantFrom(1, 2, 3, 4, 5, 7), { minLength: 4, maxLength: 4 }),
  mode: fc.constantFrom('nearest', 'nearest', 'linear', 'cubic'),
  ctm: fc.constantFrom(...CTMS),
  nearest: fc.constantFrom(...NEAREST),
  useSizes: fc.boolean(),
  withAxes: fc.boolean(),
  picks: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 4, maxLength: 4 }),
}).map((r): Case => {
  let rank = r.rank;
  const mode = r.mode as Case['mode'];
  // onnxruntime's linear takes 2-D, 3-D and N/C-first 4-D; cubic 2-D and N/C-first 4-D.
  if (mode === 'linear' && rank === 1) rank = 2;
  if (mode === 'cubic' && rank !== 4) rank = 2;
  const dims = r.dims.slice(0, rank);
  const all = dims.map((_d, a) => a);
  // 4-D linear/cubic resize H and W only; N and C stay (scale 1: listed when `axes` is not written).
  const axes = rank === 4 && mode !== 'nearest' && r.withAxes ? [2, 3] : r.withAxes && rank > 1 ? all.filter((a) => r.picks[a]! % 3 !== 0) : all;
  const resized = (a: number): boolean => !(rank === 4 && mode !== 'nearest' && a < 2);
  const c: Case = { dims, mode, ctm: r.ctm, nearest: r.nearest, axes: axes.length ? axes : all, withAxes: r.withAxes && rank > 1 && axes.length > 0 };
  if (r.useSizes) c.sizes = c.axes.map((a, j) => (resized(a) ? 1 + (r.picks[j]! % 9) : dims[a]!));
  else c.scales = c.axes.map((a, j) => (resized(a) ? SCALES[r.picks[j]! % SCALES.length]! : 1));
  return c;
});

/**
 * One model, case i: x{i} -> y{i}. dynamic: x{i}'s dims are symbols and the scales are a graph
 * input s{i} (the kernels' run-time paths); else everything is constant.
 */
function model(cases: readonly Case[], dynamic: boolean): Uint8Array {
  const nodes: NodeSpec[] = [], inits: InitializerSpec[] = [], inputs: ValueSpec[] = [];
  // tf_half_pixel_for_nn left Resize after opset 17: those batches are written at opset 13 (no `axes`).
  const old = cases.some((c) => c.ctm === 'tf_half_pixel_for_nn');
  cases.forEach((c, i) => {
    inputs.push({ name: `x${i}`, dtype: 'f32', shape: dynamic ? c.dims.map((_d, a) => `d${i}_${a}`) : c.dims });
    if (c.scales && dynamic) inputs.push({ name: `s${i}`, dtype: 'f32', shape: [c.scales.length] });
    else inits.push(c.scales ? { name: `s${i}`, tensor: tensorFrom('f32', [c.scales.length], c.scales) } : { name: `s${i}`, tensor: tensorFrom('i64', [c.sizes!.length], c.sizes!.map(BigInt)) });
    const attrs: Record<string, string | number | number[]> = { mode: c.mode, coordinate_transformation_mode: c.ctm, nearest_mode: c.nearest };
    if (c.withAxes) attrs['axes'] = c.axes;
    const roi = old ? [`r${i}`] : [''];
    if (old) inits.push({ name: `r${i}`, tensor: tensorFrom('f32', [0], []) });
    nodes.push({ opType: 'Resize', inputs: [`x${i}`, ...roi, c.scales ? `s${i}` : '', ...(c.scales ? [] : [`s${i}`])], outputs: [`y${i}`], attrs });
  });
  return buildModel({ opset: old ? 13 : 19, inputs, outputs: cases.map((_c, i) => ({ name: `y${i}`, dtype: 'f32' })), initializers: inits, nodes });
}

/** Cases usable together: tf_half_pixel_for_nn ones (opset 13) without `axes`, others as they are. */
function usable(c: Case): Case | undefined {
  if (c.ctm === 'tf_half_pixel_for_nn' && c.withAxes) {
    // Opset 13 has no `axes`: list every axis, the unlisted ones at scale 1 (sizes: their own length).
    const all = c.dims.map((_d, a) => a);
    const j = (a: number): number => c.axes.indexOf(a);
    c = { ...c, withAxes: false, axes: all, ...(c.scales ? { scales: all.map((a) => (j(a) < 0 ? 1 : c.scales![j(a)]!)) } : { sizes: all.map((a) => (j(a) < 0 ? c.dims[a]! : c.sizes![j(a)]!)) }) };
  }
  return plan(c) ? c : undefined;
}

async function checkBatch(raw: readonly Case[], dynamic = false): Promise<void> {
  for (const old of [true, false]) {
    const cases = raw.map(usable).filter((c): c is Case => !!c && (c.ctm === 'tf_half_pixel_for_nn') === old);
    if (cases.length === 0) continue;
    const bytes = model(cases, dynamic);
    const inputs = cases.flatMap((c, i) => [seeded(c.dims, 17 + i), ...(dynamic && c.scales ? [tensorFrom('f32', [c.scales.length], c.scales)] : [])]);
    const want = await ortRun(bytes, inputs, cases.length);
    const runs: [string, Tensor[]][] = [['interp', interpRun(bytes, inputs)], ['wasm', await wasmRun(bytes, inputs)], ['webgpu', await webgpuRun(bytes, inputs)]];
    for (const [name, got] of runs) {
      cases.forEach((c, i) => {
        // Linear/cubic: f32 vs f64 coordinates and weights; nearest gathers exactly.
        const r = compareTensors(got[i]!, want[i]!, c.mode === 'nearest' ? { rtol: 0, atol: 0 } : { rtol: 1e-4, atol: 2e-5 });
        expect(r.ok, `${name}: ${JSON.stringify(c)}: ${r.reason}`).toBe(true);
      });
    }
  }
}

describe('resize matches onnxruntime on the interpreter, wasm and webgpu', () => {
  it('random shapes, scales / sizes, modes, coordinate transformations and axes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(caseArb, { minLength: 24, maxLength: 24 }), (cs) => checkBatch(cs)), { numRuns: 8, seed: 20261128, endOnFailure: true });
  }, 60_000);

  it('the same with symbolic input dims and scales read at run time (the kernels\' run-time paths)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(caseArb, { minLength: 24, maxLength: 24 }), (cs) => checkBatch(cs, true)), { numRuns: 8, seed: 20261129, endOnFailure: true });
  }, 60_000);

  it('align_corners with a fractional in * scale divides by the output length less 1 (onnxruntime), not in * scale - 1', async () => {
    // ONNX's reference code divides by 2.4 - 1 here (its test data: 1, 3.142857); onnxruntime and the
    // spec's length_resized give 1, 4.
    await checkBatch([{ dims: [1, 1, 2, 4], mode: 'linear', ctm: 'align_corners', nearest: 'floor', axes: [0, 1, 2, 3], withAxes: false, scales: [1, 1, 0.6, 0.6] }]);
    const bytes = model([{ dims: [1, 1, 2, 4], mode: 'linear', ctm: 'align_corners', nearest: 'floor', axes: [0, 1, 2, 3], withAxes: false, scales: [1, 1, 0.6, 0.6] }], false);
    expect(Array.from(interpRun(bytes, [tensorFrom('f32', [1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8])])[0]!.data as Float32Array)).toEqual([1, 4]);
  }, 30_000);

  it.each([false, true])('tf_half_pixel_for_nn with ceil / round_prefer_ceil leaves N and C (scale 1) alone (dynamic %s)', async (dynamic) => {
    const base = { dims: [1, 2, 4, 5], mode: 'nearest' as const, ctm: 'tf_half_pixel_for_nn', axes: [0, 1, 2, 3], withAxes: false };
    await checkBatch([
      { ...base, nearest: 'ceil', scales: [1, 1, 1.5, 2] },
      { ...base, nearest: 'round_prefer_ceil', sizes: [1, 2, 7, 9] },
      { ...base, mode: 'linear', nearest: 'floor', scales: [1, 1, 2, 1.5] },
      { ...base, nearest: 'round_prefer_ceil', scales: [1, 1, 1, 2] },
    ], dynamic);
  }, 30_000);

  it('tf_crop_and_resize: a roi on a scale-1 axis is not applied (onnxruntime copies that axis)', async () => {
    const bytes = buildModel({
      opset: 19, inputs: [{ name: 'x0', dtype: 'f32', shape: [2, 3, 4, 5] }], outputs: [{ name: 'y0', dtype: 'f32' }],
      initializers: [
        { name: 'roi', tensor: tensorFrom('f32', [8], [0.5, 0.2, 0.1, 0.3, 1, 0.7, 0.8, 0.9]) },
        { name: 'sz', tensor: tensorFrom('i64', [4], [2n, 3n, 3n, 4n]) },
      ],
      nodes: [{ opType: 'Resize', inputs: ['x0', 'roi', '', 'sz'], outputs: ['y0'], attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: 9.5 } }],
    });
    const x = [seeded([2, 3, 4, 5], 5)];
    const want = await ortRun(bytes, x);
    for (const got of [interpRun(bytes, x), await wasmRun(bytes, x), await webgpuRun(bytes, x)]) {
      const r = compareTensors(got[0]!, want[0]!, { rtol: 1e-4, atol: 2e-5 });
      expect(r.ok, r.reason).toBe(true);
    }
  }, 30_000);
});
