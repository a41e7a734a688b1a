// NaN propagation on Dawn + SwiftShader vs the interpreter: WGSL's max/min/clamp may drop a NaN
// operand and exp(NaN) may be anything, so these kernels test NaN by its bits. Random inputs with
// NaN at random places (fast-check), odd shapes, each op alone and chained after an add.

import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWebGpu, writeWebGpuArtifact } from '../../../src/backends/webgpu/index.js';
import { loadCompiledWebGpu } from '../../../src/runtime/webgpu.js';
import { check, expectClose, fmtShape, gpuDevice, interpText, rand } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-nan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** rand values with NaN where `holes` picks (index modulo the size). */
function withNans(shape: readonly number[], seed: number, holes: readonly number[]): Tensor {
  const v = Float32Array.from(rand(shape, seed).data as Float32Array, (x) => x * 3);
  for (const h of holes) if (v.length > 0) v[h % v.length] = NaN;
  return tensorFrom('f32', shape, v);
}

const module1 = (shape: readonly number[], out: readonly number[], op: string, rt = 'f32'): string => [
  'module @m {',
  `  func @main(%x: ${fmtShape(shape)}) -> (%y: ${fmtShape(out, rt)}) {`,
  `    %h = add(%x, %x) : ${fmtShape(shape)}`,
  `    %y = ${op.replace('%x', '%h')} : ${fmtShape(out, rt)}`,
  '    return %y',
  '  }',
  '}',
].join('\n');

const UNARY = ['relu(%x)', 'leaky_relu(%x) {alpha = 0.125}', 'celu(%x) {alpha = 1.5}', 'hard_sigmoid(%x)', 'elu(%x)', 'selu(%x)',
  'softplus(%x)', 'sign(%x)', 'hard_swish(%x)', 'exp(%x)', 'sigmoid(%x)', 'tanh(%x)', 'mish(%x)', 'swish(%x)'];
const dims = fc.constantFrom(1, 2, 3, 5, 7);

