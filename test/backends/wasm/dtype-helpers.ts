// Shared by the dtypes / quant / conv-nd tests of the wasm backend: run IR text through the
// compiler and the runtime with reduced-precision tensors converted at the boundary (the
// conformance runner's conversion), one-op modules typed by the op's own shape rule, and an
// exact comparison.

import { expect } from 'vitest';
import { inferOp } from '../../../ir/infer.js';
import { parseModule } from '../../../ir/parser.js';
import { formatType } from '../../../ir/types.js';
import type { Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';

export async function runWasmT(text: string, inputs: readonly Tensor[], passes = ''): Promise<Tensor[]> {
  const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes, verifyEach: true });
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  const feed: Record<string, RunTensor> = {};
  c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = toRunTensor(inputs[i]!)));
  const out = await cm.run(feed);
  return c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
}

export const ty = (dt: string, s: readonly (number | string)[]): string => `${dt}[${s.join(',')}]`;

/**
 * A module `main(args) -> %y` whose last line defines %y; the result type comes from the op's
 * shape rule (a first parse uses `draftType`).
 */
export function oneOp(args: readonly [string, string][], lines: (rt: string) => string[], draftType: string, prelude: readonly string[] = []): string {
  const draft = (rt: string): string => [
    'module @m {',
    ...prelude.map((l) => `  ${l}`),
    `  func @main(${args.map(([n, t]) => `%${n}: ${t}`).join(', ')}) -> (%y: ${rt}) {`,
    ...lines(rt).map((l) => `    ${l}`),
    '    return %y',
    '  }',
    '}',
  ].join('\n');
  const m = parseModule(draft(draftType), { file: 'draft.ir' });
  const op = m.main.body.ops.find((o) => o.results[0]?.name === 'y')!;
  return draft(formatType(inferOp(op, m)[0]!));
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));

/** Same dtypes, shapes and values (NaN matches NaN; -0 and 0 differ unless `zeroSign` is false). */
export function expectExact(got: readonly Tensor[], want: readonly Tensor[], zeroSign = true, what = ''): void {
  const at = what ? `${what}: ` : '';
  expect(got.length, what).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    expect(g.dtype, `${at}output ${k} dtype`).toBe(w.dtype);
    expect([...g.shape], `${at}output ${k} shape`).toEqual([...w.shape]);
    for (let i = 0; i < w.data.length; i++) {
      const a = num(g.data[i]), b = num(w.data[i]);
      const ok = Object.is(a, b) || (!zeroSign && a === b) || (Number.isNaN(a) && Number.isNaN(b));
      if (!ok) expect.fail(`${at}output ${k} (${w.dtype}[${w.shape}]) element ${i}: got ${a}, want ${b}`);
    }
  });
}

/** |got - want| <= atol + rtol * |want| (NaN matches NaN, infinities equal). */
export function expectNear(got: readonly Tensor[], want: readonly Tensor[], rtol: number, atol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    expect(g.dtype).toBe(w.dtype);
    expect([...g.shape]).toEqual([...w.shape]);
    for (let i = 0; i < w.data.length; i++) {
      const a = num(g.data[i]), b = num(w.data[i]);
      const ok = a === b || (Number.isFinite(b) && Math.abs(a - b) <= atol + rtol * Math.abs(b)) || (Number.isNaN(a) && Number.isNaN(b));
      if (!ok) expect.fail(`output ${k} (${w.dtype}[${w.shape}]) element ${i}: got ${a}, want ${b}`);
    }
  });
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) / 2 ** 24;
  };
}

/** A module whose `main(args) -> results` has `lines` as its body and returns `rets`. */
export const mod = (args: string, results: string, lines: readonly string[], rets: string): string =>
  ['module @m {', `  func @main(${args}) -> (${results}) {`, ...lines.map((l) => `    ${l}`), `    return ${rets}`, '  }', '}'].join('\n');
