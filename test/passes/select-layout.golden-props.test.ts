// What holds for every case of select-layout.ir besides its CHECK lines (those run in the shared
// harness, test/passes/golden.test.ts): bit-identical interpreter results on fixed inputs (layout
// changes only move data, and the reference kernels unpack to NCHW), no more transposes than
// before, the output reads back and prints the same, and a second run changes nothing.

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
import { parseGoldenFile } from './filecheck.js';
import '../../passes/builtin.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Fixed inputs for main: floats from a small LCG in [-2, 2), integers and bools 0/1, symbols = 2. */
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

describe('select-layout.ir invariants', () => {
  const cases = parseGoldenFile(readFileSync(join(here, 'select-layout.ir'), 'utf8'), 'select-layout.ir');
  it('has cases', () => { expect(cases.length).toBeGreaterThanOrEqual(15); });
  for (const c of cases) {
    it(`case ${c.index} (line ${c.line}): ${c.run}`, () => {
      const m = parseModule(c.source, { file: 'select-layout.ir' });
      const inputs = fixedInputs(m);
      const before = bits(interpret(m, inputs));
      const transposes = countTransposes(m);
      const r = runPipeline(m, c.run);
      const out = printModule(m);
      expect(bits(interpret(m, inputs))).toEqual(before);
      expect(countTransposes(m)).toBeLessThanOrEqual(transposes);
      expect(r.counters['select-layout/transposes-before']).toBe(transposes);
      expect(r.counters['select-layout/transposes-after']).toBe(countTransposes(m));
      expect(printModule(parseModule(out))).toBe(out);
      expect(runPipeline(m, c.run).changed).toBe(false);
      expect(printModule(m)).toBe(out);
    });
  }
});
