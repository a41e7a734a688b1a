// What the wasm and webgpu runtimes share (src/runtime/common.ts) and the webgpu runtime's cached
// bindings (webgpu-bind.ts): one model loaded once on each backend, run at bindings that come
// and go in random order (n = 0 and 1 included), answers the interpreter each time, including a
// constant output and after the caller mutated the dims it got back; both refuse the same bad
// feeds with the same text; a typed array from another realm is accepted by both. And the
// manifest types the compiler imports from the runtime keep the runtime free of the compiler:
// no runtime file imports anything outside src/runtime, not even a type.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../src/runtime/index.js';
import { instantiateWebGpu } from '../../src/runtime/webgpu.js';
import { compileText, expectClose, gpuDevice, interpText, rand } from '../backends/webgpu/helpers.js';
import { REPO } from '../web/runtime-package.js';

const TEXT = [
  'module @m {',
  '  func @main(%a: f32[n,3]) -> (%y: f32[n,3], %s: f32[n], %c: f32[3]) {',
  '    %y = mul(%a, %a) : f32[n,3]',
  '    %ax = const {value = dense<[1]> : i64[1]} : i64[1]',
  '    %s = reduce_sum(%a, %ax) {keepdims = 0} : f32[n]',
  '    %c = const {value = dense<[1.5, 2.5, -3]> : f32[3]} : f32[3]',
  '    return %y, %s, %c',
  '  }',
  '}',
].join('\n');

type Runner = (feeds: Record<string, RunTensor>) => Promise<Record<string, RunTensor>>;

async function runners(): Promise<Record<'wasm' | 'webgpu', Runner>> {
  const w = await compileWasm(parseModule(TEXT, { file: 'test.ir' }), { passes: 'fuse' });
  const wm = await instantiateCompiled(w.manifest, w.wasm, w.weights);
  const g = compileText(TEXT);
  const gm = await instantiateWebGpu(g.manifest, g.shaders.map((s) => s.code), g.weights, await gpuDevice());
  return { wasm: (f) => wm.run(f), webgpu: (f) => gm.run(f) };
}

const asTensors = (out: Record<string, RunTensor>): Tensor[] =>
  ['y', 's', 'c'].map((k) => tensorFrom('f32', [...out[k]!.dims], out[k]!.data as Float32Array));

describe('runtimes: shared checks and cached bindings', () => {
  it('bindings in any order (outputs, constant output, dims the caller mutated) match the interpreter', async () => {
    const rs = await runners();
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(0, 1, 2, 5, 7, 13), { minLength: 2, maxLength: 6 }), async (ns) => {
      for (const [k, n] of ns.entries()) {
        const a = rand([n, 3], 31 * k + n);
        const want = interpText(TEXT, [a]);
        for (const run of Object.values(rs)) {
          const out = await run({ a: { data: a.data as Float32Array, dims: [n, 3] } });
          expectClose(asTensors(out), want);
          // The dims handed out are the caller's: changing them must not reach a later run.
          (out['y']!.dims as number[]).push(99);
          (out['s']!.dims as number[])[0] = -1;
        }
      }
    }), { numRuns: 6 });
  });

  it('both refuse bad feeds with the same text; an array from another realm is accepted', async () => {
    const rs = await runners();
    const bad: [Record<string, RunTensor>, RegExp][] = [
      [{}, /^tenth runtime: missing input 'a'$/],
      [{ a: { data: new Int32Array(6), dims: [2, 3] } }, /^tenth runtime: input 'a' must be a Float32Array \(f32\)$/],
      [{ a: { data: new Float32Array(5), dims: [2, 3] } }, /^tenth runtime: input 'a' has 5 elements, dims \[2,3\] need 6$/],
      [{ a: { data: new Float32Array(6), dims: [3, 2] } }, /^tenth runtime: input 'a' dim 1 is 2, expected 3$/],
    ];
    const foreign = runInNewContext('Float32Array.from([1, -2, 3, 0.5, 4, -6])') as Float32Array;
    expect(foreign instanceof Float32Array).toBe(false);
    const want = interpText(TEXT, [tensorFrom('f32', [2, 3], Float32Array.from(foreign))]);
    for (const run of Object.values(rs)) {
      for (const [feeds, msg] of bad) await expect(run(feeds)).rejects.toThrow(msg);
      expectClose(asTensors(await run({ a: { data: foreign, dims: [2, 3] } })), want);
    }
  });

  it('both refuse a weights.bin of the wrong size with the same text', async () => {
    const w = await compileWasm(parseModule(TEXT, { file: 'test.ir' }), { passes: 'fuse' });
    const g = compileText(TEXT);
    const msg = (got: number, want: number): RegExp => new RegExp(`^tenth runtime: weights\\.bin of m has ${got} bytes, its manifest says ${want}: the folder is damaged or mixed from two compiles; compile the model again$`);
    await expect(instantiateCompiled(w.manifest, w.wasm, w.weights.subarray(1))).rejects.toThrow(msg(w.weights.length - 1, w.weights.length));
    await expect(instantiateWebGpu(g.manifest, g.shaders.map((s) => s.code), g.weights.subarray(1), await gpuDevice())).rejects.toThrow(msg(g.weights.length - 1, g.weights.length));
  });

  it('no runtime file imports from outside src/runtime (types included)', () => {
    const dir = join(REPO, 'src', 'runtime');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*)'([^']+)'/g)].map((m) => m[1]!);
      for (const spec of specs) {
        // Node built-ins (behind a variable or a type where the file ships to browsers: portable.test.ts).
        if (spec.startsWith('node:')) continue;
        if (spec === 'webgpu') expect(f, `${f} imports ${spec}`).toBe('webgpu-node.ts');
        else expect(files, `${f} imports ${spec}`).toContain(spec.replace(/^\.\//, '').replace(/\.js$/, '.ts'));
      }
    }
    expect(files).toEqual(expect.arrayContaining(['manifest.ts', 'webgpu-manifest.ts', 'common.ts']));
  });
});
