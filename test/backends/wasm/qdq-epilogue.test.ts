// QDQ's fake-quant pairs applied in registers (kernels/conv-epilogue.ts, quant-linear.ts) against
// the interpreter, bit for bit (-0 is not 0, NaN matches NaN): a conv (pointwise, depthwise,
// direct over padded planes, the checked general kernel) followed by chains of
// quantize_linear -> dequantize_linear pairs to u8 / i8 (per tensor or per output channel, with
// or without zero points, the dequantize's scale sometimes differing from the quantize's),
// relu / clip between them, and the residual add of a dequantize_linear of u8/i8 codes given as
// input; NaN and infinities in the input reach the pairs. Chains must stop where a code or an
// intermediate is also returned. The pair after a pool or an add (not a conv) runs as one pass.
// Inputs, weights and bias are multiples of 1/8 and 1/16 small enough that every conv sum is exact
// in f32 whatever its order (the kernels sum in other orders than the interpreter); with
// power-of-two scales many quotients are exact ties.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { runPipeline } from '../../../passes/index.js';
import { compileWasm, WASM_PROFILE } from '../../../src/backends/wasm/compile.js';
import { lowerModule } from '../../../src/backends/wasm/lower.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { expectExact, rng } from './dtype-helpers.js';
import { hexF32, interpText } from './helpers.js';

type Codes = 'u8' | 'i8';
// qdq-h: per-axis scales along H, which the epilogue leaves to the quantize/dequantize kernels.
type Step = 'relu' | 'clip' | 'qdq' | 'qdq-pc' | 'qdq-h' | 'add-dq';
type Kind = 'pointwise' | 'depthwise' | 'direct' | 'general';

interface Case {
  kind: Kind; N: number; C: number; H: number; W: number; codes: Codes; chain: Step[];
  zp: boolean; sameDq: boolean; special: boolean; stop: 'none' | 'codes' | 'value'; seed: number;
}

const ty = (dt: string, s: readonly number[]): string => `${dt}[${s.join(',')}]`;
const dense = (dt: string, shape: number[], v: readonly (number | string)[]): string =>
  `const {value = dense<${shape.length ? `[${v.join(', ')}]` : v[0]}> : ${ty(dt, shape)}} : ${ty(dt, shape)}`;

