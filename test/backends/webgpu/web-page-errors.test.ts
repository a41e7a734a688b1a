// examples/web on a failure shows one line saying what went wrong (the page's log and
// window.__result.error), with the stack trace in the console only (was: the raw JS stack on the
// page). Cases: a missing folder, a damaged webgpu folder (truncated weights.bin).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWebGpu, writeWebGpuArtifact } from '../../../src/backends/webgpu/index.js';
import { importOnnxFile } from '../../../src/onnx/import.js';
import { startWebHarness, type WebHarness } from '../../web/harness.js';
import { SHARED_MODELS } from '../../web/runtime-package.js';

let web: WebHarness;
const consoleErrors: string[] = [];

beforeAll(async () => {
  web = await startWebHarness(async (site) => {
    const dir = join(site, 'models', 'cut');
    writeWebGpuArtifact(dir, compileWebGpu(importOnnxFile(join(SHARED_MODELS, 'mlp_digits', 'model.onnx'))));
    writeFileSync(join(dir, 'weights.bin'), readFileSync(join(dir, 'weights.bin')).subarray(0, 1000));
  });
  web.page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
}, 60_000);
afterAll(() => web?.close());

async function failure(query: string): Promise<{ error: string; log: string; status: string }> {
  consoleErrors.length = 0;
  const r = await web.open(query, 25_000);
  const log = await web.page.evaluate(() => document.getElementById('log')!.textContent!);
  const status = await web.page.evaluate(() => document.getElementById('status')!.textContent!);
  return { error: r.error ?? '', log, status };
}

describe('examples/web: a failure is one line on the page, the stack in the console', () => {
  it('a missing model folder', async () => {
    const f = await failure('model=/models/none/');
    expect(f.status).toBe('failed');
    expect(f.error).toMatch(/^cannot fetch .*\/models\/none\/manifest\.json \(404\)$/);
    expect(f.log.trimEnd().split('\n').at(-1)).toBe(`error: ${f.error}`);
    expect(f.log).not.toMatch(/^\s+at |@http/m);
    // Console events reach the test asynchronously, possibly after window.__result.
    await expect.poll(() => consoleErrors.join('\n')).toContain('cannot fetch');
  });

  it('the runtime in a browser without WebGPU says so (not the Node advice to pass { device })', async () => {
    await web.open('model=/models/none/');
    // A string, so vitest leaves the page's dynamic import alone.
    const msgs = await web.page.evaluate(`(async () => {
      const rt = await import('/dist/src/runtime/webgpu.js');
      const why = (p) => p.then(() => 'loaded', (e) => e.message);
      Object.defineProperty(navigator, 'gpu', { value: undefined, configurable: true });
      const none = await why(rt.loadCompiledWebGpu('/models/cut/'));
      Object.defineProperty(navigator, 'gpu', { value: { requestAdapter: async () => null }, configurable: true });
      const noAdapter = await why(rt.loadCompiledWebGpu('/models/cut/'));
      delete navigator.gpu;
      return [none, noAdapter];
    })()`) as string[];
    expect(msgs[0]).toMatch(/^tenth runtime: this browser or runtime has no WebGPU \(navigator\.gpu is missing\): .*--enable-unsafe-webgpu/);
    expect(msgs[1]).toMatch(/^tenth runtime: no WebGPU adapter available/);
    expect(msgs.join('\n')).not.toMatch(/pass \{ device \}/);
  });

  it('a damaged webgpu folder: the runtime\'s refusal, without its "tenth runtime:" prefix', async () => {
    const f = await failure('backend=webgpu&model=/models/cut/&data=/data/mlp_digits/test_data_set_0/&runs=1');
    expect(f.error).toMatch(/^weights\.bin of .* has 1000 bytes, its manifest says \d+: the folder is damaged or mixed from two compiles; compile the model again$/);
    expect(f.log).not.toMatch(/^\s+at |@http/m);
  });
});
