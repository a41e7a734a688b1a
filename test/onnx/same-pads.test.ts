// Conv / MaxPool with auto_pad SAME_UPPER / SAME_LOWER on symbolic spatial dims (tf2onnx's form when
// the input's size is unknown): the importer computes the padding from Shape
// (src/onnx/mapping/same-pads.ts). Against onnxruntime-node through the interpreter and WASM, on
// random kernels, strides (at most the kernel) and sizes (including sizes below the kernel and of 1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { conv, Graph } from '../zoo/graph.js';
import { f32, finish, nameLast, type ZooModel } from '../zoo/models-common.js';
import { importZoo, mismatch, referenceCases, runWasmCases } from '../zoo/harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-same-pads-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Case { op: 'Conv' | 'MaxPool'; mode: 'SAME_UPPER' | 'SAME_LOWER'; k: [number, number]; s: [number, number]; sizes: [number, number][] }

function model(c: Case): ZooModel {
  const g = new Graph(3);
  if (c.op === 'Conv') {
    const w = g.weight('weight', [3, 2, ...c.k], 2 * c.k[0] * c.k[1]);
    g.op('Conv', ['x', w], { auto_pad: c.mode, kernel_shape: c.k, strides: c.s });
  } else {
    g.op('MaxPool', ['x'], { auto_pad: c.mode, kernel_shape: c.k, strides: c.s });
  }
  nameLast(g, 'y');
  // A conv after it: the padded op's output dims feed another op's shape rule.
  conv(g, 'y', c.op === 'Conv' ? 3 : 2, 2, 1);
  nameLast(g, 'z');
  return finish(g, `${c.op}_${c.mode}`, [{ name: 'x', dtype: 'f32', shape: ['batch', 2, 'h', 'w'] }], [f32('z', ['batch', 2, 'oh', 'ow'])],
    c.sizes.map(([h, w], i) => ({ batch: 1 + (i % 2), h, w })), 13);
}

const pair = (lo: number, hi: number) => fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }));
const arb = fc.record({
  op: fc.constantFrom('Conv' as const, 'MaxPool' as const),
  mode: fc.constantFrom('SAME_UPPER' as const, 'SAME_LOWER' as const),
  k: pair(1, 5), s: pair(1, 3), sizes: fc.array(pair(1, 13), { minLength: 2, maxLength: 3 }),
// onnxruntime refuses a stride above the kernel (its SAME padding can come out negative).
}).filter((c) => c.k[0] >= c.s[0] && c.k[1] >= c.s[1]);

describe('auto_pad SAME on symbolic spatial dims', () => {
  it('interpreter and WASM match onnxruntime; the op no longer carries auto_pad', () => fc.assert(fc.asyncProperty(arb, async (c) => {
    const m = model(c);
    const cases = await referenceCases(m);
    const mod = importZoo(m);
    expect(mod.main.body.ops.some((o) => o.attrs.get('auto_pad')?.kind === 'string' && o.attrs.get('auto_pad')?.value !== 'NOTSET')).toBe(false);
    cases.forEach((cs) => expect(mismatch(m, interpret(mod, cs.inputs), cs.want), `${JSON.stringify(c)} interp ${cs.label}`).toBeNull());
    const got = await runWasmCases(m, cases, join(tmp, `${m.name}-${c.k}-${c.s}`));
    cases.forEach((cs, i) => expect(mismatch(m, got[i]!, cs.want), `${JSON.stringify(c)} wasm ${cs.label}`).toBeNull());
  }), { numRuns: 12 }));
});
