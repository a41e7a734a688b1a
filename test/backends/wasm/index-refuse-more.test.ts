// Index inputs beyond gather/scatter (index-refuse.test.ts) that the interpreter refuses when out
// of range, refused at run time by the wasm kernels too, naming the op and the valid range (0 to
// n-1: these indices do not wrap): rotary_embedding position_ids, roi_align batch_indices,
// max_unpool indices, and the targets of negative_log_likelihood_loss / softmax_cross_entropy_loss
// (ignore_index exempt); i64 values past 2^32 whose low word is in range included. Valid runs
// match the interpreter; the same instance runs correctly after a refused run. Also
// tensor_scatter's write positions, which do not wrap either: 'valid: 0 to n-1'.

import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { i64, oneResultModule, rand, refusal } from '../index-refuse-cases.js';
import { expectClose, fmtShape, interpText } from './helpers.js';
import { wasmRunner } from './index-refuse-run.js';

const BIG = 2n ** 32n + 1n;

const module = oneResultModule;

/**
 * Compile `text` (its op on line 3 with result %y): the valid inputs match the interpreter; each
 * bad input set is refused by the interpreter and by the runtime with `op %y ...: index j ...
 * size n (valid: 0 to n-1)`; a valid run afterwards still matches.
 */
async function refuses(text: string, op: string, valid: Tensor[], wrongs: readonly (readonly [Tensor[], number | bigint, number])[], tol = 0): Promise<void> {
  const run = await wasmRunner(text);
  expectClose(await run(valid), interpText(text, valid), tol, tol);
  for (const [wrong, j, n] of wrongs) {
    expect(() => interpText(text, wrong)).toThrow(/E501/);
    await expect(run(wrong)).rejects.toThrow(refusal(op, j, n, 3, true));
  }
  expectClose(await run(valid), interpText(text, valid), tol, tol);
}

describe('wasm: more index inputs are refused at run time, naming the op (valid: 0 to n-1)', () => {
  it('rotary_embedding position_ids (4-D i64, 3-D i32)', async () => {
    for (const [four, dt] of [[true, 'i64'], [false, 'i32']] as const) {
      const [B, S, H, D, P] = [2, 3, 2, 4, 5];
      const xd = four ? [B, H, S, D] : [B, S, H * D];
      const text = module(`%x: ${fmtShape(xd)}, %c: f32[${P},${D / 2}], %s: f32[${P},${D / 2}], %p: ${dt}[${B},${S}]`, fmtShape(xd),
        [`%y = rotary_embedding(%x, %c, %s, %p)${four ? '' : ` {num_heads = ${H}}`} : ${fmtShape(xd)}`]);
      const pos = (v: readonly (number | bigint)[]): Tensor => (dt === 'i64' ? i64([B, S], v) : tensorFrom('i32', [B, S], v.map(Number)));
      const base = [rand(xd, 1), rand([P, D / 2], 2), rand([P, D / 2], 3)];
      const wrongs: [Tensor[], number | bigint, number][] = [[[...base, pos([0, 1, 5, 2, 3, 4])], 5, P], [[...base, pos([0, 1, 2, -1, 3, 4])], -1, P]];
      if (dt === 'i64') wrongs.push([[...base, pos([0, 1, 2, 3, BIG, 4])], BIG, P]);
      await refuses(text, 'rotary_embedding', [...base, pos([0, 4, 2, 1, 3, 4])], wrongs, 1e-6);
    }
  });

  it('roi_align batch_indices', async () => {
    const [N, C, H, W, R] = [3, 2, 5, 4, 4];
    const text = module(`%x: f32[${N},${C},${H},${W}], %rois: f32[${R},4], %b: i64[${R}]`, `f32[${R},${C},2,3]`,
      [`%y = roi_align(%x, %rois, %b) {mode = "avg", output_height = 2, output_width = 3, sampling_ratio = 2, spatial_scale = 1.0} : f32[${R},${C},2,3]`]);
    const rois = tensorFrom('f32', [R, 4], [0, 0, 3, 2, 1, 1, 3.5, 4, 0.5, 0, 2, 3, 1, 2, 3, 4]);
    const base = [rand([N, C, H, W], 4), rois];
    await refuses(text, 'roi_align', [...base, i64([R], [2, 0, 1, 2])],
      [[[...base, i64([R], [0, 3, 1, 2])], 3, N], [[...base, i64([R], [0, 1, -2, 2])], -2, N], [[...base, i64([R], [0, 1, BIG, 2])], BIG, N]], 1e-6);
  });

  it('max_unpool indices', async () => {
    const text = module('%x: f32[1,2,2,2], %i: i64[1,2,2,2]', 'f32[1,2,4,4]', ['%y = max_unpool(%x, %i) {kernel_shape = [2, 2], strides = [2, 2]} : f32[1,2,4,4]']);
    const x = rand([1, 2, 2, 2], 5);
    const with7 = (v: number | bigint): Tensor => i64([1, 2, 2, 2], [0, 3, 9, 15, 16, 22, 25, v]);
    await refuses(text, 'max_unpool', [x, with7(31)], [[[x, with7(32)], 32, 32], [[x, with7(-1)], -1, 32], [[x, with7(2n ** 32n + 31n)], 2n ** 32n + 31n, 32]]);
  });

  it('negative_log_likelihood_loss / softmax_cross_entropy_loss targets (ignore_index exempt)', async () => {
    const [N, C, D] = [3, 4, 2];
    for (const [op, red, ignore] of [['negative_log_likelihood_loss', 'none', undefined], ['softmax_cross_entropy_loss', 'mean', -1], ['negative_log_likelihood_loss', 'sum', 7]] as const) {
      const yt = red === 'none' ? `f32[${N},${D}]` : 'f32[]';
      const text = module(`%x: f32[${N},${C},${D}], %t: i64[${N},${D}]`, yt,
        [`%y = ${op}(%x, %t) {reduction = "${red}"${ignore !== undefined ? `, ignore_index = ${ignore}` : ''}} : ${yt}`]);
      const x = rand([N, C, D], 7);
      const t = (v: number | bigint): Tensor => i64([N, D], [0, 3, 2, v, ignore ?? 1, 0]);
      await refuses(text, op, [x, t(1)], [[[x, t(4)], 4, C], [[x, t(-2)], -2, C], [[x, t(BIG)], BIG, C]], 1e-5);
    }
  });

  it("tensor_scatter's write positions (do not wrap): valid 0 to n-1", async () => {
    const text = module('%p: f32[2,5,3], %u: f32[2,2,3], %w: i64[2]', 'f32[2,5,3]', ['%y = tensor_scatter(%p, %u, %w) {axis = 1} : f32[2,5,3]']);
    const base = [rand([2, 5, 3], 8), rand([2, 2, 3], 9)];
    await refuses(text, 'tensor_scatter', [...base, i64([2], [3, 0])], [[[...base, i64([2], [4, 0])], 5, 5], [[...base, i64([2], [0, -1])], -1, 5]]);
  });
});

