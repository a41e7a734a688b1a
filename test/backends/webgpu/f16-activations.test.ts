// --f16 stores f32 intermediates as f16 (the half arena AH, one element each) and keeps registers,
// reductions and accumulation in f32. Everything runs in Deno on lavapipe (shader-f16), all cases
// in one process; shaders are also validated by Tint (Dawn's null backend).
// - a stored intermediate is its value rounded to one of the two f16 values around it (WGSL leaves
//   the direction to the implementation), checked exactly; graph inputs and outputs stay f32;
// - a value beyond f16's range stored there becomes +-inf (the documented behaviour), while masks
//   built from constants beyond f16's range (-1e9) stay f32 and a fully masked softmax row stays
//   uniform, as in f32;
// - fast-check: random chains (elementwise, broadcast, matmul with a weight, softmax, layer
//   normalisation), one dispatch per op or fused, against two references (see TOL below).

import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { f16BitsToNumber, numberToF16Bits, roundF16 } from '../../../ir/numeric.js';
import { parseModule } from '../../../ir/parser.js';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import { compileWebGpu, type CompiledWebGpu, writeWebGpuArtifact } from '../../../src/backends/webgpu/index.js';
import { denoRuntimeDir, type DenoJob, runDenoJobs } from './deno-jobs.js';
import { expectClose, fmtShape, hexF32, interpText, rand, validateShaders } from './helpers.js';

const rt = denoRuntimeDir();
const tmp = mkdtempSync(join(rt, 'act-'));
afterAll(() => rmSync(rt, { recursive: true, force: true }));

const compile16 = (text: string, passes: string): CompiledWebGpu => compileWebGpu(parseModule(text, { file: 'f16.ir' }), { passes, f16: true });
let jobCount = 0;
async function runAll(cases: readonly { c: CompiledWebGpu; inputs: readonly Tensor[] }[]): Promise<Tensor[][]> {
  const jobs: DenoJob[] = [];
  for (const { c, inputs } of cases) {
    expect(await validateShaders(c)).toEqual([]);
    const dir = join(tmp, String(jobCount++));
    writeWebGpuArtifact(dir, c);
    jobs.push({ dir, inputs: c.manifest.inputs.map((inp, k) => ({ name: inp.name, tensor: inputs[k]! })) });
  }
  return (await runDenoJobs(rt, jobs)).map((r) => {
    if ('error' in r) expect.fail(r.error);
    return r.outputs.map((o) => o.tensor);
  });
}
// Tolerances of the random chains (|got - want| <= atol + rtol * |want|):
// - modelled: the interpreter with the same values rounded through f16 (cast to f16 and back) as
//   the artifact stores: the GPU then rounds the same f32 values, so only f32 differences remain
//   (transcendentals, summation order; seen <= 4.2e-7 on lavapipe, 2026-11). A store rounded the
//   other way, or a value stored in f32 where the model says f16, is 2^-11 relative and fails.
// - plain: the interpreter in f32. Each stored value carries up to 2^-11 ~ 4.9e-4 relative error;
//   up to 7 of them, through matmul (|w| < 0.5, n <= 13) and softmax, were seen to add up to 1.1e-3
//   (outputs up to 3.9); 4e-3 leaves about 3x.
const TOL = { modelled: { rtol: 1e-5, atol: 1e-6 }, plain: { rtol: 4e-3, atol: 4e-3 } };
const halfNames = (c: CompiledWebGpu): string[] => c.manifest.buffers.filter((b) => b.arena === 'half').map((b) => b.name);
const f32s = (t: Tensor): Float32Array => t.data as Float32Array;

