// tf2onnx's while loops (src/onnx/mapping/loop-trips.ts): a counter condition `i < n` is dropped
// at import where the loop runs exactly max(n - c0, 0) times as counted (M = n - c0, or M omitted
// or INT64_MAX, then M becomes n - c0), so the backends can size the scan outputs; any variation
// that can stop it elsewhere (another start, step, bound or trip count) keeps the condition. Each model is checked against onnxruntime-node through the
// interpreter, the dropped ones also through the WASM runtime.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { Graph } from '../zoo/graph.js';
import { finish, INT64_MAX, type ZooModel } from '../zoo/models-common.js';
import { importZoo, mismatch, referenceCases, runWasmCases } from '../zoo/harness.js';

interface Variant {
  /** The counter's start. */
  c0: number;
  /** Its step per iteration. */
  step: number;
  /** M = n + tripOffset, or omitted, or INT64_MAX (TF1 loops), or a constant. */
  tripOffset: number | 'omitted' | 'int64max' | { constant: number };
  /** The condition tests i < n + boundOffset (before the loop and in the body). */
  boundOffset: number;
}

/**
 * x [n, 3]; a Loop of M = n + tripOffset iterations (from Shape, through int32 Casts as tf2onnx
 * writes it), the condition Less(i, n + boundOffset) with i carried from c0 by Add(i, step); the
 * body emits row `iter` of x times 2 plus i as a scan output and yields i + step.
 */
function counterLoop(name: string, v: Variant, bindings: Record<string, number>[]): ZooModel {
  const g = new Graph(5);
  const i32 = (x: number): string => g.constant('i32', [], [x]);
  const n = g.op('Gather', [g.op('Cast', [g.op('Shape', ['x'])], { to: 6 }), i32(0)], { axis: 0 });
  const bound = v.boundOffset === 0 ? n : g.op('Add', [n, i32(v.boundOffset)]);
  const trips = v.tripOffset === 'omitted' ? '' : v.tripOffset === 'int64max' ? g.constant('i64', [], [INT64_MAX])
    : typeof v.tripOffset === 'object' ? g.constant('i64', [], [v.tripOffset.constant]) : g.op('Cast', [v.tripOffset === 0 ? n : g.op('Add', [n, i32(v.tripOffset)])], { to: 7 });
  const b = new Graph(6);
  b.scope = '/while';
  const next = b.op('Add', ['i', b.constant('i32', [], [v.step])]);
  const row = b.op('Add', [b.op('Mul', [b.op('Gather', ['x', 'iter'], { axis: 0 }), b.f32s(2)]), b.op('Cast', ['i'], { to: 1 })]);
  const body = {
    name: 'body',
    inputs: [{ name: 'iter', dtype: 'i64' as const, shape: [] }, { name: 'cond_in', dtype: 'bool' as const, shape: [] }, { name: 'i', dtype: 'i32' as const, shape: [] }],
    outputs: [{ name: b.op('Less', [next, bound]), dtype: 'bool' as const, shape: [] }, { name: next, dtype: 'i32' as const, shape: [] },
      { name: row, dtype: 'f32' as const, shape: [3] }],
    nodes: b.nodes,
  };
  g.opN('Loop', [trips, g.op('Less', [i32(v.c0), bound]), i32(v.c0)], 2, { body });
  const last = g.nodes[g.nodes.length - 1]!;
  g.nodes[g.nodes.length - 1] = { ...last, outputs: ['count', 'rows'] };
  return finish(g, name, [{ name: 'x', dtype: 'f32', shape: ['n', 3] }],
    [{ name: 'count', dtype: 'i32', shape: [] }, { name: 'rows', dtype: 'f32', shape: ['?', 3] }], bindings, 13);
}

/** Interpreter vs onnxruntime; returns whether the imported loop kept its initial condition. */
async function check(m: ZooModel): Promise<boolean> {
  const cases = await referenceCases(m);
  const mod = importZoo(m);
  for (const c of cases) expect(mismatch(m, interpret(mod, c.inputs), c.want), `${m.name} at ${c.label}`).toBeNull();
  const loop = mod.main.body.ops.find((o) => o.name === 'loop')!;
  return loop.operands[1] !== null;
}

const tmp = mkdtempSync(join(tmpdir(), 'tenth-loop-trips-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a counter condition that cannot stop the loop early is dropped', () => {
  const BIND = [{ n: 1 }, { n: 4 }, { n: 7 }];
  for (const [name, v, bind] of [
    ['map_fn', { c0: 0, step: 1, tripOffset: 0, boundOffset: 0 }, BIND],
    // Counter from 2, M = n - 2: still exactly M iterations.
    ['from_2', { c0: 2, step: 1, tripOffset: -2, boundOffset: 0 }, [{ n: 2 }, { n: 5 }]],
    // TF1 loops: M = INT64_MAX or omitted, the condition alone stops them (after max(n - c0, 0)).
    ['tf1_int64max', { c0: 0, step: 1, tripOffset: 'int64max', boundOffset: 0 }, BIND],
    ['tf1_omitted_from_2', { c0: 2, step: 1, tripOffset: 'omitted', boundOffset: 0 }, [{ n: 1 }, { n: 2 }, { n: 6 }]],
  ] as const) {
    it(`${name}: no condition after import; interpreter and WASM match onnxruntime`, async () => {
      const m = counterLoop(name, v, [...bind]);
      expect(await check(m)).toBe(false);
      const cases = await referenceCases(m);
      const got = await runWasmCases(m, cases, join(tmp, name));
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} wasm at ${c.label}`).toBeNull());
    });
  }
});

describe('a condition that can stop the loop early is kept', () => {
  const BIND = [{ n: 1 }, { n: 3 }, { n: 6 }];
  for (const [name, v] of [
    ['starts at 1, M = n (n - 1 iterations)', { c0: 1, step: 1, tripOffset: 0, boundOffset: 0 }],
    ['M = n + 1 (n iterations)', { c0: 0, step: 1, tripOffset: 1, boundOffset: 0 }],
    ['step 2 (ceil(n / 2) iterations)', { c0: 0, step: 2, tripOffset: 0, boundOffset: 0 }],
    ['bound n - 1, M = n', { c0: 0, step: 1, tripOffset: 0, boundOffset: -1 }],
    ['M omitted, step 2', { c0: 0, step: 2, tripOffset: 'omitted', boundOffset: 0 }],
    ['M = 2, a constant below n', { c0: 0, step: 1, tripOffset: { constant: 2 }, boundOffset: 0 }],
  ] as const) {
    it(`${name}: condition kept; interpreter matches onnxruntime`, async () => {
      expect(await check(counterLoop(name, v, BIND))).toBe(true);
    });
  }
});
