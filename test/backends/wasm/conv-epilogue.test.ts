// fast-check: conv kernels that apply the fused group's relu / clip / residual add in registers
// (kernels/conv-epilogue.ts) agree with the interpreter: pointwise, depthwise (padded-plane kernel:
// strides 1 and 2, dilations, asymmetric pads, column tails) and general convs, chains of 0-3 ops,
// and chains that must stop early (an intermediate that is also returned or used twice).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { runPipeline } from '../../../passes/index.js';
import { WASM_PROFILE } from '../../../src/backends/wasm/compile.js';
import { lowerModule } from '../../../src/backends/wasm/lower.js';
import { expectClose, fmtShape, hexF32, interpText, runWasm } from './helpers.js';

function rand(shape: readonly number[], seed: number, scale = 1): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = (((s >>> 8) / 2 ** 24) * 2 - 1) * scale;
  }
  return tensorFrom('f32', shape, v);
}

type Step = 'relu' | 'clip' | 'clip-lo' | 'add-l' | 'add-r';
type Kind = 'pointwise' | 'depthwise' | 'general';

interface Case {
  kind: Kind; N: number; C: number; H: number; W: number; k: number; s: number; d: number;
  pads: [number, number, number, number]; chain: Step[]; stop: 'none' | 'returned' | 'twice'; seed: number;
}

/** The module text and its inputs; null when the window does not fit. */
function build(c: Case): { text: string; inputs: Tensor[] } | null {
  const { kind, N, C, H, W, s, d, pads } = c;
  const k = kind === 'pointwise' ? 1 : c.k;
  const [pt, pl, pb, pr] = kind === 'pointwise' ? [0, 0, 0, 0] : pads;
  const st = kind === 'pointwise' ? 1 : s;
  const dl = kind === 'pointwise' ? 1 : d;
  const Co = kind === 'depthwise' ? C : C + 3;
  const group = kind === 'depthwise' ? C : 1;
  const OH = Math.floor((H + pt! + pb! - dl * (k - 1) - 1) / st) + 1, OW = Math.floor((W + pl! + pr! - dl * (k - 1) - 1) / st) + 1;
  if (OH < 1 || OW < 1) return null;
  const wShape = [Co, C / group, k, k], yShape = [N, Co, OH, OW];
  const yT = fmtShape(yShape);
  const lines = [
    'module @m {',
    `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, c.seed + 1).data as Float32Array)}")`,
    `  weight @b : f32[${Co}] = bytes("${hexF32(rand([Co], c.seed + 2).data as Float32Array)}")`,
  ];
  const body = [
    `    %w = const {value = @w} : ${fmtShape(wShape)}`,
    `    %b = const {value = @b} : f32[${Co}]`,
    '    %lo = const {value = dense<-0.25> : f32[]} : f32[]',
    '    %hi = const {value = dense<0.5> : f32[]} : f32[]',
    `    %v0 = conv(%x, %w, %b) {dilations = [${dl}, ${dl}], group = ${group}, kernel_shape = [${k}, ${k}], pads = [${pt}, ${pl}, ${pb}, ${pr}], strides = [${st}, ${st}]} : ${yT}`,
  ];
  let last = '%v0';
  c.chain.forEach((step, i) => {
    const v = `%v${i + 1}`;
    const e = step === 'relu' ? `relu(${last})` : step === 'clip' ? `clip(${last}, %lo, %hi)` : step === 'clip-lo' ? `clip(${last}, %lo)`
      : step === 'add-l' ? `add(${last}, %r)` : `add(%r, ${last})`;
    body.push(`    ${v} = ${e} : ${yT}`);
    last = v;
  });
  const results = [last];
  // An intermediate the chain must not swallow: returned as well, or read by a second op.
  if (c.stop !== 'none' && c.chain.length > 0) {
    if (c.stop === 'returned') results.push('%v0');
    else { body.push(`    %z = mul(%v0, %v0) : ${yT}`); results.push('%z'); }
  }
  lines.push(`  func @main(%x: ${fmtShape([N, C, c.H, c.W])}, %r: ${yT}) -> (${results.map((_r, i) => `%o${i}: ${yT}`).join(', ')}) {`);
  lines.push(...body, `    return ${results.join(', ')}`, '  }', '}');
  return { text: lines.join('\n'), inputs: [rand([N, C, c.H, c.W], c.seed), rand(yShape, c.seed + 3, 0.5)] };
}

