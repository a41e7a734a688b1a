// fast-check on Dawn + SwiftShader: the attention kernel (kernels/attention.ts) against the
// interpreter: 4-D and 3-D (heads from attributes), grouped-query heads, causal, explicit scale,
// softcap, additive f32 and bool masks of several broadcast ranks, key counts past one chunk of 64;
// past/present KV (also a past of static length 0), nonpad_kv_seqlen and every qk_matmul_output mode.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { check, fmtShape, rand } from './helpers.js';

const mod = (args: string, ret: string, line: string): string =>
  ['module @m {', `  func @main(${args}) -> (%y: ${ret}) {`, `    ${line}`, '    return %y', '  }', '}'].join('\n');

function boolMask(shape: number[], seed: number): ReturnType<typeof rand> {
  const r = rand(shape, seed);
  // Mostly true, so rows with every key masked happen but are rare.
  return tensorFrom('bool', shape, Uint8Array.from(r.data as Float32Array, (x) => (x > -0.6 ? 1 : 0)));
}

describe('webgpu attention kernel vs interpreter (fast-check)', () => {
  it('4-D and 3-D, GQA, causal, scale, softcap, f32/bool masks', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2), fc.constantFrom([1, 1], [2, 1], [3, 3], [4, 2]), fc.constantFrom(1, 3, 5), fc.constantFrom(1, 7, 70),
      fc.constantFrom(1, 4, 5), fc.constantFrom(1, 3, 67), fc.boolean(), fc.constantFrom('none', 'f32-2d', 'f32-4d', 'bool-3d'),
      fc.constantFrom('', 'scale = 0.3', 'softcap = 2.0'), fc.boolean(), fc.integer(),
      async (B, [Hq, Hkv], Sq, T, D, Dv, causal, maskKind, extra, three, seed) => {
        const attrs = [causal ? 'is_causal = 1' : '', extra, three ? `q_num_heads = ${Hq}, kv_num_heads = ${Hkv}` : ''].filter((x) => x).join(', ');
        const qs = three ? [B, Sq, Hq * D] : [B, Hq, Sq, D];
        const ks = three ? [B, T, Hkv * D] : [B, Hkv, T, D];
        const vs = three ? [B, T, Hkv * Dv] : [B, Hkv, T, Dv];
        const ys = three ? [B, Sq, Hq * Dv] : [B, Hq, Sq, Dv];
        const inputs = [rand(qs, seed), rand(ks, seed + 1), rand(vs, seed + 2)];
        let args = `%q: ${fmtShape(qs)}, %k: ${fmtShape(ks)}, %v: ${fmtShape(vs)}`, ops = '%q, %k, %v';
        if (maskKind !== 'none') {
          const ms = maskKind === 'f32-2d' ? [Sq, T] : maskKind === 'f32-4d' ? [B, Hq, Sq, T] : [1, Sq, T];
          const m = maskKind === 'bool-3d' ? boolMask(ms, seed + 3) : rand(ms, seed + 3);
          inputs.push(m);
          args += `, %m: ${fmtShape(ms, m.dtype)}`;
          ops += ', %m';
        }
        const line = `%y = attention(${ops})${attrs ? ` {${attrs}}` : ''} : ${fmtShape(ys)}`;
        await check(mod(args, fmtShape(ys), line), inputs, 'fuse', 1e-3, 1e-4);
      },
    ), { numRuns: 12, seed: 2311 });
  }, 30_000);

  it('symbolic batch and sequence dims come from the uniform', async () => {
    const q = ['B', 4, 'S', 3], kv = ['B', 2, 'T', 3], m = ['S', 'T'];
    const text = mod(`%q: ${fmtShape(q)}, %k: ${fmtShape(kv)}, %v: ${fmtShape(kv)}, %m: ${fmtShape(m)}`, fmtShape(q),
      `%y = attention(%q, %k, %v, %m) {is_causal = 1} : ${fmtShape(q)}`);
    for (const [B, S, T] of [[1, 1, 1], [2, 5, 67], [3, 2, 9]] as const) {
      await check(text, [rand([B, 4, S, 3], B), rand([B, 2, T, 3], S), rand([B, 2, T, 3], T), rand([S, T], 7)], 'fuse', 1e-3, 1e-4);
    }
  }, 20_000);

  it('past/present KV, nonpad_kv_seqlen and qk_matmul_output (modes 0-3)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2), fc.constantFrom([1, 1], [4, 2]), fc.constantFrom(1, 3), fc.constantFrom(0, 2, 65), fc.constantFrom(1, 5),
      fc.constantFrom(1, 3), fc.constantFrom(0, 1, 2, 3), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(),
      async (B, [Hq, Hkv], S, P, D, Dv, mode, causal, withMask, nonpad, seed) => {
        const T = P + S;
        const qs = [B, Hq, S, D], ks = [B, Hkv, S, D], vs = [B, Hkv, S, Dv];
        const inputs = [rand(qs, seed), rand(ks, seed + 1), rand(vs, seed + 2)];
        let args = `%q: ${fmtShape(qs)}, %k: ${fmtShape(ks)}, %v: ${fmtShape(vs)}`;
        const ops = ['%q', '%k', '%v'];
        if (withMask) { inputs.push(rand([S, T], seed + 3)); args += `, %m: f32[${S},${T}]`; ops.push('%m'); } else ops.push('none');
        // The interpreter ignores nonpad for the causal offset when a past is given; test nonpad without past.
        const np = nonpad && P === 0;
        // A past of static length 0 (a prompt step exported with an empty cache) is an empty operand
        // of a non-empty result: it must still run (it once compiled to an 'empty' kernel: zeros).
        if (P > 0 || (!np && (seed & 1) === 0)) {
          inputs.push(rand([B, Hkv, P, D], seed + 4), rand([B, Hkv, P, Dv], seed + 5));
          args += `, %pk: f32[${B},${Hkv},${P},${D}], %pv: f32[${B},${Hkv},${P},${Dv}]`;
          ops.push('%pk', '%pv');
        } else if (np) ops.push('none', 'none');
        if (np) {
          inputs.push(tensorFrom('i64', [B], BigInt64Array.from({ length: B }, (_v, b) => BigInt(Math.max(0, T - b)))));
          args += `, %np: i64[${B}]`;
          ops.push('%np');
        }
        const ys = [B, Hq, S, Dv], pks = [B, Hkv, T, D], pvs = [B, Hkv, T, Dv], qks = [B, Hq, S, T];
        const attrs = [`qk_matmul_output_mode = ${mode}`, causal ? 'is_causal = 1' : '', mode === 1 ? 'softcap = 1.5' : ''].filter((x) => x).join(', ');
        const rt = [ys, pks, pvs, qks].map((x) => fmtShape(x)).join(', ');
        const text = ['module @m {', `  func @main(${args}) -> (%y: ${fmtShape(ys)}, %pk2: ${fmtShape(pks)}, %pv2: ${fmtShape(pvs)}, %qk: ${fmtShape(qks)}) {`,
          `    %y, %pk2, %pv2, %qk = attention(${ops.join(', ')}) {${attrs}} : (${rt})`, '    return %y, %pk2, %pv2, %qk', '  }', '}'].join('\n');
        await check(text, inputs, 'fuse', 1e-3, 1e-4);
      },
    ), { numRuns: 12, seed: 977 });
  }, 30_000);
});
