// The WASM part of the zoo, shared by the test files that split the models between vitest workers:
// each model is compiled ONCE with its symbolic dims, then loaded through the runtime
// (loadCompiled + run) at every binding and compared with onnxruntime's outputs; `tenth run DIR
// --check` on the compiled folder must agree.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { diagnosticCodes, mismatch, referenceCases, runWasmCases, TOLERANCE, writeModelDir } from './harness.js';
import { ZOO } from './models.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), cwd: process.cwd() });
  return { code, out, err };
}

export function wasmZooSuite(passing: readonly string[], refusedToday: readonly string[] = [], knownWrong: Readonly<Record<string, string>> = {}): void {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-zoo-wasm-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  for (const name of passing) {
    it(`${name}: compiled once, runtime matches onnxruntime at every binding; run --check agrees`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      const dir = join(tmp, name), compiled = join(tmp, `${name}-wasm`);
      // Every binding, then again in reverse order: a new binding re-plans the arena, and nothing
      // (recurrent state, cached plans) may leak from one run into the next.
      const order = [...cases, ...[...cases].reverse()];
      const got = await runWasmCases(m, order, compiled);
      order.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label} (run ${k})`).toBeNull());
      writeModelDir(dir, m, cases);
      const r = await cli(['run', compiled, '--data', dir, '--check', '--rtol', String(TOLERANCE.rtol), '--atol', String(TOLERANCE.atol)]);
      expect(r.code, r.out + r.err).toBe(0);
    });
  }

  // Models the backend refuses today (see the test file's comment for the bug): a clean
  // diagnostic, never a crash or a wrong answer; once they compile they must match.
  for (const name of refusedToday) {
    it(`${name}: matches onnxruntime or is refused with a diagnostic`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      let got;
      try {
        got = await runWasmCases(m, cases, join(tmp, `${name}-wasm`));
      } catch (e) {
        expect(diagnosticCodes(e), String(e)).not.toBeNull();
        return;
      }
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }

  // Known miscompiles (the bug is named in the test's title and the test file's comment): it.fails
  // until fixed, so the fix shows up as a failing it.fails to move the model to `passing`.
  for (const [name, bug] of Object.entries(knownWrong)) {
    it.fails(`KNOWN BUG ${name}: ${bug}`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      const got = await runWasmCases(m, cases, join(tmp, `${name}-wasm`));
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
}
