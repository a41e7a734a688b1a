// Gather indices outside [-n, n) are an error (ONNX; the interpreter raises E501). The wasm
// gather kernel checks every index and the runtime raises `tenth runtime: ...` naming the op, the
// index and the size (before: a trap "memory access out of bounds", or another buffer's bytes
// returned with exit 0). Valid indices, negative ones included, still match the interpreter, and
// the model keeps running after a refused run.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../../ir/diagnostics.js';
import { interpret } from '../../../ir/interp.js';
import type { Module } from '../../../ir/ir.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { importOnnxFile } from '../../../src/onnx/import.js';
import { instantiateCompiled, type CompiledModel, type RunTensor } from '../../../src/runtime/index.js';
import { expectClose } from './helpers.js';

const gatherText = (ds: readonly number[], axis: number, n: number, it: 'i32' | 'i64'): string => {
  const ys = [...ds.slice(0, axis), n, ...ds.slice(axis + 1)];
  return [
    'module @m {',
    `  func @main(%x: f32[${ds.join(',')}], %i: ${it}[${n}]) -> (%y: f32[${ys.join(',')}]) {`,
    `    %y = gather(%x, %i) {axis = ${axis}} : f32[${ys.join(',')}]`,
    '    return %y',
    '  }',
    '}',
  ].join('\n');
};

async function load(text: string): Promise<CompiledModel> {
  const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
  return instantiateCompiled(c.manifest, c.wasm, c.weights);
}

/** The interpreter's error for these inputs (it must raise a TenthError). */
const interpError = (module: () => Module, ins: Tensor[]): string => {
  try { interpret(module(), ins); } catch (e) {
    expect(e).toBeInstanceOf(TenthError);
    return String(e);
  }
  return 'no error';
};

