// The threaded runtime in headless Chromium: on a cross-origin isolated page (COOP/COEP headers)
// loadCompiled(dir, { threads: 2 }) starts a module Web Worker from a Blob URL, the main thread
// does its share and spins at barriers (it may not block), and the outputs have the bits of the
// single-threaded module on every run, matching cnn_digits' expected outputs. Without isolation
// there is no SharedArrayBuffer: the same call falls back to one thread.

import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTensors } from '../../src/check/compare.js';
import { tensorFrom } from '../../ir/tensor.js';
import { compileShared, loadDataSet, transpileRuntime } from './runtime-package.js';

const TYPES: Readonly<Record<string, string>> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
const tmp = mkdtempSync(join(tmpdir(), 'tenth-web-threads-'));
let server: Server | undefined;
let browser: Browser | undefined;
let base = '';

beforeAll(async () => {
  transpileRuntime(join(tmp, 'rt'));
  await compileShared('cnn_digits', join(tmp, 'cnn'), { threads: true, threadMinWork: 0 });
  writeFileSync(join(tmp, 'index.html'), '<!doctype html><title>threads</title>\n');
  // /iso/... is served cross-origin isolated, /plain/... is not; both map to the same folder.
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, mode, ...rest] = url.pathname.split('/');
    const file = normalize(join(tmp, ...rest));
    if (!file.startsWith(tmp + sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (mode === 'iso') Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.writeHead(200, headers).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  browser = await chromium.launch({ executablePath: '/usr/lib/chromium/chromium', args: ['--no-sandbox', '--disable-gpu'] });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

interface PageOut { isolated: boolean; threads: number; same: boolean; dims: number[]; data: number[] }

async function runIn(mode: 'iso' | 'plain'): Promise<PageOut> {
  const page = await browser!.newPage();
  try {
    await page.goto(`${base}${mode}/index.html`);
    const x = loadDataSet('cnn_digits', 0).inputs[0]!.tensor;
    // A string, not a function: vitest would rewrite a function's import() for Node.
    return await page.evaluate(`(async ({ data, dims }) => {
      const { loadCompiled } = await import('./rt/index.js');
      const one = await loadCompiled('cnn');
      const two = await loadCompiled('cnn', { threads: 2 });
      const feed = { [one.manifest.inputs[0].name]: { data: Float32Array.from(data), dims } };
      const want = Object.values(await one.run(feed))[0];
      let same = true;
      for (let r = 0; r < 10; r++) {
        const got = Object.values(await two.run(feed))[0].data;
        same = same && got.length === want.data.length && got.every((v, i) => Object.is(v, want.data[i]));
      }
      await two.dispose();
      return { isolated: self.crossOriginIsolated, threads: two.threads, same, dims: [...want.dims], data: Array.from(want.data) };
    })(${JSON.stringify({ data: Array.from(x.data as Float32Array), dims: [...x.shape] })})`) as PageOut;
  } finally {
    await page.close();
  }
}

describe('threads in Chromium', () => {
  it('cross-origin isolated: 2 threads, same bits as one, expected outputs', async () => {
    const r = await runIn('iso');
    expect(r.isolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.same).toBe(true);
    const want = loadDataSet('cnn_digits', 0).outputs[0]!.tensor;
    expect(compareTensors(tensorFrom('f32', r.dims, Float32Array.from(r.data)), want, { rtol: 1e-3, atol: 1e-5 }).reason).toBe('');
  });

  it('not isolated: no shared memory, falls back to one thread', async () => {
    const r = await runIn('plain');
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.same).toBe(true);
  });
});
