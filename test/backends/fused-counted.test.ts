// Counted dims (data-dims.ts) reach ops inside fused groups and readers of fused shape groups:
// O2 fuses the TopK of min(count, 4) with the Pad after it, and Shape -> Gather -> Cast of a
// counted result into a group read by Range. Both compile on WASM and match the interpreter.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { Graph } from '../zoo/graph.js';
import { f32, finish, nameLast, type ZooModel } from '../zoo/models-common.js';
import { importZoo, mismatch, referenceCases, runWasmCases } from '../zoo/harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-fused-counted-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function model(): ZooModel {
  const g = new Graph(1);
  const nz = g.op('NonZero', [g.op('Greater', ['x', g.f32s(0)])]);
  const vals = g.op('Gather', ['x', g.op('Squeeze', [nz, g.i64([0])])], { axis: 0 });
  const k = g.op('Min', [g.op('Shape', [vals]), g.i64([4])]);
  const [top] = g.opN('TopK', [vals, k], 2, { axis: 0 });
  g.op('Pad', [top!, g.op('Concat', [g.i64([0]), g.op('Sub', [g.i64([4]), k])], { axis: 0 })]);
  nameLast(g, 'y');
  const count = g.op('Cast', [g.op('Gather', [g.op('Shape', [vals]), g.i64s(0)], { axis: 0 })], { to: 6 });
  g.op('Cast', [g.op('Range', [g.constant('i32', [], [0]), count, g.constant('i32', [], [1])])], { to: 1 });
  nameLast(g, 'ids');
  return finish(g, 'fused_counted', [{ name: 'x', dtype: 'f32', shape: ['n'] }], [f32('y', [4]), f32('ids', ['?'])], [{ n: 1 }, { n: 5 }, { n: 16 }], 13);
}

it('TopK of min(count, 4) + Pad and Range over a count compile at O2 and match onnxruntime', async () => {
  const m = model();
  const cases = await referenceCases(m);
  const got = await runWasmCases(m, cases, join(tmp, 'm'));
  cases.forEach((c, k) => {
    expect(mismatch(m, interpret(importZoo(m), c.inputs), c.want), `interp ${c.label}`).toBeNull();
    expect(mismatch(m, got[k]!, c.want), `wasm ${c.label}`).toBeNull();
  });
});
