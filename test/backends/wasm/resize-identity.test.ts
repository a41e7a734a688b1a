// A linear Resize that resizes no axis (sizes = the input's own shape, as DeepLabV3+'s decoder
// writes when two feature maps have the same size) compiles for WASM and copies its input.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Graph } from '../../zoo/graph.js';
import { f32, finish, nameLast } from '../../zoo/models-common.js';
import { mismatch, referenceCases, runWasmCases } from '../../zoo/harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-resize-identity-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('linear Resize to the input size (from Shape, symbolic batch) matches onnxruntime', async () => {
  const g = new Graph(1);
  g.op('Resize', ['x', '', '', g.op('Shape', ['x'])], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
  nameLast(g, 'y');
  const m = finish(g, 'resize_identity', [{ name: 'x', dtype: 'f32', shape: ['batch', 2, 4, 3] }], [f32('y', ['batch', 2, 4, 3])], [{ batch: 1 }, { batch: 2 }], 13);
  const cases = await referenceCases(m);
  const got = await runWasmCases(m, cases, join(tmp, 'm'));
  cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), c.label).toBeNull());
});
