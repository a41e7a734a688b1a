// The runtime in a real browser: headless Chromium opens examples/web/ (served from 127.0.0.1 with
// the runtime as `npm run build` emits it), which loads compiled shared models over HTTP, runs
// them on their test inputs (.pb files decoded in the page) and leaves the outputs in
// window.__result. They must match the expected outputs (PyTorch's) read here in Node.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { compareTensors } from '../../src/check/compare.js';
import { startWebHarness, type WebHarness } from './harness.js';
import { compileShared, loadDataSet } from './runtime-package.js';

const TOL = { rtol: 1e-3, atol: 1e-5 };
let web: WebHarness;

beforeAll(async () => {
  web = await startWebHarness(async (site) => {
    await Promise.all(['cnn_digits', 'tiny_bert'].map((m) => compileShared(m, join(site, 'models', m))));
    await compileShared('cnn_digits', join(site, 'models', 'cnn_relaxed'), { relaxedSimd: true });
  });
});
afterAll(() => web?.close());

const openPage = (query: string): ReturnType<WebHarness['open']> => web.open(query);

describe('runtime in Chromium (examples/web)', () => {
  for (const [name, set] of [['cnn_digits', 0], ['cnn_digits', 1], ['tiny_bert', 1]] as const) {
    it(`${name} data set ${set} matches its expected outputs`, async () => {
      const r = await openPage(`model=/models/${name}/&data=/data/${name}/test_data_set_${set}/&runs=3`);
      expect(r.error ?? '', web.pageErrors.join('\n')).toBe('');
      expect(r.backend).toBe('wasm');
      const want = loadDataSet(name, set).outputs;
      expect(Object.keys(r.outputs).sort()).toEqual(want.map((o) => o.name).sort());
      for (const w of want) {
        const got = r.outputs[w.name]!;
        const cmp = compareTensors(tensorFrom('f32', got.dims, got.data), w.tensor, TOL);
        expect(cmp.reason, w.name).toBe('');
        // The page's own check (its .pb reader and comparison) agrees.
        expect(r.checks[w.name]?.ok, w.name).toBe(true);
      }
      for (const ms of [r.timing.loadMs, r.timing.firstRunMs, r.timing.meanMs, r.timing.medianMs]) expect(ms).toBeGreaterThanOrEqual(0);
      expect(r.timing.runs).toBe(3);
    });
  }

  it('the runtime resolves a relative folder (no trailing slash) against the page', async () => {
    await openPage('model=/models/cnn_digits/&data=/data/cnn_digits/test_data_set_1/&runs=1');
    const set = loadDataSet('cnn_digits', 1);
    const x = set.inputs[0]!.tensor;
    // A string, not a function: the test's transform would rewrite a dynamic import() inside it.
    const got = await web.page.evaluate(`(async () => {
      const { loadCompiled } = await import('tenth');
      const m = await loadCompiled('../../models/cnn_digits');
      const out = await m.run({ input: { data: Float32Array.from(${JSON.stringify(Array.from(x.data as Float32Array))}), dims: ${JSON.stringify(x.shape)} } });
      return { dims: out.logits.dims, data: Array.from(out.logits.data) };
    })()`) as { dims: number[]; data: number[] };
    expect(compareTensors(tensorFrom('f32', got.dims, got.data), set.outputs[0]!.tensor, TOL).reason).toBe('');
  });

  it('runs in a module worker (no window, no document)', async () => {
    await openPage('model=/models/cnn_digits/&data=/data/cnn_digits/test_data_set_0/&runs=1');
    const set = loadDataSet('cnn_digits', 0);
    const x = set.inputs[0]!.tensor;
    // The worker is a blob: it has no base URL to resolve against, so its URLs are absolute.
    const got = await web.page.evaluate(`new Promise((resolve, reject) => {
      const code = \`
        const { loadCompiled } = await import('\${location.origin}/dist/src/runtime/index.js');
        const m = await loadCompiled('\${location.origin}/models/cnn_digits');
        const out = await m.run({ input: { data: Float32Array.from(${JSON.stringify(Array.from(x.data as Float32Array))}), dims: ${JSON.stringify(x.shape)} } });
        postMessage({ noWindow: typeof window === 'undefined' && typeof document === 'undefined', dims: out.logits.dims, data: Array.from(out.logits.data) });
      \`;
      const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type: 'module' });
      w.onmessage = (e) => { w.terminate(); resolve(e.data); };
      w.onerror = (e) => { w.terminate(); reject(new Error(e.message)); };
    })`) as { noWindow: boolean; dims: number[]; data: number[] };
    expect(got.noWindow).toBe(true);
    expect(compareTensors(tensorFrom('f32', got.dims, got.data), set.outputs[0]!.tensor, TOL).reason).toBe('');
  });

  it('loads model-relaxed.wasm where Chromium has relaxed SIMD, model.wasm when simd=simd', async () => {
    const want = loadDataSet('cnn_digits', 0).outputs[0]!.tensor;
    for (const [simd, file, other] of [['auto', 'model-relaxed.wasm', 'model.wasm'], ['simd', 'model.wasm', 'model-relaxed.wasm']] as const) {
      web.server.requests.length = 0;
      const r = await openPage(`model=/models/cnn_relaxed/&data=/data/cnn_digits/test_data_set_0/&runs=1&simd=${simd}`);
      expect(r.error ?? '').toBe('');
      expect(web.server.requests).toContain(`/models/cnn_relaxed/${file}`);
      expect(web.server.requests).not.toContain(`/models/cnn_relaxed/${other}`);
      const got = r.outputs['logits']!;
      expect(compareTensors(tensorFrom('f32', got.dims, got.data), want, TOL).reason, simd).toBe('');
    }
  });

  it('reports a missing model folder and an unknown backend in window.__result', async () => {
    expect((await openPage('model=/models/none/')).error).toMatch(/cannot fetch .*\/models\/none\/manifest\.json \(404\)/);
    expect((await openPage('model=/models/cnn_digits/&backend=nope')).error).toMatch(/unknown backend 'nope' \(known: wasm, webgpu\)/);
  });
});
