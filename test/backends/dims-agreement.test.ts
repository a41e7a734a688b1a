// Dims a shape rule takes as equal without being able to prove it (concat's other dims, matmul and
// gemm inner dims, broadcasting of two symbols): the result takes one of them and every engine
// checks the equality at run time. For random sizes that make the model valid, the interpreter,
// the WASM runtime and the WebGPU runtime agree; for sizes that break it, each refuses with an
// error naming the node (never an answer: the kernels would read past a buffer or mix rows).

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import type { Module } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import type { Tensor } from '../../ir/tensor.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { instantiateCompiled, type RunTensor } from '../../src/runtime/index.js';
import { instantiateWebGpu } from '../../src/runtime/webgpu.js';
import { expectClose, gpuDevice, rand } from './webgpu/helpers.js';

interface Case {
  readonly name: string;
  readonly text: string;
  /** Input shapes for sizes (a, b). */
  readonly shapes: (a: number, b: number) => number[][];
  /** Whether the model is valid for sizes (a, b): a plain statement of the op's rule. */
  readonly valid: (a: number, b: number) => boolean;
  /** The op (and its IR line) whose condition the bad sizes break. */
  readonly node: RegExp;
}

const mod = (args: string, result: string, body: readonly string[]): string =>
  ['module @m {', `  func @main(${args}) -> (%z: ${result}) {`, ...body.map((l) => `    ${l}`), '    return %z', '  }', '}'].join('\n');

const CASES: readonly Case[] = [
  {
    // U-Net's skip connection in miniature: a pooled length floordiv(h,2) next to a length w.
    name: 'concat of floordiv(h,2) and w',
    text: mod('%x: f32[1,2,h], %s: f32[1,3,w]', 'f32[1,5,w]', [
      '%p = max_pool(%x) {kernel_shape = [2], strides = [2]} : f32[1,2,"floordiv(h,2)"]',
      '%y = concat(%p, %s) {axis = 1} : f32[1,5,w]',
      '%z = mul(%y, %y) : f32[1,5,w]',
    ]),
    shapes: (a, b) => [[1, 2, a], [1, 3, b]],
    valid: (a, b) => Math.floor(a / 2) === b,
    node: /concat %y(\.in)? at test\.ir:4:5/,
  },
  {
    // The U-Net's own: pool, pool, upsample x2 next to one pool: equal for h mod 4 in {0, 1}.
    name: 'concat of 2*floordiv(floordiv(h,2),2) and floordiv(h,2)',
    text: mod('%x: f32[1,2,h], %s: f32[1,3,h]', 'f32[1,5,"floordiv(h,2)"]', [
      '%p = max_pool(%x) {kernel_shape = [2], strides = [2]} : f32[1,2,"floordiv(h,2)"]',
      '%q = max_pool(%p) {kernel_shape = [2], strides = [2]} : f32[1,2,"floordiv(floordiv(h,2),2)"]',
      '%sc = const {value = dense<[1.0,1.0,2.0]> : f32[3]} : f32[3]',
      '%roi = const {value = dense<[]> : f32[0]} : f32[0]',
      '%u = resize(%q, %roi, %sc) {coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor"} : f32[1,2,"2*floordiv(floordiv(h,2),2)"]',
      '%t = max_pool(%s) {kernel_shape = [2], strides = [2]} : f32[1,3,"floordiv(h,2)"]',
      '%z = concat(%u, %t) {axis = 1} : f32[1,5,"floordiv(h,2)"]',
    ]),
    shapes: (a, b) => [[1, 2, a + b], [1, 3, a + b]],
    valid: (a, b) => 2 * Math.floor(Math.floor((a + b) / 2) / 2) === Math.floor((a + b) / 2),
    node: /concat %z(\.in)? at test\.ir:9:5/,
  },
  {
    name: 'concat of n and m along axis 0',
    text: mod('%a: f32[2,n], %b: f32[3,m]', 'f32[5,n]', ['%z = concat(%a, %b) {axis = 0} : f32[5,n]']),
    shapes: (a, b) => [[2, a], [3, b]],
    valid: (a, b) => a === b,
    node: /concat %z at test\.ir:3:5/,
  },
  {
    // The static dim wins; the symbol must equal it (was not checked before: rows got mixed).
    name: 'concat of n and a static 4',
    text: mod('%a: f32[2,n], %b: f32[3,4]', 'f32[5,4]', ['%z = concat(%a, %b) {axis = 0} : f32[5,4]']),
    shapes: (a) => [[2, a], [3, 4]],
    valid: (a) => a === 4,
    node: /concat %z at test\.ir:3:5: operand %a dim 1 \('n'\) differs from '4'/,
  },
  {
    name: 'matmul inner dims n and m',
    text: mod('%a: f32[2,n], %b: f32[m,3]', 'f32[2,3]', ['%z = matmul(%a, %b) : f32[2,3]']),
    shapes: (a, b) => [[2, a], [b, 3]],
    valid: (a, b) => a === b,
    node: /matmul %z at test\.ir:3:5/,
  },
  {
    name: 'batched matmul: batch dims broadcast, inner dims agree',
    text: mod('%a: f32[n,2,4], %b: f32[m,4,3]', 'f32["max(m,n)",2,3]', ['%z = matmul(%a, %b) : f32["max(m,n)",2,3]']),
    shapes: (a, b) => [[a, 2, 4], [b, 4, 3]],
    valid: (a, b) => a === b || a === 1 || b === 1,
    node: /matmul %z at test\.ir:3:5/,
  },
  {
    name: 'gemm with transB: inner dims n and m',
    text: mod('%a: f32[2,n], %b: f32[3,m]', 'f32[2,3]', ['%z = gemm(%a, %b) {transB = 1} : f32[2,3]']),
    shapes: (a, b) => [[2, a], [3, b]],
    valid: (a, b) => a === b,
    node: /gemm %z at test\.ir:3:5/,
  },
  {
    name: 'add broadcasting n against m',
    text: mod('%a: f32[n,3], %b: f32[m,3]', 'f32["max(m,n)",3]', ['%z = add(%a, %b) : f32["max(m,n)",3]']),
    shapes: (a, b) => [[a, 3], [b, 3]],
    valid: (a, b) => a === b || a === 1 || b === 1,
    node: /add %z at test\.ir:3:5/,
  },
];