function build(c: Case): { text: string; inputs: Tensor[]; pairs: number } {
  const r = rng(c.seed);
  const { kind, N, C, H, W, codes } = c;
  const k = kind === 'pointwise' ? 1 : 3;
  const pad = kind === 'pointwise' ? 0 : 1;
  const Co = kind === 'depthwise' ? C : C + 2;
  const group = kind === 'depthwise' ? C : 1;
  const [lo, hi] = codes === 'u8' ? [0, 255] : [-128, 127];
  const yShape = [N, Co, H, W], yT = ty('f32', yShape);
  const wShape = [Co, C / group, k, k];
  const body = [
    `    %w = const {value = @w} : ${ty('f32', wShape)}`,
    `    %b = const {value = @b} : f32[${Co}]`,
    '    %lo = const {value = dense<-0.25> : f32[]} : f32[]',
    '    %hi = const {value = dense<0.75> : f32[]} : f32[]',
    `    %v0 = conv(%x, %w, %b) {dilations = [1, 1], group = ${group}, kernel_shape = [${k}, ${k}], pads = [${pad}, ${pad}, ${pad}, ${pad}], strides = [1, 1]} : ${yT}`,
  ];
  // Scale (power-of-two steps make exact ties likely) and zero point consts, per tensor or per channel.
  let nq = 0;
  const params = (pc: boolean | 'h'): string => {
    const n = pc === 'h' ? H : pc ? Co : 1, shape = pc ? [n] : [], id = nq++;
    // Now and then a negative scale (the interpreter takes it; relu must not merge into such a pair).
    const s = Array.from({ length: n }, () => Math.fround((r() < 0.1 ? -1 : 1) * 2 ** -Math.floor(2 + r() * 6) * (r() < 0.5 ? 1 : 1 + Math.floor(r() * 8) / 8)));
    const z = Array.from({ length: n }, () => (r() < 0.3 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1))));
    body.push(`    %s${id} = ${dense('f32', shape, s.map((v) => v.toPrecision(9)))}`);
    if (c.zp) body.push(`    %z${id} = ${dense(codes, shape, z)}`);
    return `%s${id}${c.zp ? `, %z${id}` : ''}) {axis = ${pc === 'h' ? 2 : 1}${c.zp ? '' : `, output_dtype = ${codes}`}`;
  };
  let last = '%v0', pairs = 0, firstCodes: string | undefined;
  c.chain.forEach((step, i) => {
    const v = `%v${i + 1}`;
    if (step === 'qdq' || step === 'qdq-pc' || step === 'qdq-h') {
      const mode = step === 'qdq-h' ? 'h' : step === 'qdq-pc';
      const q = params(mode);
      body.push(`    %q${i} = quantize_linear(${last}, ${q}} : ${ty(codes, yShape)}`);
      // The dequantize's own params when !sameDq (the pair is still exact: any scale, any zero point).
      const dq = c.sameDq ? q.replace(`, output_dtype = ${codes}`, '') : params(mode).replace(`, output_dtype = ${codes}`, '');
      body.push(`    ${v} = dequantize_linear(%q${i}, ${dq}} : ${yT}`);
      firstCodes ??= `%q${i}`;
      pairs++;
    } else if (step === 'add-dq') {
      const q = params(false).replace(`, output_dtype = ${codes}`, '');
      body.push(`    %d${i} = dequantize_linear(%r, ${q}} : ${yT}`, `    ${v} = add(${last}, %d${i}) : ${yT}`);
    } else body.push(`    ${v} = ${step === 'relu' ? `relu(${last})` : `clip(${last}, %lo, %hi)`} : ${yT}`);
    last = v;
  });
  const results: [string, string][] = [[last, yT]];
  if (c.stop === 'codes' && firstCodes) results.push([firstCodes, ty(codes, yShape)]);
  if (c.stop === 'value' && c.chain.length > 1) results.push(['%v1', yT]);
  const x = dyadic([N, C, H, W], r, 8, 16);
  if (c.special) [NaN, Infinity, -Infinity].forEach((v) => { (x.data as Float32Array)[Math.floor(r() * x.data.length)] = v; });
  const rc = tensorFrom(codes, yShape, Array.from({ length: yShape.reduce((a, b) => a * b, 1) }, () => lo + Math.floor(r() * (hi - lo + 1))));
  const text = [
    'module @m {',
    `  weight @w : ${ty('f32', wShape)} = bytes("${hexF32(dyadic(wShape, r, 16, 8).data as Float32Array)}")`,
    `  weight @b : f32[${Co}] = bytes("${hexF32(dyadic([Co], r, 8, 8).data as Float32Array)}")`,
    `  func @main(%x: ${ty('f32', [N, C, H, W])}, %r: ${ty(codes, yShape)}) -> (${results.map(([, t], i) => `%o${i}: ${t}`).join(', ')}) {`,
    ...body,
    `    return ${results.map(([v]) => v).join(', ')}`,
    '  }',
    '}',
  ].join('\n');
  return { text, inputs: [x, rc], pairs };
}

/** Multiples of 1/den in (-max/den, max/den). */
function dyadic(shape: readonly number[], r: () => number, den: number, max: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensorFrom('f32', shape, Float32Array.from({ length: n }, () => Math.floor((r() * 2 - 1) * max) / den));
}

/** Compile with `fuse`, run, and return the outputs with the module's text. */
async function compileRun(text: string, inputs: readonly Tensor[]): Promise<{ out: Tensor[]; wat: string }> {
  const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  const feed: Record<string, RunTensor> = {};
  c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = { data: inputs[i]!.data as RunTensor['data'], dims: inputs[i]!.shape }));
  const res = await cm.run(feed);
  const out = c.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...res[o.name]!.dims], data: res[o.name]!.data as Tensor['data'] }));
  return { out, wat: c.wat };
}

