// MatMul with a run-time B (both operands computed), which packs B into the GEMM micro-kernel's
// panels per call (src/backends/wasm/kernels/gemm-runtime-b.ts), against the interpreter (rtol
// 1e-4): random M, N, K (1, primes, past the 4x8 register block, K past one 256-row chunk so that
// later chunks accumulate, N past one column block), numpy batch broadcasting, symbolic dims
// compiled once and run at two sizes, and the threaded variant (bit-identical to model.wasm on 2
// and 3 threads: batches, row blocks or column panels shared), einsum's GEMM form included.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm, type CompiledWasm } from '../../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { expectClose, fmtShape, interpText } from './helpers.js';

function rand(shape: readonly number[], seed: number): Tensor {
  let s = (seed >>> 0) || 1;
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = ((s >>> 8) / 2 ** 24) * 2 - 1;
  }
  return tensorFrom('f32', shape, v);
}

const matmulText = (a: readonly (number | string)[], b: readonly (number | string)[], y: readonly (number | string)[]): string =>
  `module @m {\n  func @main(%a: ${fmtShape(a)}, %b: ${fmtShape(b)}) -> (%y: ${fmtShape(y)}) {\n    %y = matmul(%a, %b) : ${fmtShape(y)}\n    return %y\n  }\n}`;

/** numpy broadcast of two batch shapes. */
const broadcast = (x: readonly number[], y: readonly number[]): number[] => {
  const n = Math.max(x.length, y.length);
  return Array.from({ length: n }, (_, i) => Math.max(x[i - n + x.length] ?? 1, y[i - n + y.length] ?? 1));
};

const feedOf = (c: CompiledWasm, inputs: readonly Tensor[]): Record<string, RunTensor> =>
  Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, { data: inputs[i]!.data as Float32Array, dims: inputs[i]!.shape }]));

const outputs = (c: CompiledWasm, out: Record<string, RunTensor>): Tensor[] =>
  c.manifest.outputs.map((o) => tensorFrom('f32', out[o.name]!.dims, out[o.name]!.data as Float32Array));