interface Engines {
  module: Module;
  wasm: (feeds: Record<string, RunTensor>) => Promise<Record<string, RunTensor>>;
  gpu: (feeds: Record<string, RunTensor>) => Promise<Record<string, RunTensor>>;
}

const engines = new Map<string, Engines>();
beforeAll(async () => {
  const device = await gpuDevice();
  for (const c of CASES) {
    const module = parseModule(c.text, { file: 'test.ir' });
    const w = await compileWasm(parseModule(c.text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
    const wm = await instantiateCompiled(w.manifest, w.wasm, w.weights);
    const g = compileWebGpu(parseModule(c.text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
    const gm = await instantiateWebGpu(g.manifest, g.shaders.map((s) => s.code), g.weights, device);
    engines.set(c.name, { module, wasm: (f) => wm.run(f), gpu: (f) => gm.run(f) });
  }
}, 60_000);

describe('dims a shape rule took as equal: checked at run time by every engine', () => {
  for (const c of CASES) {
    it(`${c.name}: valid sizes match the interpreter, others are refused naming the node`, async () => {
      const e = engines.get(c.name)!;
      const names = e.module.main.args.map((v) => v.name);
      const sizes = fc.constantFrom(1, 2, 3, 4, 5, 7, 11);
      await fc.assert(fc.asyncProperty(sizes, sizes, fc.integer(), async (a, b, seed) => {
        const ins = c.shapes(a, b).map((s, i) => rand(s, seed + i));
        const feed: Record<string, RunTensor> = {};
        ins.forEach((t, i) => (feed[names[i]!] = { data: t.data as RunTensor['data'], dims: t.shape }));
        const asTensor = (out: Record<string, RunTensor>): Tensor[] =>
          [{ dtype: 'f32', shape: [...out['z']!.dims], data: out['z']!.data as Float32Array }];
        if (c.valid(a, b)) {
          const want = interpret(e.module, ins);
          expectClose(asTensor(await e.wasm(feed)), want);
          expectClose(asTensor(await e.gpu(feed)), want);
          return;
        }
        let err: unknown;
        try { interpret(e.module, ins); } catch (x) { err = x; }
        expect(err).toBeInstanceOf(TenthError);
        expect((err as TenthError).diagnostics[0]!.code).toBe('E501');
        expect(String(err)).toMatch(/test\.ir:\d+:5: error E501: (concat|matmul|gemm|add)/);
        for (const run of [e.wasm, e.gpu]) {
          await expect(run(feed)).rejects.toThrow(/tenth runtime: these inputs do not fit the model/);
          await expect(run(feed)).rejects.toThrow(c.node);
        }
      }), { numRuns: Number(process.env.RUNS ?? 25) });
    }, 30_000);
  }
});
