// loadCompiled from a path and from a URL (fetch, as in browsers) gives the same results; symbols
// bind per run (a new batch size needs no recompile); bad inputs are clear errors.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnnxFile } from '../../src/onnx/import.js';
import { compileWasm, writeArtifact } from '../../src/backends/wasm/index.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom } from '../../ir/tensor.js';
import { loadCompiled } from '../../src/runtime/index.js';

const MODEL = '/work/shared/models/mlp_digits/model.onnx';
const tmp = mkdtempSync(join(tmpdir(), 'tenth-runtime-'));
const dir = join(tmp, 'mlp');
let server: Server;
let url = '';

beforeAll(async () => {
  writeArtifact(dir, await compileWasm(importOnnxFile(MODEL)));
  server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(dir, (req.url ?? '/').slice(1))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  url = `http://127.0.0.1:${addr.port}/`;
});
afterAll(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const inputOf = (batch: number): Float32Array => Float32Array.from({ length: batch * 64 }, (_v, i) => ((i * 37) % 17) / 16);

describe('runtime', () => {
  it('path and URL loads agree with the interpreter for several batch sizes', async () => {
    const byPath = await loadCompiled(dir);
    const byUrl = await loadCompiled(url);
    const ref = importOnnxFile(MODEL);
    for (const batch of [1, 3, 7, 2]) {
      const x = inputOf(batch);
      const a = await byPath.run({ input: { data: x, dims: [batch, 64] } });
      const b = await byUrl.run({ input: { data: x, dims: [batch, 64] } });
      expect(a['logits']!.dims).toEqual([batch, 10]);
      expect(Array.from(b['logits']!.data as Float32Array)).toEqual(Array.from(a['logits']!.data as Float32Array));
      const [want] = interpret(ref, [tensorFrom('f32', [batch, 64], x)]);
      const w = want!.data as Float32Array, g = a['logits']!.data as Float32Array;
      for (let i = 0; i < w.length; i++) expect(Math.abs(g[i]! - w[i]!)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(w[i]!));
    }
  });

  it('rejects missing inputs, wrong dims and wrong array types', async () => {
    const m = await loadCompiled(dir);
    await expect(m.run({})).rejects.toThrow(/missing input 'input'/);
    await expect(m.run({ input: { data: inputOf(1), dims: [1, 63] } })).rejects.toThrow(/dim 1 is 63, expected 64/);
    await expect(m.run({ input: { data: new Int32Array(64), dims: [1, 64] } })).rejects.toThrow(/must be a Float32Array/);
    await expect(m.run({ input: { data: inputOf(2), dims: [1, 64] } })).rejects.toThrow(/has 128 elements, dims \[1,64\] need 64/);
    await expect(loadCompiled(`${url}missing/`)).rejects.toThrow(/cannot fetch/);
  });

  it('profile() times every kernel in execution order', async () => {
    const m = await loadCompiled(dir);
    const times = await m.profile({ input: { data: inputOf(4), dims: [4, 64] } }, 3);
    expect(times.map((t) => t.kernel)).toEqual(m.manifest.kernels);
    expect(times.every((t) => t.ms >= 0 && Number.isFinite(t.ms))).toBe(true);
  });
});
