// f16 ops with symbolic dims on the wasm backend (dtype-promote.ts: f32 stand-ins sized by the
// runtime's arena plan; constant f16 weights decoded to f32 at compile time). Each module compiles
// once with its dims symbolic (plain and fused) and runs at random bindings (1, primes, odd
// sizes), checked against the interpreter on the same bound shapes: exact where the f32 op is
// exact (add/mul/sub/relu/max, rounded to f16 like the interpreter), within an f16 ulp or two
// where f32 and the interpreter's f64 may round a sum or exp the other way (matmul, softmax,
// layer_normalization, erf). The threaded variant gives model.wasm's bits on 2 and 3 threads.
// Needs KernelCtx.scratchDims (lower.ts): without it these ops are refused with E201.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numberToF16Bits } from '../../../ir/numeric.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateCompiled, type CompiledModel, type RunTensor } from '../../../src/runtime/index.js';
import { expectExact, expectNear, rng, ty } from './dtype-helpers.js';
import { interpText } from './helpers.js';

const DIM = fc.constantFrom(1, 2, 3, 5, 7, 11, 13);

/** Random values in [-3, 3) rounded to f16 (the interpreter's storage). */
function randF16(shape: readonly number[], r: () => number): Tensor {
  return tensorFrom('f16', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() - 0.5) * 6));
}
const f16Bytes = (t: Tensor): string => `0x${Buffer.from(Uint16Array.from(t.data as Float32Array, numberToF16Bits).buffer).toString('hex')}`;

interface Compiled { cm: CompiledModel; names: string[]; outs: { name: string; dtype: string }[] }
async function compile(text: string, passes: string): Promise<Compiled> {
  const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes, verifyEach: true });
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  return { cm, names: c.manifest.inputs.map((i) => i.name), outs: c.manifest.outputs.map((o) => ({ name: o.name, dtype: o.dtype })) };
}
async function run(c: Compiled, ins: readonly Tensor[]): Promise<Tensor[]> {
  const feed: Record<string, RunTensor> = {};
  c.names.forEach((n, i) => (feed[n] = toRunTensor(ins[i]!)));
  const out = await c.cm.run(feed);
  return c.outs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
}

