// Temporary runner for canonicalize.ir until the shared harness (test/passes/golden.test.ts)
// lands: same file format and FileCheck semantics (CHECK, CHECK-NEXT, CHECK-NOT, CHECK-LABEL,
// EXPECT-ERROR), verify before and after the pass, the pass called directly through the registry.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { verify } from '../../ir/verify.js';
import { getPass } from '../../passes/registry.js';
import { INTERP_PROFILE, type PassOptionValue } from '../../passes/pass.js';
import '../../passes/builtin.js';

const here = dirname(fileURLToPath(import.meta.url));

function runPipelineLocal(text: string, pipeline: string): string {
  const m = parseModule(text, { file: 'case.ir' });
  expect(verify(m).map((d) => d.message)).toEqual([]);
  for (const item of pipeline.split(/,(?![^{]*\})/)) {
    const [, name, opts] = /^\s*([\w-]+)(?:\{(.*)\})?\s*$/.exec(item)!;
    const pass = getPass(name!)!;
    const options: Record<string, PassOptionValue> = Object.fromEntries(Object.entries(pass.options).map(([k, v]) => [k, v.default]));
    for (const kv of opts ? opts.split(',') : []) {
      const [k, v] = kv.split('=');
      const spec = pass.options[k!.trim()];
      options[k!.trim()] = spec?.type === 'string' ? v!.trim() : Number(v);
    }
    pass.run(m, { target: INTERP_PROFILE }, options);
    expect(verify(m).map((d) => d.message), `verify after ${name}`).toEqual([]);
  }
  return printModule(m);
}

/** FileCheck: returns the first failure, or undefined. */
function fileCheck(output: string, checks: { kind: string; text: string }[]): string | undefined {
  const lines = output.split('\n');
  let pos = 0;
  let last = -1;
  let nots: string[] = [];
  const flushNots = (until: number): string | undefined => {
    for (const n of nots) {
      for (let i = pos; i < until; i++) if (lines[i]!.includes(n)) return `CHECK-NOT '${n}' found at line ${i + 1}: ${lines[i]}`;
    }
    nots = [];
    return undefined;
  };
  for (const c of checks) {
    if (c.kind === 'CHECK-NOT') { nots.push(c.text); continue; }
    let at = -1;
    if (c.kind === 'CHECK-NEXT') at = lines[last + 1]?.includes(c.text) ? last + 1 : -1;
    else for (let i = pos; i < lines.length; i++) if (lines[i]!.includes(c.text)) { at = i; break; }
    if (at < 0) return `${c.kind}: '${c.text}' not found after line ${last + 1}`;
    const bad = flushNots(at);
    if (bad) return bad;
    last = at;
    pos = at + 1;
  }
  return flushNots(lines.length);
}

const text = readFileSync(join(here, 'canonicalize.ir'), 'utf8');
const fileRun = /^\/\/ RUN: (.*)$/m.exec(text)![1]!;
describe('canonicalize.ir (local runner)', () => {
  text.split(/^\/\/ -----$/m).forEach((c, i) => {
    it(`case ${i + 1}`, () => {
      const run = /^\/\/ RUN: (.*)$/m.exec(c)?.[1] ?? fileRun;
      const error = /^\/\/ EXPECT-ERROR: (E\d+)/m.exec(c)?.[1];
      if (error) {
        let code: string | undefined;
        try { runPipelineLocal(c, run); } catch (e) { code = e instanceof TenthError ? e.diagnostics[0]?.code : String(e); }
        expect(code).toBe(error);
        return;
      }
      const checks = [...c.matchAll(/^\/\/ (CHECK(?:-NEXT|-NOT|-LABEL)?): (.*)$/gm)].map((m) => ({ kind: m[1]!, text: m[2]!.trim() }));
      const out = runPipelineLocal(c, run);
      expect(fileCheck(out, checks), out).toBeUndefined();
    });
  });
});
