// The threaded runtime in Deno: Web Workers from a Blob URL (module type), a main thread that may
// block at barriers, and the same bits as the single-threaded module on every run of
// cnn_digits (every op split), matching its expected outputs; the process exits after dispose().

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { compareTensors } from '../../src/check/compare.js';
import { compileShared, loadDataSet, REPO, transpileRuntime } from '../web/runtime-package.js';

const DENO = join(REPO, 'node_modules', '.bin', 'deno');
const tmp = mkdtempSync(join(tmpdir(), 'tenth-deno-threads-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SCRIPT = `
import { loadCompiled } from './rt/index.js';
const { data, dims } = JSON.parse(await new Response(Deno.stdin.readable).text());
const one = await loadCompiled('./cnn');
const results = [];
for (const n of [2, 3]) {
  const m = await loadCompiled('./cnn', { threads: n });
  const feed = { [one.manifest.inputs[0].name]: { data: Float32Array.from(data), dims } };
  const want = Object.values(await one.run(feed))[0];
  let same = true;
  for (let r = 0; r < 10; r++) {
    const got = Object.values(await m.run(feed))[0].data;
    same = same && got.every((v, i) => Object.is(v, want.data[i]));
  }
  await m.dispose();
  results.push({ threads: m.threads, same, dims: [...want.dims], data: Array.from(want.data) });
}
console.log(JSON.stringify(results));
`;

describe('threads in Deno', () => {
  it('2 and 3 threads give the single-threaded bits and the expected outputs; the process exits', async () => {
    transpileRuntime(join(tmp, 'rt'));
    await compileShared('cnn_digits', join(tmp, 'cnn'), { threads: true, threadMinWork: 0 });
    writeFileSync(join(tmp, 'job.mjs'), SCRIPT);
    const xdg = join(tmp, 'xdg');
    mkdirSync(xdg);
    const set = loadDataSet('cnn_digits', 0);
    const x = set.inputs[0]!.tensor;
    const r = spawnSync(DENO, ['run', '--quiet', '--no-lock', '--allow-read', 'job.mjs'], {
      cwd: tmp, input: JSON.stringify({ data: Array.from(x.data as Float32Array), dims: x.shape }), encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', XDG_RUNTIME_DIR: xdg, DENO_DIR: join(tmp, 'deno-dir'), NO_COLOR: '1' },
    });
    expect(r.error, r.stderr).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { threads: number; same: boolean; dims: number[]; data: number[] }[];
    expect(out.map((o) => [o.threads, o.same])).toEqual([[2, true], [3, true]]);
    const got = tensorFrom('f32', out[0]!.dims, Float32Array.from(out[0]!.data));
    expect(compareTensors(got, set.outputs[0]!.tensor, { rtol: 1e-3, atol: 1e-5 }).reason).toBe('');
  });
});
