// grid_sample, roi_align, affine_grid (kernels/spatial-sample.ts) and conv_transpose
// (kernels/conv-transpose.ts) on f16, bf16 and f64 tensors against the interpreter: registers
// are f32 for every float dtype, loads widen and stores round, so the results differ from the
// interpreter's f64 only by f32 arithmetic and one rounding to the dtype (tolerance: one unit of
// the dtype plus a little). Random small shapes (1, primes); shaders through Tint and naga.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { castTensor } from '../../../ir/ops/elementwise-cast.js';
import type { DType } from '../../../ir/dtype.js';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateWebGpu } from '../../../src/runtime/webgpu.js';
import { compileText, expectClose, fmtShape, gpuDevice, interpText, rand, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const TOL: Readonly<Record<string, number>> = { f16: 3e-3, bf16: 2e-2, f64: 1e-4 };
const DTS = ['f16', 'bf16', 'f64'] as const;
const mod = (args: string, results: string, body: readonly string[], ret: string): string =>
  ['module @m {', `  func @main(${args}) -> (${results}) {`, ...body, `    return ${ret}`, '  }', '}'].join('\n');

const compiled: { name: string; c: CompiledWebGpu }[] = [];

async function check(name: string, text: string, inputs: readonly Tensor[], dt: string): Promise<void> {
  const c = compileText(text);
  expect(compileText(text).shaders.map((s) => s.code)).toEqual(c.shaders.map((s) => s.code));
  compiled.push({ name: `${name}-${compiled.length}`, c });
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  const out = await m.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, toRunTensor(inputs[i]!)])));
  const got = c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
  expect(got[0]!.dtype).toBe(dt);
  expectClose(got, interpText(text, inputs), TOL[dt], TOL[dt]);
}

const cast = (t: Tensor, dt: string, scale = 1, offset = 0): Tensor =>
  castTensor(tensorFrom('f32', t.shape, Array.from(t.data as Float32Array, (v) => v * scale + offset)), dt as DType);
const dim = fc.constantFrom(1, 2, 3, 5);

describe('webgpu float kernels on f16, bf16, f64 vs interpreter (fast-check)', () => {
  it('grid_sample (2-D, every mode and padding mode)', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...DTS), dim, dim, dim, dim, dim, fc.constantFrom('linear', 'nearest', 'cubic'),
      fc.constantFrom('zeros', 'border', 'reflection'), fc.boolean(), fc.integer(), async (dt, c, h, w, oh, ow, mode, pad, align, seed) => {
        const t = (s: number[]): string => fmtShape(s, dt);
        const text = mod(`%x: ${t([1, c, h, w])}, %g: ${t([1, oh, ow, 2])}`, `%y: ${t([1, c, oh, ow])}`,
          [`    %y = grid_sample(%x, %g) {align_corners = ${align ? 1 : 0}, mode = "${mode}", padding_mode = "${pad}"} : ${t([1, c, oh, ow])}`], '%y');
        await check('grid', text, [cast(rand([1, c, h, w], seed), dt), cast(rand([1, oh, ow, 2], seed + 1), dt, 1.2)], dt);
      }), { numRuns: 10, seed: 3 });
  }, 30_000);

  it('roi_align (avg and max)', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...DTS), dim, fc.constantFrom(3, 5, 7), fc.constantFrom(1, 2, 3), fc.constantFrom('avg', 'max'),
      fc.constantFrom(0, 2), fc.integer(), async (dt, c, hw, r, mode, ratio, seed) => {
        const t = (s: number[]): string => fmtShape(s, dt);
        const y = [r, c, 2, 3];
        const text = mod(`%x: ${t([2, c, hw, hw])}, %rois: ${t([r, 4])}, %b: i64[${r}]`, `%y: ${t(y)}`,
          [`    %y = roi_align(%x, %rois, %b) {mode = "${mode}", output_height = 2, output_width = 3, sampling_ratio = ${ratio}, spatial_scale = 1.0} : ${t(y)}`], '%y');
        // Boxes inside the image: x0, y0 in [0, hw/2), x1, y1 beyond them.
        const base = Array.from(rand([r, 4], seed).data as Float32Array, (v, j) => (j % 4 < 2 ? (v + 1) * hw / 4 : (v + 1) * hw / 4 + hw / 2));
        const rois = castTensor(tensorFrom('f32', [r, 4], base), dt as DType);
        await check('roi', text, [cast(rand([2, c, hw, hw], seed + 1), dt), rois, tensorFrom('i64', [r], Array.from({ length: r }, (_v, j) => BigInt(j % 2)))], dt);
      }), { numRuns: 8, seed: 5 });
  }, 30_000);

  it('affine_grid (2-D and 3-D)', async () => {
    for (const dt of DTS) {
      for (const [size, align] of [[[2, 1, 3, 5], 0], [[1, 1, 2, 3, 1], 1], [[1, 2, 7, 2], 1]] as const) {
        const nd = size.length - 2;
        const y = [size[0], ...size.slice(2), nd];
        const t = (s: readonly number[]): string => fmtShape(s, dt);
        const text = mod(`%theta: ${t([size[0], nd, nd + 1])}`, `%y: ${t(y)}`,
          [`    %s = const {value = dense<[${size.join(', ')}]> : i64[${size.length}]} : i64[${size.length}]`, `    %y = affine_grid(%theta, %s) {align_corners = ${align}} : ${t(y)}`], '%y');
        await check('affine', text, [cast(rand([size[0], nd, nd + 1], size.length), dt)], dt);
      }
    }
  }, 30_000);

  it('conv_transpose (groups, strides, pads, bias)', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...DTS), fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.constantFrom(1, 2), dim,
      fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(0, 1), fc.boolean(), fc.integer(), async (dt, group, cg, mg, size, kern, stride, pad0, bias, seed) => {
        const C = group * cg, M = group * mg;
        // Pad only where the output keeps at least one element: every generated case runs.
        const pad = (size - 1) * stride + kern >= 3 ? pad0 : 0;
        const out = (size - 1) * stride - 2 * pad + kern;
        const t = (s: number[]): string => fmtShape(s, dt);
        const y = [1, M, out, out];
        const attrs = `group = ${group}, kernel_shape = [${kern}, ${kern}], pads = [${pad}, ${pad}, ${pad}, ${pad}], strides = [${stride}, ${stride}]`;
        const text = mod(`%x: ${t([1, C, size, size])}, %w: ${t([C, mg, kern, kern])}${bias ? `, %b: ${t([M])}` : ''}`, `%y: ${t(y)}`,
          [`    %y = conv_transpose(%x, %w${bias ? ', %b' : ''}) {${attrs}} : ${t(y)}`], '%y');
        await check('convt', text, [cast(rand([1, C, size, size], seed), dt), cast(rand([C, mg, kern, kern], seed + 1), dt), ...(bias ? [cast(rand([M], seed + 2), dt)] : [])], dt);
      }), { numRuns: 12, seed: 9 });
  }, 30_000);

  it('the shaders pass Tint and naga', async () => {
    expect(compiled.length).toBeGreaterThan(0);
    for (const { c } of compiled) expect(await validateShaders(c)).toEqual([]);
    expect(await nagaErrors(compiled)).toEqual([]);
  }, 60_000);
});
