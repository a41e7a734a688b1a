// Gather indices outside [-n, n) are an error (ONNX; the interpreter raises E501, the wasm runtime
// refuses the run). The webgpu gather kernel clamps them (every read stays in bounds) and records
// them in the status buffer read back with the outputs; the runtime then raises the wasm
// runtime's message, naming the op, the largest bad index and the size (was: clamped silently,
// exit 0). Valid indices, negative ones included, still match the interpreter, and the model keeps
// running after a refused run (the status is cleared per run).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom } from '../../../ir/tensor.js';
import { instantiateWebGpu, type RunTensor } from '../../../src/runtime/webgpu.js';
import { compileText, gpuDevice, validateShaders } from './helpers.js';

const gatherText = (ds: readonly number[], axis: number, n: number, it: 'i32' | 'i64', relu: boolean): string => {
  const ys = [...ds.slice(0, axis), n, ...ds.slice(axis + 1)];
  const t = `f32[${ys.join(',')}]`;
  return [
    'module @m {',
    `  func @main(%x: f32[${ds.join(',')}], %i: ${it}[${n}]) -> (%y: ${t}) {`,
    ...(relu ? [`    %g = gather(%x, %i) {axis = ${axis}} : ${t}`, `    %y = relu(%g) : ${t}`] : [`    %y = gather(%x, %i) {axis = ${axis}} : ${t}`]),
    '    return %y',
    '  }',
    '}',
  ].join('\n');
};

describe('webgpu gather: indices are checked at run time', () => {
  it('valid indices match the interpreter; an index out of range is refused naming the op, index and size', async () => {
    const dim = fc.constantFrom<number>(1, 2, 3, 5, 7);
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom<'i32' | 'i64'>('i32', 'i64'),
      fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 1, maxLength: 6 }), fc.nat(), fc.integer({ min: -3, max: 3 }), fc.boolean(),
      async (ds, ax, it, seeds, at, bad, relu) => {
        const axis = ax % ds.length, n = ds[axis]!;
        const idx = seeds.map((s, q) => (s < 0 ? -1 - (q % n) : (q * 3) % n));
        const wrong = bad === 0 ? undefined : bad > 0 ? n + bad - 1 : -n + bad;
        if (wrong !== undefined) idx[at % idx.length] = wrong;
        const text = gatherText(ds, axis, idx.length, it, relu);
        const x = tensorFrom('f32', ds, Float32Array.from({ length: ds.reduce((a, b) => a * b, 1) }, (_, i) => i - 3.5));
        const iv = it === 'i64' ? tensorFrom('i64', [idx.length], BigInt64Array.from(idx.map(BigInt))) : tensorFrom('i32', [idx.length], Int32Array.from(idx));
        // O2 fuses the relu into the gather's dispatch: the check must work inside a chain too.
        const c = compileText(text, relu ? 'O2' : 'fuse');
        expect(c.manifest.indexSites).toEqual([relu ? 'gather %g at test.ir:3:5' : 'gather %y at test.ir:3:5']);
        const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
        const feed: Record<string, RunTensor> = { x: { data: x.data as Float32Array, dims: ds }, i: { data: iv.data as RunTensor['data'], dims: [idx.length] } };
        if (wrong === undefined) {
          const out = (await m.run(feed))['y']!;
          expect(Array.from(out.data as Float32Array)).toEqual(Array.from(interpret(parseModule(text, { file: 'test.ir' }), [x, iv])[0]!.data as Float32Array));
          return;
        }
        expect(() => interpret(parseModule(text, { file: 'test.ir' }), [x, iv])).toThrow(new RegExp(`E501: gather: gather index ${wrong} is out of range for a dim of size ${n}`));
        const site = relu ? '%g' : '%y';
        await expect(m.run(feed)).rejects.toThrow(new RegExp(`^tenth runtime: gather ${site} at test\\.ir:3:5: index ${wrong} is out of range for a dim of size ${n} \\(valid: ${-n} to ${n - 1}\\)$`));
        idx[at % idx.length] = 0;
        // The instance is reusable and the record cleared: a valid run after a refused one is right.
        const ok = it === 'i64' ? tensorFrom('i64', [idx.length], BigInt64Array.from(idx.map(BigInt))) : tensorFrom('i32', [idx.length], Int32Array.from(idx));
        const again = (await m.run({ ...feed, i: { data: ok.data as RunTensor['data'], dims: [idx.length] } }))['y']!;
        expect(Array.from(again.data as Float32Array)).toEqual(Array.from(interpret(parseModule(text, { file: 'test.ir' }), [x, ok])[0]!.data as Float32Array));
      }), { numRuns: 14 });
  }, 60_000);

  it('reports the largest offending index of several, and the first failing gather in dispatch order', async () => {
    const text = [
      'module @m {',
      '  func @main(%x: f32[3,2], %i: i32[4], %k: i32[2]) -> (%y: f32[2,2]) {',
      '    %g = gather(%x, %i) {axis = 0} : f32[4,2]',
      '    %y = gather(%g, %k) {axis = 0} : f32[2,2]',
      '    return %y',
      '  }',
      '}',
    ].join('\n');
    const c = compileText(text);
    expect(c.manifest.indexSites).toEqual(['gather %g at test.ir:3:5', 'gather %y.in at test.ir:4:5']);
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    const x = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [3, 2] };
    const run = (i: number[], k: number[]): Promise<unknown> => m.run({ x, i: { data: Int32Array.from(i), dims: [4] }, k: { data: Int32Array.from(k), dims: [2] } });
    await expect(run([0, 5000, 7, -4], [9, 0])).rejects.toThrow(/^tenth runtime: gather %g at test\.ir:3:5: index 5000 is out of range for a dim of size 3 \(valid: -3 to 2\)$/);
    await expect(run([0, -4, -9, 1], [0, 1])).rejects.toThrow(/: index -4 is out of range for a dim of size 3/);
    await expect(run([0, 1, 2, -1], [4, -5])).rejects.toThrow(/^tenth runtime: gather %y\.in at test\.ir:4:5: index 4 is out of range for a dim of size 4/);
    const y = await run([2, 0, 1, -1], [-1, 0]) as Record<string, RunTensor>;
    expect(Array.from(y['y']!.data as Float32Array)).toEqual([5, 6, 5, 6]);
  }, 20_000);

  it('a model without a checking op binds no status buffer; checking shaders validate (Tint)', async () => {
    const plain = compileText(['module @m {', '  func @main(%x: f32[3]) -> (%y: f32[3]) {', '    %y = relu(%x) : f32[3]', '    return %y', '  }', '}'].join('\n'));
    expect(plain.manifest.indexSites).toBeUndefined();
    expect(plain.shaders.some((s) => s.code.includes('binding(4)'))).toBe(false);
    const c = compileText(gatherText([5, 3], 1, 4, 'i64', true), 'O2');
    expect(c.shaders.filter((s) => s.code.includes('@binding(4) var<storage, read_write> S: array<atomic<u32>>')).length).toBe(1);
    expect(await validateShaders(c)).toEqual([]);
  });
});