const bytesOf = (t: RunTensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Compile once (threaded variant too, every op split), run each input set on 1, 2 and 3 threads. */
async function checkThreaded(text: string, inputSets: readonly Tensor[][], kernel: RegExp): Promise<void> {
  const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', threads: true, threadMinWork: 0 });
  expect(c.wat).toMatch(kernel);
  const threaded = c.threads!.find((v) => v.file === 'model-threads.wasm')!;
  expect(threaded.wat).toContain('(global.get $tid)');
  const single = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  const want = [];
  for (const inputs of inputSets) {
    const out = await single.run(feedOf(c, inputs));
    expectClose(outputs(c, out), interpText(text, inputs), 1e-4, 1e-5);
    want.push(out);
  }
  for (const n of [2, 3]) {
    const m = await instantiateCompiled(c.manifest, threaded.wasm, c.weights, { threads: n });
    try {
      expect(m.threads).toBe(n);
      for (const [i, inputs] of inputSets.entries()) {
        const got = await m.run(feedOf(c, inputs));
        for (const o of c.manifest.outputs) expect(bytesOf(got[o.name]!).equals(bytesOf(want[i]![o.name]!)), `${o.name} on ${n} threads, input set ${i}`).toBe(true);
      }
    } finally {
      await m.dispose();
    }
  }
}

describe('wasm matmul with a run-time B (packed per call) vs interpreter', () => {
  it('random M, N, K and broadcast batch dims', async () => {
    const batches: [number[], number[]][] = [[[], []], [[3], []], [[], [2]], [[2, 1], [1, 3]], [[1], [4]], [[2, 3], [2, 3]]];
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 4, 5, 13, 37), fc.constantFrom(1, 3, 8, 9, 17, 67, 130), fc.constantFrom(1, 2, 7, 31, 64, 257, 300),
      fc.constantFrom(...batches), fc.integer(),
      async (M, N, K, [ba, bb], seed) => {
        const by = broadcast(ba, bb);
        const text = matmulText([...ba, M, K], [...bb, K, N], [...by, M, N]);
        const inputs = [rand([...ba, M, K], seed), rand([...bb, K, N], seed + 1)];
        const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse' });
        // M >= 4 takes the packed path; K past one chunk accumulates the later chunks.
        if (M >= 4) expect(c.wat).toContain('(B packed at run time)');
        expect(c.wat.includes('_accumulate')).toBe(M >= 4 && K > 256);
        const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
        expectClose(outputs(c, await m.run(feedOf(c, inputs))), interpText(text, inputs), 1e-4, 1e-5);
      }), { numRuns: 30 });
  }, 60_000);

  it('N past one column block (K small: 512-column blocks; K chunked: 64-column blocks)', async () => {
    for (const [M, K, N] of [[5, 3, 1031], [6, 300, 131]] as const) {
      const text = matmulText([M, K], [K, N], [M, N]);
      const inputs = [rand([M, K], M), rand([K, N], N)];
      const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse' });
      const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
      expectClose(outputs(c, await m.run(feedOf(c, inputs))), interpText(text, inputs), 1e-4, 1e-5);
    }
  });

  it('empty K writes zeros (after a run that left values there), empty N writes nothing', async () => {
    const text = matmulText([5, 'k'], ['k', 9], [5, 9]);
    const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse' });
    expect(c.wat).toContain('(B packed at run time)');
    const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    for (const K of [7, 0, 300, 0]) {
      const inputs = [rand([5, K], K + 1), rand([K, 9], K + 2)];
      expectClose(outputs(c, await m.run(feedOf(c, inputs))), interpText(text, inputs), 1e-4, 1e-5);
    }
    const wide = matmulText([6, 7], [7, 0], [6, 0]);
    const inputs = [rand([6, 7], 1), rand([7, 0], 2)];
    const cw = await compileWasm(parseModule(wide, { file: 'test.ir' }), { passes: 'fuse' });
    const mw = await instantiateCompiled(cw.manifest, cw.wasm, cw.weights);
    expect(outputs(cw, await mw.run(feedOf(cw, inputs)))[0]!.shape).toEqual([6, 0]);
  });

  it('symbolic dims (attention shapes): one module run at two sizes', async () => {
    // Q K^T (N = seq), P V (K = seq: 300 takes two chunks), and rows only symbolic.
    const cases: { a: (string | number)[]; b: (string | number)[]; y: (string | number)[] }[] = [
      { a: [1, 2, 'seq', 8], b: [1, 2, 8, 'seq'], y: [1, 2, 'seq', 'seq'] },
      { a: [1, 2, 'seq', 'seq'], b: [1, 2, 'seq', 8], y: [1, 2, 'seq', 8] },
      { a: ['batch', 3, 'seq', 5], b: [3, 5, 7], y: ['batch', 3, 'seq', 7] },
    ];
    const bind = (s: readonly (string | number)[], seq: number, batch: number): number[] => s.map((d) => (d === 'seq' ? seq : d === 'batch' ? batch : d as number));
    for (const { a, b, y } of cases) {
      const text = matmulText(a, b, y);
      const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse' });
      expect(c.wat).toContain('(B packed at run time)');
      const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
      for (const [seq, batch] of [[5, 2], [300, 1]] as const) {
        const inputs = [rand(bind(a, seq, batch), seq), rand(bind(b, seq, batch), seq + 1)];
        expectClose(outputs(c, await m.run(feedOf(c, inputs))), interpText(text, inputs), 1e-4, 1e-5);
      }
    }
  });

  it('threaded: batches, row blocks and column panels shared, same bits as one thread', async () => {
    // Batched (whole GEMMs per thread), 2-D with rows >= columns (row blocks; a batched A over a
    // 2-D B is one GEMM too), 2-D wide (column panels).
    await checkThreaded(matmulText([2, 3, 13, 7], [3, 7, 9], [2, 3, 13, 9]), [[rand([2, 3, 13, 7], 1), rand([3, 7, 9], 2)]], /B packed at run time/);
    await checkThreaded(matmulText([67, 31], [31, 17], [67, 17]), [[rand([67, 31], 3), rand([31, 17], 4)]], /B packed at run time/);
    await checkThreaded(matmulText([3, 11, 7], [7, 9], [3, 11, 9]), [[rand([3, 11, 7], 13), rand([7, 9], 14)]], /B packed at run time/);
    await checkThreaded(matmulText([5, 300], [300, 131], [5, 131]), [[rand([5, 300], 5), rand([300, 131], 6)]], /_accumulate/);
    // Symbolic: the split is decided at run time.
    const mn = (m: number, n: number): Tensor[] => [rand([m, 31], m), rand([31, n], n)];
    await checkThreaded(matmulText(['m', 31], [31, 'n'], ['m', 'n']), [mn(67, 17), mn(5, 131), mn(1, 1)], /B packed at run time/);
    const sym = (seq: number): Tensor[] => [rand([1, 2, seq, seq], seq), rand([1, 2, seq, 8], seq + 1)];
    await checkThreaded(matmulText([1, 2, 'seq', 'seq'], [1, 2, 'seq', 8], [1, 2, 'seq', 8]), [sym(6), sym(270)], /B packed at run time/);
  }, 60_000);

  it('threaded einsum GEMM form: batch indices or column panels shared, C scattered on thread 0', async () => {
    const einsum = (eq: string, a: number[], b: number[], y: number[]): string =>
      `module @m {\n  func @main(%a: ${fmtShape(a)}, %b: ${fmtShape(b)}) -> (%y: ${fmtShape(y)}) {\n    %y = einsum(%a, %b) {equation = "${eq}"} : ${fmtShape(y)}\n    return %y\n  }\n}`;
    await checkThreaded(einsum('bhqd,bhkd->bhqk', [2, 3, 9, 5], [2, 3, 11, 5], [2, 3, 9, 11]), [[rand([2, 3, 9, 5], 7), rand([2, 3, 11, 5], 8)]], /einsum as gemm/);
    await checkThreaded(einsum('ij,jk->ik', [9, 13], [13, 21], [9, 21]), [[rand([9, 13], 9), rand([13, 21], 10)]], /einsum as gemm/);
    await checkThreaded(einsum('ij,jk->ki', [9, 13], [13, 21], [21, 9]), [[rand([9, 13], 11), rand([13, 21], 12)]], /einsum as gemm.*C scattered/);
  }, 60_000);
});