// Sizes per kernel: pointwise any; depthwise and direct need room for their padded planes
// (direct: a border that is a small part of the plane); general: tiny planes.
const arbCase = fc.constantFrom<Kind>('pointwise', 'depthwise', 'direct', 'general').chain((kind) => fc.record({
  kind: fc.constant(kind),
  N: fc.constantFrom(1, 2), C: kind === 'direct' ? fc.constantFrom(1, 2, 3) : fc.constantFrom(1, 2, 3, 5, 8),
  H: kind === 'direct' ? fc.integer({ min: 19, max: 23 }) : kind === 'general' ? fc.integer({ min: 1, max: 3 }) : fc.integer({ min: 1, max: 11 }),
  W: kind === 'direct' ? fc.integer({ min: 20, max: 29 }) : kind === 'general' ? fc.integer({ min: 1, max: 3 }) : fc.integer({ min: 1, max: 13 }),
  codes: fc.constantFrom<Codes>('u8', 'i8'),
  chain: fc.array(fc.constantFrom<Step>('qdq', 'qdq', 'qdq-pc', 'qdq-h', 'relu', 'clip', 'add-dq'), { minLength: 1, maxLength: 5 }),
  zp: fc.boolean(), sameDq: fc.boolean(), special: fc.boolean(),
  stop: fc.constantFrom<Case['stop']>('none', 'none', 'codes', 'value'),
  seed: fc.integer(),
}));