describe('wasm f16 ops with symbolic dims bound at run time', () => {
  it('elementwise chains with a constant f16 weight and run-time broadcasting: exact as the interpreter (erf within an ulp)', async () => {
    const w = randF16([7], rng(5));
    const text = `module @m {
  weight @w : f16[7] = bytes("${f16Bytes(w)}")
  func @main(%a: f16[b,n,7], %c: f16[n,1]) -> (%y: f16[b,n,7], %z: f16[b,n,7]) {
    %w = const {value = @w} : f16[7]
    %t = add(%a, %w) : f16[b,n,7]
    %u = mul(%t, %c) : f16[b,n,7]
    %v = relu(%u) : f16[b,n,7]
    %y = sub(%v, %a) : f16[b,n,7]
    %e = erf(%u) : f16[b,n,7]
    %z = max(%e, %w) : f16[b,n,7]
    return %y, %z
  }
}`;
    const variants = [await compile(text, ''), await compile(text, 'fuse')];
    await fc.assert(fc.asyncProperty(DIM, DIM, fc.integer(), async (b, n, seed) => {
      const r = rng(seed);
      const ins = [randF16([b, n, 7], r), randF16([n, 1], r)];
      const want = interpText(text.replace(/b,n/g, `${b},${n}`).replace('f16[n,1]', `f16[${n},1]`), ins);
      for (const c of variants) {
        const got = await run(c, ins);
        expectExact(got.slice(0, 1), want.slice(0, 1), false, `b=${b} n=${n} y`);
        expectNear(got.slice(1), want.slice(1), 2 ** -9, 2 ** -12);
      }
    }), { numRuns: 25 });
  });

  it('linear + layer_normalization, attention scores (both operands symbolic) + softmax: within two f16 ulps of the interpreter', async () => {
    const r0 = rng(9);
    const W = randF16([5, 6], r0), B = randF16([6], r0), S = randF16([6], r0), Z = randF16([6], r0);
    const text = `module @m {
  weight @W : f16[5,6] = bytes("${f16Bytes(W)}")
  weight @B : f16[6] = bytes("${f16Bytes(B)}")
  weight @S : f16[6] = bytes("${f16Bytes(S)}")
  weight @Z : f16[6] = bytes("${f16Bytes(Z)}")
  func @main(%x: f16[b,s,5], %q: f16[b,s,4], %k: f16[b,4,t]) -> (%n: f16[b,s,6], %p: f16[b,s,t]) {
    %W = const {value = @W} : f16[5,6]
    %B = const {value = @B} : f16[6]
    %S = const {value = @S} : f16[6]
    %Z = const {value = @Z} : f16[6]
    %h = matmul(%x, %W) : f16[b,s,6]
    %g = add(%h, %B) : f16[b,s,6]
    %n = layer_normalization(%g, %S, %Z) {axis = -1, epsilon = 0.01} : f16[b,s,6]
    %a = matmul(%q, %k) : f16[b,s,t]
    %p = softmax(%a) {axis = -1} : f16[b,s,t]
    return %n, %p
  }
}`;
    const variants = [await compile(text, ''), await compile(text, 'fuse')];
    await fc.assert(fc.asyncProperty(DIM, DIM, DIM, fc.integer(), async (b, s, t, seed) => {
      const r = rng(seed);
      const ins = [randF16([b, s, 5], r), randF16([b, s, 4], r), randF16([b, 4, t], r)];
      const want = interpText(text.replace(/b,s,/g, `${b},${s},`).replace(/b,4,t/g, `${b},4,${t}`).replace(/,t\]/g, `,${t}]`), ins);
      for (const c of variants) {
        const got = await run(c, ins);
        expect(got.map((g) => g.shape)).toEqual([[b, s, 6], [b, s, t]]);
        expectNear(got, want, 2 ** -9, 2 ** -11);
      }
    }), { numRuns: 25 });
  });

  it('threaded variant (every op split where it can be): the same bits on 1, 2 and 3 threads at each binding', async () => {
    const text = `module @m {
  func @main(%x: f16[b,s,16], %w: f16[16,24], %c: f16[b,s,24]) -> (%y: f16[b,s,24]) {
    %h = matmul(%x, %w) : f16[b,s,24]
    %p = softmax(%h) {axis = -1} : f16[b,s,24]
    %y = add(%p, %c) : f16[b,s,24]
    return %y
  }
}`;
    const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', threads: true, threadMinWork: 0 });
    const single = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    const threaded = c.threads!.find((v) => v.file === 'model-threads.wasm')!;
    const multi = [2, 3].map((n) => instantiateCompiled(c.manifest, threaded.wasm, c.weights, { threads: n }));
    try {
      await fc.assert(fc.asyncProperty(DIM, fc.constantFrom(1, 5, 40, 61), fc.integer(), async (b, s, seed) => {
        const r = rng(seed);
        const ins = [randF16([b, s, 16], r), randF16([16, 24], r), randF16([b, s, 24], r)];
        const feed: Record<string, RunTensor> = { x: toRunTensor(ins[0]!), w: toRunTensor(ins[1]!), c: toRunTensor(ins[2]!) };
        const want = (await single.run(feed))['y']!;
        expectNear([fromRunTensor('f16', want)], interpText(text.replace(/b,s,/g, `${b},${s},`), ins), 2 ** -9, 2 ** -11);
        for (const m of multi) {
          const got = (await (await m).run(feed))['y']!;
          expect(Buffer.from((got.data as Uint16Array).buffer).equals(Buffer.from((want.data as Uint16Array).buffer)), `b=${b} s=${s}`).toBe(true);
        }
      }), { numRuns: 10 });
    } finally {
      for (const m of multi) (await m).dispose();
    }
  });
});
