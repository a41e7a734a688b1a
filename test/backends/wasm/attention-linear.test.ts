// fast-check: linear_attention (every update rule, GQA, per-head or per-channel decay, scalar or
// per-head beta, erase gate, past state, with and without present_state) and
// causal_conv_with_state (kernel sizes 1..4, inputs shorter than the state, bias, past state,
// SiLU) against the interpreter on random sizes (1, odd, primes).

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { oneOp, rand, ty } from './attention-helpers.js';
import { expectClose, interpText, runWasm } from './helpers.js';

describe('wasm linear_attention / causal_conv_with_state vs interpreter (fast-check)', () => {
  it('linear_attention', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('linear', 'gated', 'delta', 'gated_delta'), fc.constantFrom(1, 2), fc.constantFrom(1, 2, 5), fc.constantFrom(1, 2, 3),
      fc.constantFrom(1, 2), fc.constantFrom(1, 3, 4, 8), fc.constantFrom(1, 2, 5, 8), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(),
      fc.boolean(), fc.constantFrom(0, 0.25), fc.integer(),
      async (rule, B, T, hkv, group, dk, dv, perChannel, betaScalar, erase, past, present, scale, seed) => {
        const hq = hkv * group;
        const gating = rule === 'gated' || rule === 'gated_delta', delta = rule === 'delta' || rule === 'gated_delta';
        const params = [`%q: ${ty([B, T, hq * dk])}`, `%k: ${ty([B, T, hkv * dk])}`, `%v: ${ty([B, T, hkv * dv])}`];
        const inputs = [rand([B, T, hq * dk], seed, 1), rand([B, T, hkv * dk], seed + 1, 0.5), rand([B, T, hkv * dv], seed + 2, 1)];
        const args = ['%q', '%k', '%v'];
        const opt = (name: string, shape: number[], on: boolean, s: number, sc: number, bias = 0): void => {
          if (!on) { args.push('none'); return; }
          params.push(`%${name}: ${ty(shape)}`);
          args.push(`%${name}`);
          const r = rand(shape, seed + s, sc);
          const d = r.data as Float32Array;
          for (let i = 0; i < d.length; i++) d[i] = d[i]! + bias;
          inputs.push(r);
        };
        opt('ps', [B, hkv, dk, dv], past, 3, 0.5);
        opt('g', [B, T, perChannel ? hkv * dk : hkv], gating, 4, 0.3, -0.3);
        opt('beta', [B, T, betaScalar ? 1 : hkv], delta, 5, 0.4, 0.5);
        opt('e', [B, T, hkv * dk], delta && erase, 6, 0.5, 0.5);
        while (args[args.length - 1] === 'none') args.pop();
        const outs = present ? ['%o', '%st'] : ['%o'];
        const types = [ty([B, T, hq * dv]), ty([B, hkv, dk, dv])].slice(0, outs.length);
        const attrs = [`update_rule = "${rule}"`, `q_num_heads = ${hq}`, `kv_num_heads = ${hkv}`, ...(scale ? [`scale = ${scale}`] : [])];
        const text = oneOp(params, outs, types, `linear_attention(${args.join(', ')}) {${attrs.join(', ')}}`);
        expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 2e-4, 2e-5);
      }), { numRuns: 120 });
  });

  it('causal_conv_with_state', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2), fc.constantFrom(1, 3, 4), fc.constantFrom(1, 2, 3, 5, 9), fc.constantFrom(1, 2, 3, 4), fc.boolean(), fc.boolean(),
      fc.boolean(), fc.constantFrom('none', 'silu', 'swish'), fc.integer(),
      async (B, C, L, K, bias, past, present, act, seed) => {
        const params = [`%x: ${ty([B, C, L])}`, `%w: ${ty([C, 1, K])}`];
        const inputs = [rand([B, C, L], seed, 2), rand([C, 1, K], seed + 1)];
        const args = ['%x', '%w'];
        if (bias) { params.push(`%b: ${ty([C])}`); args.push('%b'); inputs.push(rand([C], seed + 2)); } else if (past) args.push('none');
        if (past) { params.push(`%p: ${ty([B, C, K - 1])}`); args.push('%p'); inputs.push(rand([B, C, K - 1], seed + 3, 2)); }
        const outs = present ? ['%y', '%st'] : ['%y'];
        const types = [ty([B, C, L]), ty([B, C, K - 1])].slice(0, outs.length);
        const text = oneOp(params, outs, types, `causal_conv_with_state(${args.join(', ')}) {activation = "${act}"}`);
        expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 1e-4, 1e-5);
      }), { numRuns: 100 });
  });
});
