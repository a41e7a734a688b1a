// Every zoo model through `tenth run MODEL --check` (importer + reference interpreter, as a user
// runs it) on data sets whose expected outputs are onnxruntime-node's, one per binding of the
// symbolic dims; then the same after the O2 pipeline (folding, fusion, memory plan) in-process.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { runPipeline } from '../../passes/index.js';
import { main } from '../../src/cli/main.js';
import { importZoo, mismatch, referenceCases, TOLERANCE, writeModelDir } from './harness.js';
import { ZOO } from './models.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-zoo-interp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), cwd: process.cwd() });
  return { code, out, err };
}

describe('zoo: interpreter against onnxruntime', () => {
  for (const [name, build] of Object.entries(ZOO)) {
    it(`${name}: tenth run --check at every binding, and after O2`, async () => {
      const m = build();
      expect(m.bytes.length).toBeLessThan(2 << 20);
      const cases = await referenceCases(m);
      const dir = join(tmp, name);
      writeModelDir(dir, m, cases);
      const r = await cli(['run', join(dir, 'model.onnx'), '--check', '--rtol', String(TOLERANCE.rtol), '--atol', String(TOLERANCE.atol), '--json']);
      expect(r.code, r.out + r.err).toBe(0);
      const json = JSON.parse(r.out) as { ok: boolean; runs: { outputs: { status: string }[] }[] };
      expect(json.runs.length).toBe(cases.length);
      expect(json.runs.flatMap((x) => x.outputs.map((o) => o.status))).toEqual(new Array(cases.length * m.outputs.length).fill('PASS'));
      const opt = importZoo(m);
      runPipeline(opt, 'O2');
      for (const c of cases) expect(mismatch(m, interpret(opt, c.inputs), c.want), `O2 at ${c.label}`).toBeNull();
    });
  }
});