describe('wasm QDQ pairs in conv epilogues vs interpreter, bit for bit (fast-check)', () => {
  it('conv + chains of quantize/dequantize pairs, relu, clip, add of dequantized codes: every conv kernel', async () => {
    await fc.assert(fc.asyncProperty(arbCase, async (c) => {
      const b = build(c);
      const { out, wat } = await compileRun(b.text, b.inputs);
      expectExact(out, interpText(b.text, b.inputs));
      // Nothing returned but the end of the chain: every pair and dequantized addend is in registers.
      if (c.stop === 'none' && !c.chain.includes('qdq-h')) expect(wat).not.toMatch(/;; (de)?quantize_linear/);
    }), { numRuns: 70 });
  });

  it('resnet-like block: conv, pair, relu, pair; conv, pair, add of dequantized codes, pair, relu, pair', async () => {
    for (const kind of ['pointwise', 'depthwise', 'direct'] as Kind[]) {
      for (const codes of ['u8', 'i8'] as Codes[]) {
        for (const chain of [['qdq', 'relu', 'qdq'], ['qdq', 'add-dq', 'qdq', 'relu', 'qdq'], ['qdq-pc', 'relu', 'qdq']] as Step[][]) {
          const b = build({ kind, N: 2, C: kind === 'direct' ? 3 : 8, H: kind === 'direct' ? 20 : 9, W: kind === 'direct' ? 21 : 10, codes, chain, zp: true, sameDq: true, special: false, stop: 'none', seed: chain.length * 7 + codes.length });
          const { out, wat } = await compileRun(b.text, b.inputs);
          expectExact(out, interpText(b.text, b.inputs));
          expect(wat).not.toMatch(/;; (de)?quantize_linear/);
          if (kind !== 'direct') expect(wat).toMatch(/\+ quantize_linear \+ dequantize_linear/);
        }
      }
    }
  });

  it('the pair after a pool or an elementwise op: one pass (lengths 1-37), bit for bit', async () => {
    const cases = fc.record({
      n: fc.integer({ min: 1, max: 37 }), codes: fc.constantFrom<Codes>('u8', 'i8'), zp: fc.boolean(), pool: fc.boolean(), special: fc.boolean(), seed: fc.integer(),
    });
    await fc.assert(fc.asyncProperty(cases, async ({ n, codes, zp, pool, special, seed }) => {
      const r = rng(seed);
      const [lo, hi] = codes === 'u8' ? [0, 255] : [-128, 127];
      const xs = [1, 2, n, 3], ys = pool ? [1, 2, n, 1] : xs;
      const s = Math.fround(2 ** -Math.floor(2 + r() * 6)), z = lo + Math.floor(r() * (hi - lo + 1));
      const op = pool ? `max_pool(%x) {kernel_shape = [1, 3], pads = [0, 0, 0, 0], strides = [1, 1]}` : 'add(%x, %x)';
      const text = [
        'module @m {',
        `  func @main(%x: ${ty('f32', xs)}) -> (%y: ${ty('f32', ys)}) {`,
        `    %s = ${dense('f32', [], [s.toPrecision(9)])}`,
        ...(zp ? [`    %z = ${dense(codes, [], [z])}`] : []),
        `    %a = ${op} : ${ty('f32', ys)}`,
        `    %q = quantize_linear(%a, %s${zp ? ', %z' : ''}) {axis = 1${zp ? '' : `, output_dtype = ${codes}`}} : ${ty(codes, ys)}`,
        `    %y = dequantize_linear(%q, %s${zp ? ', %z' : ''}) {axis = 1} : ${ty('f32', ys)}`,
        '    return %y', '  }', '}',
      ].join('\n');
      const x = tensorFrom('f32', xs, Float32Array.from({ length: 6 * n }, () => (r() * 2 - 1) * 4));
      if (special) [NaN, Infinity, -0].forEach((v) => { (x.data as Float32Array)[Math.floor(r() * x.data.length)] = v; });
      const { out, wat } = await compileRun(text, [x]);
      expectExact(out, interpText(text, [x]));
      expect(wat).toContain('(one pass)');
    }), { numRuns: 40 });
  });

  it('threaded module (every conv split) on 2 threads: the same bits as the interpreter', async () => {
    for (const kind of ['pointwise', 'depthwise', 'direct', 'general'] as Kind[]) {
      const b = build({ kind, N: 2, C: 3, H: kind === 'direct' ? 20 : 7, W: kind === 'direct' ? 21 : 9, codes: 'i8', chain: ['qdq', 'add-dq', 'qdq-pc', 'relu', 'qdq'], zp: true, sameDq: false, special: true, stop: 'none', seed: 11 });
      const c = await compileWasm(parseModule(b.text, { file: 'test.ir' }), { passes: 'fuse', threads: true, threadMinWork: 0 });
      const m = await instantiateCompiled(c.manifest, c.threads!.find((v) => v.file === 'model-threads.wasm')!.wasm, c.weights, { threads: 2 });
      try {
        expect(m.threads).toBe(2);
        const res = await m.run({ x: { data: b.inputs[0]!.data as RunTensor['data'], dims: b.inputs[0]!.shape }, r: { data: b.inputs[1]!.data as RunTensor['data'], dims: b.inputs[1]!.shape } });
        const o = c.manifest.outputs[0]!;
        expectExact([{ dtype: 'f32', shape: [...res[o.name]!.dims], data: res[o.name]!.data as Float32Array }], interpText(b.text, b.inputs), true, kind);
      } finally {
        await m.dispose();
      }
    }
  });

  it('lowering twice takes the same chains; compiling twice gives the same bytes', async () => {
    const b = build({ kind: 'depthwise', N: 1, C: 4, H: 9, W: 9, codes: 'i8', chain: ['qdq', 'add-dq', 'qdq-pc', 'relu', 'qdq'], zp: true, sameDq: false, special: false, stop: 'none', seed: 5 });
    const m = parseModule(b.text, { file: 'test.ir' });
    runPipeline(m, 'fuse', { target: WASM_PROFILE });
    const first = lowerModule(m).wat;
    expect(first).toContain('+ quantize_linear + dequantize_linear + add + dequantize_linear + quantize_linear');
    expect(lowerModule(m).wat).toBe(first);
    const [c1, c2] = [await compileWasm(parseModule(b.text, { file: 'test.ir' })), await compileWasm(parseModule(b.text, { file: 'test.ir' }))];
    expect(Buffer.from(c1.wasm).equals(Buffer.from(c2.wasm))).toBe(true);
    expect(Buffer.from(c1.weights).equals(Buffer.from(c2.weights))).toBe(true);
  });
});