describe('webgpu --f16 intermediates (Deno on lavapipe)', () => {
  it('an intermediate is stored rounded to f16 (exactly), inputs and outputs stay f32; overflow is inf; -1e9 masks stay f32', async () => {
    // %t = x + b is an intermediate (one dispatch per op); relu and neg of an f16 value are exact.
    const n = 37;
    const store = [
      'module @m {',
      `  func @main(%x: f32[${n}], %b: f32[${n}]) -> (%y: f32[${n}], %s: f32[${n}]) {`,
      `    %t = add(%x, %b) : f32[${n}]`,
      `    %y = relu(%t) : f32[${n}]`,
      `    %s = neg(%x) : f32[${n}]`,
      '    return %y, %s',
      '  }',
      '}',
    ].join('\n');
    const x = rand([n], 5), b = rand([n], 6);
    // Big values (up to 1e5 after the add) must come back as +inf, small ones as f16 roundings.
    f32s(x).forEach((v, i, a) => (a[i] = i % 9 === 0 ? 1e5 : v * 300));
    const cStore = compile16(store, '');
    expect(halfNames(cStore)).toEqual(['t']);
    expect(cStore.manifest.buffers.filter((bb) => bb.kind !== 'weight' && bb.name !== 't').every((bb) => bb.dtype === 'f32' && bb.esize === 4)).toBe(true);
    expect(cStore.shaders[0]!.code).toMatch(/^enable f16;[^]*var<storage, read_write> AH: array<f16>;/);

    // A mask of -1e9 built at run time: %m and the masked scores stay f32 (beyond f16's range),
    // softmax bounds the chain again, so %p is f16. Row 0 fully masked: uniform, as in f32.
    const mask = [
      'module @m {',
      '  func @main(%s: f32[3,5], %keep: f32[3,5]) -> (%y: f32[3,5]) {',
      '    %one = const {value = dense<1.0> : f32[]} : f32[]',
      '    %big = const {value = dense<-1e9> : f32[]} : f32[]',
      '    %two = const {value = dense<2.0> : f32[]} : f32[]',
      '    %d = sub(%one, %keep) : f32[3,5]',
      '    %m = mul(%d, %big) : f32[3,5]',
      '    %z = add(%s, %m) : f32[3,5]',
      '    %p = softmax(%z) {axis = -1} : f32[3,5]',
      '    %y = mul(%p, %two) : f32[3,5]',
      '    return %y',
      '  }',
      '}',
    ].join('\n');
    const keep = tensorFrom('f32', [3, 5], [0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1]);
    const s = rand([3, 5], 9);
    const cMask = compile16(mask, '');
    expect(halfNames(cMask).sort()).toEqual(['d', 'p']);

    const [[y, sOut], [yMask]] = await runAll([{ c: cStore, inputs: [x, b] }, { c: cMask, inputs: [s, keep] }]) as [Tensor[], Tensor[]];
    f32s(y!).forEach((got, i) => {
      const exact = Math.max(0, Math.fround(f32s(x)[i]! + f32s(b)[i]!));
      if (Math.abs(exact) >= 65536) return expect(got, `element ${i}`).toBe(Infinity);
      // The f16 values on either side of the (non-negative) f32 sum, one when it is representable.
      const bits = numberToF16Bits(exact), r = f16BitsToNumber(bits);
      const other = r === exact ? r : f16BitsToNumber(r < exact ? bits + 1 : bits - 1);
      expect([r, other], `element ${i}: ${exact}`).toContain(got);
    });
    expect(f32s(y!).filter((v) => v === Infinity).length).toBe(5);
    // The output computed from the f32 input directly is not rounded.
    expectClose([sOut!], [tensorFrom('f32', [n], f32s(x).map((v) => -v))], 0, 0);
    const want = interpText(mask, [s, keep]);
    expectClose([yMask!], want, 2 ** -10, 1e-6);
    expect([...f32s(yMask!).slice(0, 5)]).toEqual([0.4, 0.4, 0.4, 0.4, 0.4].map((v) => roundF16(v)));
  }, 30_000);
  it('random chains, one dispatch per op or fused: close to the interpreter, closer to it with the f16 stores modelled', async () => {
    const size = fc.constantFrom(1, 2, 3, 5, 7, 13);
    const unary = ['relu', 'tanh', 'sigmoid', 'neg', 'abs', 'erf', 'hard_swish'];
    const binary = ['add', 'sub', 'mul', 'max', 'min'];
    const step = fc.constantFrom(...unary, ...binary, 'matmul', 'softmax');
    const samples = fc.sample(fc.tuple(fc.array(size, { minLength: 1, maxLength: 3 }), fc.array(step, { minLength: 2, maxLength: 6 }),
      fc.boolean(), fc.constantFrom('', 'O2'), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 1, max: 1e6 })), { numRuns: 14, seed: 516 });
    const cases = samples.map(([shape, chain, norm, passes, bmask, seed]) => {
      const n = shape[shape.length - 1]!;
      const bShape = shape.map((d, i) => (bmask[i] ? 1 : d)).slice(seed % 2);
      const w = rand([n, n], seed + 1), g = rand([n], seed + 2);
      f32s(w).forEach((v, i, a) => (a[i] = v * 0.5));
      const ops: { v: string; op: string; args: string[]; attrs?: string }[] = [];
      let cur = '%x';
      if (norm) ops.push({ v: 'ln', op: 'layer_normalization', args: [cur, '%g'], attrs: '{axis = -1, epsilon = 1e-5}' });
      if (norm) cur = '%ln';
      chain.forEach((op, i) => {
        const args = binary.includes(op) ? [cur, '%b'] : op === 'matmul' ? [cur, '%w'] : [cur];
        ops.push({ v: `v${i}`, op, args, attrs: op === 'softmax' ? '{axis = -1}' : undefined });
        cur = `%v${i}`;
      });
      // The module; with `rounded`, the values the artifact keeps in the half arena, matmul's
      // operands (its f16 workgroup tiles) and the weights (stored as f16) rounded through f16.
      const module = (rounded?: Set<string>): string => {
        const t = fmtShape(shape);
        const half = (v: string, at: string[]): void => { at.push(`    %${v}_h = cast(%${v}) {to = f16} : ${fmtShape(shape, 'f16')}`, `    %${v}_r = cast(%${v}_h) {to = f32} : ${t}`); };
        const body: string[] = [];
        const use = (a: string): string => (rounded?.has(a.slice(1)) ? `${a}_r` : a);
        for (const o of ops) {
          const args = o.args.map(use);
          if (rounded && o.op === 'matmul' && !rounded.has(o.args[0]!.slice(1))) {
            body.push(`    ${args[0]}_m = cast(${args[0]}) {to = f16} : ${fmtShape(shape, 'f16')}`, `    ${args[0]}_n = cast(${args[0]}_m) {to = f32} : ${t}`);
            args[0] = `${args[0]}_n`;
          }
          body.push(`    %${o.v} = ${o.op}(${args.join(', ')})${o.attrs ? ` ${o.attrs}` : ''} : ${t}`);
          if (rounded?.has(o.v)) half(o.v, body);
        }
        const wd = rounded ? Float32Array.from(f32s(w), roundF16) : f32s(w), gd = rounded ? Float32Array.from(f32s(g), roundF16) : f32s(g);
        return [
          'module @m {',
          `  weight @w : ${fmtShape([n, n])} = bytes("${hexF32(wd)}")`,
          `  weight @g : ${fmtShape([n])} = bytes("${hexF32(gd)}")`,
          `  func @main(%x: ${t}, %b: ${fmtShape(bShape)}) -> (%y: ${t}) {`,
          `    %w = const {value = @w} : ${fmtShape([n, n])}`,
          `    %g = const {value = @g} : ${fmtShape([n])}`,
          ...body,
          `    %y = neg(${use(cur)}) : ${t}`,
          '    return %y',
          '  }',
          '}',
        ].join('\n');
      };
      const text = module();
      const c = compile16(text, passes);
      const x = rand(shape, seed), b = rand(bShape, seed + 3);
      f32s(x).forEach((v, i, a) => (a[i] = v * 3));
      const stored = new Set(halfNames(c).map((name) => name.replace(/\.in\d*$/, '')));
      return { c, inputs: [x, b], text, roundedText: module(stored), stored, desc: `${passes || 'none'} [${shape}] ${norm ? 'ln ' : ''}${chain.join(' ')}` };
    });
    // Most cases store intermediates in the half arena (a chain fused whole stores none).
    expect(cases.filter((k) => k.stored.size > 0).length).toBeGreaterThan(cases.length / 2);
    const got = await runAll(cases);
    cases.forEach((k, i) => {
      try {
        expectClose(got[i]!, interpText(k.roundedText, k.inputs), TOL.modelled.rtol, TOL.modelled.atol);
        expectClose(got[i]!, interpText(k.text, k.inputs), TOL.plain.rtol, TOL.plain.atol);
      } catch (e) {
        throw new Error(`${k.desc}: ${(e as Error).message}`);
      }
    });
  }, 60_000);
});