describe('wasm: arg_max / arg_min over an empty axis', () => {
  it('a symbolic axis that is 0 at run time is refused by the runtime before the run, naming the op; nonzero runs match', async () => {
    for (const op of ['arg_max', 'arg_min']) {
      const text = module('%x: f32[2,"n",3]', 'i64[2,1,3]', [`%y = ${op}(%x) {axis = 1} : i64[2,1,3]`]);
      const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
      const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
      for (const n of [1, 4]) {
        const x = rand([2, n, 3], n);
        const out = (await m.run({ x: { data: x.data as Float32Array, dims: [2, n, 3] } }))['y']!;
        expect(Array.from(out.data as BigInt64Array)).toEqual(Array.from(interpText(text, [x])[0]!.data as BigInt64Array));
      }
      expect(() => interpText(text, [rand([2, 0, 3], 1)])).toThrow(/E501.*empty axis/s);
      await expect(m.run({ x: { data: new Float32Array(0), dims: [2, 0, 3] } })).rejects.toThrow(
        new RegExp(`^tenth runtime: these inputs do not fit the model: ${op} %y at test\\.ir:3:5: cannot take the arg of an empty axis \\(axis 1, 'n', is 0\\) \\(from input 'x' dim 'n' = 0\\)$`));
    }
  });

  it('a static empty axis is refused at compile time with E205 (invalid shape), as on webgpu', async () => {
    const text = module('%x: f32[2,0,3]', 'i64[2,1,3]', ['%y = arg_max(%x) {axis = 1} : i64[2,1,3]']);
    await expect(compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse' })).rejects.toThrow(/E205.*arg_max %y: cannot take the arg of an empty axis \(axis 1 has size 0\)/s);
  });
});

describe('wasm: top_k with k given as data', () => {
  it('a k larger than the axis is refused by the runtime before the run (dims check); k up to the axis matches', async () => {
    const t = 'f32[2,"%k[0]"], %i: i64[2,"%k[0]"]';
    const text = ['module @m {', `  func @main(%x: f32[2,"n"], %k: i64[1]) -> (%v: ${t}) {`, `    %v, %i = top_k(%x, %k) {axis = 1} : (f32[2,"%k[0]"], i64[2,"%k[0]"])`, '    return %v, %i', '  }', '}'].join('\n');
    const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
    const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    const x = rand([2, 5], 3);
    const feed = (k: number, n = 5): Record<string, RunTensor> => ({ x: { data: (n === 5 ? x : rand([2, n], 3)).data as Float32Array, dims: [2, n] }, k: { data: new BigInt64Array([BigInt(k)]), dims: [1] } });
    for (const k of [0, 3, 5]) {
      const out = await m.run(feed(k));
      const want = interpText(text, [x, i64([1], [k])]);
      expect(Array.from(out['v']!.data as Float32Array)).toEqual(Array.from(want[0]!.data as Float32Array));
      expect(Array.from(out['i']!.data as BigInt64Array)).toEqual(Array.from(want[1]!.data as BigInt64Array));
    }
    expect(() => interpText(text, [x, i64([1], [6])])).toThrow(/E501.*out of range/s);
    await expect(m.run(feed(6))).rejects.toThrow(/^tenth runtime: these inputs do not fit the model: top_k %v at test\.ir:3:5: k \('%k\[0\]'\) is larger than axis 1 \('n'\) \(from the data of input 'k', input 'x' dim 'n' = 5\)$/);
    await expect(m.run(feed(2, 1))).rejects.toThrow(/k \('%k\[0\]'\) is larger than axis 1 \('n'\)/);
  });
});
