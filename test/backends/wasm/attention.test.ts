// fast-check: the attention kernel against the interpreter on random sizes (1, odd, primes):
// 3-D and 4-D layouts, grouped-query heads, bool / additive masks of every broadcast rank (also
// shorter than the key sequence), causal, softcap, scale, past/present and qk_matmul_output modes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { rand, ty } from './attention-helpers.js';
import { expectNear, runWasmT } from './dtype-helpers.js';
import { expectClose, interpText, runWasm } from './helpers.js';

interface Case {
  four: boolean; B: number; Hkv: number; group: number; Sq: number; Skv: number; D: number; Dv: number; P: number;
  mask: 'none' | 'bool' | 'f32'; maskRank: number; maskShort: number; causal: boolean; softcap: number; scale: number;
  present: boolean; mode: number; qk: boolean; seed: number;
}

function build(c: Case): { text: string; inputs: Tensor[] } {
  const Hq = c.Hkv * c.group, T = c.P + c.Skv;
  const sh = (H: number, S: number, d: number): number[] => (c.four ? [c.B, H, S, d] : [c.B, S, H * d]);
  const qS = sh(Hq, c.Sq, c.D), kS = sh(c.Hkv, c.Skv, c.D), vS = sh(c.Hkv, c.Skv, c.Dv);
  const maskLen = Math.max(1, T - c.maskShort);
  const mS = c.maskRank === 4 ? [c.B, 1, c.Sq, maskLen] : c.maskRank === 3 ? [Hq, c.Sq, maskLen] : [c.Sq, maskLen];
  const params: string[] = [`%q: ${ty(qS)}`, `%k: ${ty(kS)}`, `%v: ${ty(vS)}`];
  const inputs: Tensor[] = [rand(qS, c.seed, 1.5), rand(kS, c.seed + 1, 1.5), rand(vS, c.seed + 2)];
  const args = ['%q', '%k', '%v'];
  if (c.mask !== 'none') {
    params.push(`%mask: ${ty(mS, c.mask)}`);
    args.push('%mask');
    const n = mS.reduce((a, b) => a * b, 1);
    if (c.mask === 'bool') {
      // Mostly true; every fourth row entirely false (a fully masked row must give zeros).
      const v = Array.from({ length: n }, (_, i) => (((i * 7 + c.seed) % 5 !== 0) && Math.floor(i / maskLen) % 4 !== 3 ? 1 : 0));
      inputs.push(tensorFrom('bool', mS, v));
    } else {
      const r = rand(mS, c.seed + 3, 2).data as Float32Array;
      inputs.push(tensorFrom('f32', mS, Array.from(r, (x, i) => ((i * 3 + c.seed) % 7 === 0 ? -Infinity : x))));
    }
  } else if (c.P > 0) args.push('none');
  if (c.P > 0) {
    const pk = [c.B, c.Hkv, c.P, c.D], pv = [c.B, c.Hkv, c.P, c.Dv];
    params.push(`%pk: ${ty(pk)}`, `%pv: ${ty(pv)}`);
    args.push('%pk', '%pv');
    inputs.push(rand(pk, c.seed + 4, 1.5), rand(pv, c.seed + 5));
  }
  const attrs: string[] = [];
  if (!c.four) attrs.push(`q_num_heads = ${Hq}`, `kv_num_heads = ${c.Hkv}`);
  if (c.causal) attrs.push('is_causal = 1');
  if (c.softcap > 0) attrs.push(`softcap = ${c.softcap}`);
  if (c.scale > 0) attrs.push(`scale = ${c.scale}`);
  if (c.qk) attrs.push(`qk_matmul_output_mode = ${c.mode}`);
  const yS = c.four ? [c.B, Hq, c.Sq, c.Dv] : [c.B, c.Sq, Hq * c.Dv];
  const outs: [string, number[]][] = [['%y', yS]];
  if (c.present || c.qk) outs.push(['%pk2', [c.B, c.Hkv, T, c.D]], ['%pv2', [c.B, c.Hkv, T, c.Dv]]);
  if (c.qk) outs.push(['%qk', [c.B, Hq, c.Sq, T]]);
  const types = outs.map(([, s]) => ty(s));
  const text = [
    'module @m {',
    `  func @main(${params.join(', ')}) -> (${outs.map(([n], i) => `${n}: ${types[i]}`).join(', ')}) {`,
    `    ${outs.map(([n]) => n).join(', ')} = attention(${args.join(', ')})${attrs.length ? ` {${attrs.join(', ')}}` : ''} : ${types.length > 1 ? `(${types.join(', ')})` : types[0]}`,
    `    return ${outs.map(([n]) => n).join(', ')}`,
    '  }',
    '}',
  ].join('\n');
  return { text, inputs };
}