describe('webgpu NaN propagation vs interpreter', () => {
  it('activations built on max/min/clamp/exp keep NaN (every op, random shapes and NaN places)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dims, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), fc.integer(),
      async (shape, holes, seed) => {
        for (const op of UNARY) await check(module1(shape, shape, op), [withNans(shape, seed, holes)], 'fuse', 1e-4, 1e-6);
      }), { numRuns: 6, seed: 7 });
  }, 60_000);

  it('max, min (2 and 3 operands) and clip propagate a NaN operand; clip ignores a NaN bound', async () => {
    const t = 'f32[7]';
    const x = tensorFrom('f32', [7], [NaN, 1, -2, NaN, 0.5, 4, -Infinity]);
    const z = tensorFrom('f32', [7], [1, NaN, 3, NaN, -1, Infinity, 2]);
    const w = tensorFrom('f32', [7], [0, 0, NaN, 0, 0, 0, 0]);
    for (const op of ['max(%x, %z)', 'min(%x, %z)', 'max(%x, %z, %w)', 'min(%w, %x, %z)', 'relu(%x)']) {
      await check(`module @m {\n  func @main(%x: ${t}, %z: ${t}, %w: ${t}) -> (%y: ${t}) {\n    %y = ${op} : ${t}\n    return %y\n  }\n}`, [x, z, w]);
    }
    // Bounds from the inputs (scalars), NaN among them: the interpreter ignores a NaN bound.
    for (const [lo, hi] of [[-1, 1], [NaN, 1], [-1, NaN]] as const) {
      const text = `module @m {\n  func @main(%x: ${t}, %lo: f32[], %hi: f32[]) -> (%y: ${t}) {\n    %y = clip(%x, %lo, %hi) : ${t}\n    return %y\n  }\n}`;
      await check(text, [x, tensorFrom('f32', [], [lo]), tensorFrom('f32', [], [hi])]);
    }
    await check(`module @m {\n  func @main(%x: ${t}, %lo: f32[]) -> (%y: ${t}) {\n    %y = clip(%x, %lo) : ${t}\n    return %y\n  }\n}`, [x, tensorFrom('f32', [], [0])]);
  }, 30_000);

  it('softmax / log_softmax: a NaN makes its row NaN, the other rows are untouched', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dims, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.nat(2), fc.array(fc.nat(), { maxLength: 2 }), fc.integer(),
      async (shape, log, ax, holes, seed) => {
        const axis = ax % shape.length;
        await check(module1(shape, shape, `${log ? 'log_softmax' : 'softmax'}(%x) {axis = ${axis}}`), [withNans(shape, seed, holes)], 'fuse', 1e-4, 1e-6);
      }), { numRuns: 24, seed: 11 });
  }, 60_000);

  it('reduce_max / reduce_min / global_max_pool propagate NaN; arg_max / arg_min order it as the interpreter', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dims, { minLength: 3, maxLength: 4 }), fc.nat(5), fc.nat(3), fc.array(fc.nat(), { maxLength: 2 }), fc.integer(),
      async (shape, which, ax, holes, seed) => {
        const axis = ax % shape.length;
        const kept = shape.map((d, a) => (a === axis ? 1 : d));
        const ops: [string, readonly number[], string][] = [
          ['reduce_max(%x, %ax) {keepdims = 1}', kept, 'f32'], ['reduce_min(%x, %ax) {keepdims = 1}', kept, 'f32'],
          ['global_max_pool(%x)', shape.map((d, a) => (a < 2 ? d : 1)), 'f32'],
          [`arg_max(%x) {axis = ${axis}, keepdims = 1}`, kept, 'i64'], [`arg_min(%x) {axis = ${axis}, keepdims = 1}`, kept, 'i64'],
          [`arg_max(%x) {axis = ${axis}, keepdims = 1, select_last_index = 1}`, kept, 'i64'],
        ];
        const [op, out, rt] = ops[which]!;
        const text = module1(shape, out, op, rt).replace('  func', `  func`).replace('    %h =', `    %ax = const {value = dense<[${axis}]> : i64[1]} : i64[1]\n    %h =`);
        await check(text, [withNans(shape, seed, holes)]);
      }), { numRuns: 30, seed: 5 });
  }, 60_000);

  it('max_pool 1-D, 2-D and 3-D propagate NaN inside the window', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2, 3), fc.constantFrom(2, 3, 5, 6), fc.array(fc.nat(), { maxLength: 3 }), fc.integer(),
      async (rank, n, holes, seed) => {
        const shape = [1, 2, ...Array(rank).fill(n)];
        const out = [1, 2, ...Array(rank).fill(n - 1)];
        const op = `max_pool(%x) {kernel_shape = [${Array(rank).fill(2).join(', ')}]}`;
        await check(module1(shape, out, op), [withNans(shape, seed, holes)]);
      }), { numRuns: 18, seed: 3 });
  }, 60_000);

  it('the subgroup variants (subgroupMax/Min may drop NaN) propagate it too', async () => {
    expect((await gpuDevice()).features?.has('subgroups')).toBe(true);
    const shape = [3, 97];
    // Row 0: one NaN late in the row; row 1: none; row 2: NaN first.
    const x = withNans(shape, 9, [90, 2 * 97]);
    const lines = ['%ax = const {value = dense<[1]> : i64[1]} : i64[1]', '%a = reduce_max(%x, %ax) {keepdims = 1} : f32[3,1]',
      '%b = reduce_min(%x, %ax) {keepdims = 1} : f32[3,1]', '%c = softmax(%x) {axis = 1} : f32[3,97]', '%d = log_softmax(%x) {axis = 1} : f32[3,97]'];
    const text = `module @m {\n  func @main(%x: f32[3,97]) -> (%a: f32[3,1], %b: f32[3,1], %c: f32[3,97], %d: f32[3,97]) {\n${lines.map((l) => `    ${l}`).join('\n')}\n    return %a, %b, %c, %d\n  }\n}`;
    const dir = join(tmp, 'sg');
    const c = compileWebGpu(parseModule(text, { file: 'nan.ir' }), { passes: 'fuse', subgroups: true });
    expect(c.manifest.kernels.some((k) => k.variants?.subgroups)).toBe(true);
    writeWebGpuArtifact(dir, c);
    const want = interpText(text, [x]);
    for (const subgroups of [true, false]) {
      const m = await loadCompiledWebGpu(dir, { device: await gpuDevice(), subgroups });
      const out = await m.run({ x: { data: x.data as Float32Array, dims: shape } });
      expectClose(m.manifest.outputs.map((o) => tensorFrom('f32', out[o.name]!.dims, out[o.name]!.data as Float32Array)), want, 1e-4, 1e-6);
    }
  }, 30_000);
});
