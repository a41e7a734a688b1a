// Runner for select-layout.ir until the shared harness (test/passes/golden.test.ts) lands: the same
// file format and FileCheck semantics (CHECK, CHECK-NEXT, CHECK-NOT, CHECK-LABEL), verify after
// every pass (runPipeline's default). Each case also checks what holds for every input of the pass:
// bit-identical interpreter results on fixed inputs (layout changes only move data), no more
// transposes than before, the output reads back and prints the same, and a second run is a no-op.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DTYPE_INFO } from '../../ir/dtype.js';
import type { Module } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { encodeBytes, type Tensor, tensorFrom } from '../../ir/tensor.js';
import { runPipeline } from '../../passes/manager.js';
import { countTransposes } from '../../passes/select-layout.js';
import '../../passes/builtin.js';

const here = dirname(fileURLToPath(import.meta.url));

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
    if (c.kind === 'CHECK-LABEL') nots = [];
    last = at;
    pos = at + 1;
  }
  return flushNots(lines.length);
}

/** Fixed inputs for main: floats from a small LCG in [-2, 2), integers and bools 0/1. */
function fixedInputs(m: Module): Tensor[] {
  let seed = 12345;
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  return m.main.args.map((a) => {
    const shape = (a.type.shape ?? []).map((d) => (typeof d === 'number' ? d : 2));
    const n = shape.reduce((x, y) => x * y, 1);
    const float = DTYPE_INFO[a.type.dtype].kind === 'float';
    const vals = Array.from({ length: n }, () => (float ? next() * 4 - 2 : Math.floor(next() * 2)));
    return tensorFrom(a.type.dtype, shape, DTYPE_INFO[a.type.dtype].storage === 'i64' ? vals.map(BigInt) : vals);
  });
}

const bits = (ts: Tensor[]): string[] => ts.map((t) => `${t.shape}:${Buffer.from(encodeBytes(t)).toString('hex')}`);

const text = readFileSync(join(here, 'select-layout.ir'), 'utf8');
const fileRun = /^\/\/ RUN: (.*)$/m.exec(text)![1]!;

describe('select-layout.ir', () => {
  text.split(/^\/\/ -----$/m).forEach((c, i) => {
    it(`case ${i + 1}: ${/^\/\/ (?!RUN|CHECK)(.*)$/m.exec(c)?.[1] ?? ''}`, () => {
      const run = /^\/\/ RUN: (.*)$/m.exec(c)?.[1] ?? fileRun;
      const checks = [...c.matchAll(/^\/\/ (CHECK(?:-NEXT|-NOT|-LABEL)?): (.*)$/gm)].map((x) => ({ kind: x[1]!, text: x[2]!.trim() }));
      expect(checks.length).toBeGreaterThan(0);
      const m = parseModule(c, { file: 'case.ir' });
      const inputs = fixedInputs(m);
      const before = bits(interpret(m, inputs));
      const transposes = countTransposes(m);
      runPipeline(m, run);
      const out = printModule(m);
      expect(fileCheck(out, checks), out).toBeUndefined();
      expect(bits(interpret(m, inputs))).toEqual(before);
      expect(countTransposes(m)).toBeLessThanOrEqual(transposes);
      expect(printModule(parseModule(out))).toBe(out);
      const again = runPipeline(m, run);
      expect(again.changed).toBe(false);
      expect(printModule(m)).toBe(out);
    });
  });
});