const arbCase = fc.record({
  kind: fc.constantFrom<Kind>('pointwise', 'depthwise', 'general'),
  N: fc.constantFrom(1, 2), C: fc.constantFrom(1, 3, 4, 8, 17), H: fc.integer({ min: 1, max: 12 }), W: fc.integer({ min: 1, max: 19 }),
  k: fc.constantFrom(1, 2, 3, 5), s: fc.constantFrom(1, 2, 3), d: fc.constantFrom(1, 2),
  pads: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  chain: fc.array(fc.constantFrom<Step>('relu', 'clip', 'clip-lo', 'add-l', 'add-r'), { maxLength: 3 }),
  stop: fc.constantFrom<Case['stop']>('none', 'none', 'returned', 'twice'),
  seed: fc.integer(),
});

describe('wasm conv epilogues in registers vs interpreter (fast-check)', () => {
  it('conv + relu/clip/add chains, every conv kernel', async () => {
    await fc.assert(fc.asyncProperty(arbCase, async (c) => {
      const b = build(c);
      if (!b) return;
      expectClose(await runWasm(b.text, b.inputs), interpText(b.text, b.inputs));
    }), { numRuns: 80 });
  });

  it('padded convs on larger planes (zero-padded scratch kernels), with epilogues', async () => {
    const big = fc.record({
      kind: fc.constantFrom<Kind>('depthwise', 'general'),
      N: fc.constantFrom(1, 2), C: fc.constantFrom(1, 2, 3, 5), H: fc.integer({ min: 16, max: 30 }), W: fc.integer({ min: 16, max: 33 }),
      k: fc.constantFrom(1, 2, 3, 5), s: fc.constantFrom(1, 2, 3), d: fc.constantFrom(1, 2),
      pads: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      chain: fc.array(fc.constantFrom<Step>('relu', 'clip', 'add-l', 'add-r'), { maxLength: 2 }),
      stop: fc.constant<Case['stop']>('none'),
      seed: fc.integer(),
    });
    await fc.assert(fc.asyncProperty(big, async (c) => {
      const b = build(c);
      if (!b) return;
      expectClose(await runWasm(b.text, b.inputs), interpText(b.text, b.inputs));
    }), { numRuns: 30 });
  });

  it('mobilenet-like block: pointwise + clip, depthwise stride 2 + clip, pointwise + residual add', async () => {
    for (const [H, W] of [[7, 7], [14, 14], [9, 13]] as const) {
      for (const chain of [['clip'], ['clip', 'add-l'], ['add-r', 'relu']] as Step[][]) {
        for (const kind of ['pointwise', 'depthwise'] as Kind[]) {
          const b = build({ kind, N: 1, C: 8, H, W, k: 3, s: 2, d: 1, pads: [1, 1, 1, 1], chain, stop: 'none', seed: H * 31 + W })!;
          expectClose(await runWasm(b.text, b.inputs), interpText(b.text, b.inputs));
        }
      }
    }
  });

  it('lowering the same module twice takes the same chains (a second module variant)', () => {
    const b = build({ kind: 'depthwise', N: 1, C: 4, H: 9, W: 9, k: 3, s: 1, d: 1, pads: [1, 1, 1, 1], chain: ['clip', 'add-l'], stop: 'none', seed: 7 })!;
    const m = parseModule(b.text, { file: 'test.ir' });
    runPipeline(m, 'fuse', { target: WASM_PROFILE });
    const first = lowerModule(m).wat;
    expect(first).toContain('+ clip + add');
    expect(lowerModule(m).wat).toBe(first);
  });
});