describe('wasm gather: indices are checked at run time', () => {
  it('valid indices match the interpreter; one index out of range is refused naming the op, index and size', async () => {
    const dim = fc.constantFrom<number>(1, 2, 3, 5, 7);
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom<'i32' | 'i64'>('i32', 'i64'),
      fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 1, maxLength: 6 }), fc.nat(), fc.integer({ min: -3, max: 3 }), async (ds, ax, it, seeds, at, bad) => {
        const axis = ax % ds.length, n = ds[axis]!;
        // seeds pick valid indices from both ends; then one may be replaced by an invalid one.
        const idx = seeds.map((s, q) => (s < 0 ? -1 - (q % n) : (q * 3) % n));
        const wrong = bad === 0 ? undefined : bad > 0 ? n + bad - 1 : -n + bad;
        if (wrong !== undefined) idx[at % idx.length] = wrong;
        const text = gatherText(ds, axis, idx.length, it);
        const x = tensorFrom('f32', ds, Float32Array.from({ length: ds.reduce((a, b) => a * b, 1) }, (_, i) => i + 0.5));
        const iv = it === 'i64' ? tensorFrom('i64', [idx.length], BigInt64Array.from(idx.map(BigInt))) : tensorFrom('i32', [idx.length], Int32Array.from(idx));
        const m = await load(text);
        const feed: Record<string, RunTensor> = { x: { data: x.data as Float32Array, dims: ds }, i: { data: iv.data as RunTensor['data'], dims: [idx.length] } };
        if (wrong === undefined) {
          const out = (await m.run(feed))['y']!;
          expectClose([{ dtype: 'f32', shape: [...out.dims], data: out.data as Float32Array }], interpret(parseModule(text, { file: 'test.ir' }), [x, iv]));
          return;
        }
        expect(interpError(() => parseModule(text, { file: 'test.ir' }), [x, iv])).toMatch(new RegExp(`E501: gather: gather index ${wrong} is out of range for a dim of size ${n}`));
        await expect(m.run(feed)).rejects.toThrow(new RegExp(`^tenth runtime: gather %y at test\\.ir:3:5: index ${wrong} is out of range for a dim of size ${n} \\(valid: ${-n} to ${n - 1}\\)$`));
        // The instance is reusable and the record cleared: a valid run after a refused one works.
        idx[at % idx.length] = 0;
        const ok = it === 'i64' ? tensorFrom('i64', [idx.length], BigInt64Array.from(idx.map(BigInt))) : tensorFrom('i32', [idx.length], Int32Array.from(idx));
        const again = (await m.run({ ...feed, i: { data: ok.data as RunTensor['data'], dims: [idx.length] } }))['y']!;
        expectClose([{ dtype: 'f32', shape: [...again.dims], data: again.data as Float32Array }], interpret(parseModule(text, { file: 'test.ir' }), [x, ok]));
      }), { numRuns: 30 });
  }, 30_000);

  it('gather_elements: valid indices match the interpreter, an index out of range is refused naming the op (was: read outside the data)', async () => {
    const text = [
      'module @m {',
      '  func @main(%x: f32[3,2], %i: i64[2,2]) -> (%y: f32[2,2]) {',
      '    %y = gather_elements(%x, %i) {axis = 0} : f32[2,2]',
      '    return %y',
      '  }',
      '}',
    ].join('\n');
    const m = await load(text);
    const x = tensorFrom('f32', [3, 2], Float32Array.from([1, 2, 3, 4, 5, 6]));
    for (const idx of [[0n, -1n, 2n, -3n], [0n, 1n, 3n, 0n], [-4n, 0n, 0n, 0n], [0n, 0n, 0n, 2n ** 40n]]) {
      const iv = tensorFrom('i64', [2, 2], BigInt64Array.from(idx));
      const feed: Record<string, RunTensor> = { x: { data: x.data as Float32Array, dims: [3, 2] }, i: { data: iv.data as BigInt64Array, dims: [2, 2] } };
      const bad = idx.find((v) => v < -3n || v >= 3n);
      if (bad === undefined) {
        const out = (await m.run(feed))['y']!;
        expectClose([{ dtype: 'f32', shape: [...out.dims], data: out.data as Float32Array }], interpret(parseModule(text, { file: 'test.ir' }), [x, iv]));
        continue;
      }
      expect(interpError(() => parseModule(text, { file: 'test.ir' }), [x, iv])).toMatch(/E501: gather_elements: gather_elements index -?\d+ is out of range for a dim of size 3/);
      await expect(m.run(feed)).rejects.toThrow(new RegExp(`^tenth runtime: gather_elements %y at test\\.ir:3:5: index ${bad} is out of range for a dim of size 3`));
    }
  });

  it('an i64 index that only fits after wrapping to 32 bits (2^32 + 1) is refused, not read as row 1', async () => {
    const text = gatherText([3, 2], 0, 1, 'i64');
    const m = await load(text);
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    await expect(m.run({ x: { data: x, dims: [3, 2] }, i: { data: BigInt64Array.from([2n ** 32n + 1n]), dims: [1] } }))
      .rejects.toThrow(/tenth runtime: gather %y at test\.ir:3:5: index 4294967297 is out of range for a dim of size 3/);
  });

  it('tiny_bert with token id 5000 or -1001 (vocabulary 1000) is refused naming the word-embedding Gather', async () => {
    const path = '/work/shared/models/tiny_bert/model.onnx';
    const c = await compileWasm(importOnnxFile(path), {});
    const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    const ids = (bad: number): BigInt64Array => BigInt64Array.from([5, 17, bad, 3].map(BigInt));
    const feed = (bad: number): Record<string, RunTensor> => ({
      input_ids: { data: ids(bad), dims: [1, 4] },
      attention_mask: { data: BigInt64Array.from([1n, 1n, 1n, 1n]), dims: [1, 4] },
      token_type_ids: { data: new BigInt64Array(4), dims: [1, 4] },
    });
    for (const bad of [5000, -1001]) {
      const ins = ['input_ids', 'attention_mask', 'token_type_ids'].map((n) => tensorFrom('i64', [1, 4], feed(bad)[n]!.data as BigInt64Array));
      expect(interpError(() => importOnnxFile(path), ins))
        .toMatch(new RegExp(`node "/word/Gather": error E501: gather: gather index ${bad} is out of range for a dim of size 1000`));
      await expect(m.run(feed(bad))).rejects.toThrow(new RegExp(`^tenth runtime: gather %/word/Gather_output_0 at model\\.onnx: node "/word/Gather": index ${bad} is out of range for a dim of size 1000`));
    }
    // -1000 is the first row: valid.
    const want = interpret(importOnnxFile(path), ['input_ids', 'attention_mask', 'token_type_ids'].map((n) => tensorFrom('i64', [1, 4], feed(-1000)[n]!.data as BigInt64Array)));
    const out = (await m.run(feed(-1000)))['last_hidden_state']!;
    expectClose([{ dtype: 'f32', shape: [...out.dims], data: out.data as Float32Array }], want.slice(0, 1), 1e-4, 1e-4);
  }, 30_000);
});