const caseArb = fc.record({
  four: fc.boolean(), B: fc.constantFrom(1, 2), Hkv: fc.constantFrom(1, 2, 3), group: fc.constantFrom(1, 2, 3),
  Sq: fc.constantFrom(1, 2, 3, 5, 7), Skv: fc.constantFrom(1, 3, 4, 5, 8, 11), D: fc.constantFrom(1, 3, 4, 5, 8), Dv: fc.constantFrom(1, 2, 4, 7),
  P: fc.constantFrom(0, 0, 2, 3), mask: fc.constantFrom('none', 'bool', 'f32') as fc.Arbitrary<Case['mask']>, maskRank: fc.constantFrom(2, 3, 4),
  maskShort: fc.constantFrom(0, 0, 1, 2), causal: fc.boolean(), softcap: fc.constantFrom(0, 0, 2.5), scale: fc.constantFrom(0, 0, 0.3),
  present: fc.boolean(), mode: fc.nat(3), qk: fc.boolean(), seed: fc.integer(),
});

describe('wasm attention vs interpreter (fast-check)', () => {
  it('every layout and option', async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const { text, inputs } = build(c);
      expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 2e-4, 2e-6);
    }), { numRuns: 150 });
  });

  it('symbolic batch and sequence lengths (the streaming path) at several sizes', async () => {
    const text = [
      'module @m {',
      '  func @main(%q: f32[b,4,s,5], %k: f32[b,2,t,5], %v: f32[b,2,t,3], %mask: f32[s,t]) -> (%y: f32[b,4,s,3]) {',
      '    %y = attention(%q, %k, %v, %mask) {is_causal = 1, softcap = 3.0} : f32[b,4,s,3]',
      '    return %y',
      '  }',
      '}',
    ].join('\n');
    for (const [B, S, T, seed] of [[1, 1, 1, 1], [2, 3, 9, 2], [1, 7, 13, 3], [3, 12, 12, 4]] as const) {
      const inputs = [rand([B, 4, S, 5], seed, 1.5), rand([B, 2, T, 5], seed + 1, 1.5), rand([B, 2, T, 3], seed + 2), rand([S, T], seed + 3)];
      expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 2e-4, 2e-6);
    }
  });

  it('a fully masked row gives zeros, not NaN', async () => {
    const c: Case = { four: true, B: 1, Hkv: 1, group: 2, Sq: 4, Skv: 5, D: 4, Dv: 3, P: 0, mask: 'bool', maskRank: 2, maskShort: 0, causal: false, softcap: 0, scale: 0, present: false, mode: 0, qk: false, seed: 1 };
    const { text, inputs } = build(c);
    const [y] = await runWasm(text, inputs, '');
    const d = y!.data as Float32Array;
    // Row 3 of the [Sq, T] mask is all false (see build): its outputs are exactly 0 for both heads.
    for (const h of [0, 1]) for (let e = 0; e < 3; e++) expect(d[(h * 4 + 3) * 3 + e]).toBe(0);
    expect(Array.from(d).some(Number.isNaN)).toBe(false);
  });

  it('f16 goes through the f32 kernel (within f16 rounding), with static and symbolic lengths', async () => {
    const text = (sq: string, t: string): string => `module @m {\n  func @main(%q: f16[1,2,${sq},4], %k: f16[1,1,${t},4], %v: f16[1,1,${t},4]) -> (%y: f16[1,2,${sq},4]) {\n    %y = attention(%q, %k, %v) {is_causal = 1} : f16[1,2,${sq},4]\n    return %y\n  }\n}`;
    for (const [sq, t] of [[1, 3], [5, 9]]) {
      const ins = [[1, 2, sq, 4], [1, 1, t, 4], [1, 1, t, 4]].map((s, i) => tensorFrom('f16', s, Array.from(rand(s, i + 7).data as Float32Array)));
      expectNear(await runWasmT(text(String(sq), String(t)), ins), interpText(text(String(sq), String(t)), ins), 4e-3, 2e-3);
    }
    // Symbolic lengths bound at run time (the f32 copies live in a scratch sized by the bound dims).
    const ins = [[1, 2, 5, 4], [1, 1, 9, 4], [1, 1, 9, 4]].map((s, i) => tensorFrom('f16', s, Array.from(rand(s, i + 7).data as Float32Array)));
    expectNear(await runWasmT(text('s', 't'), ins), interpText(text('5', '9'), ins), 4e-3, 2e-3);
  });
});
