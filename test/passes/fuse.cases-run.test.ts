// Runs every case of fuse.ir (the FileCheck part is test/passes/golden.test.ts) before and after
// its pipeline on fixed inputs (symbolic dims = 2, floats in [-2, 2), integers 0/1 so they can
// index anything): the results must be bit-identical, and the fused output must print, parse and
// print to the same text.

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
import { runPipeline } from '../../passes/index.js';
import { parseGoldenFile } from './filecheck.js';

const here = dirname(fileURLToPath(import.meta.url));

function fixedInputs(m: Module): Tensor[] {
  let seed = 12345;
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  return m.main.args.map((a) => {
    const shape = (a.type.shape ?? []).map((d) => (typeof d === 'number' ? d : 2));
    const n = shape.reduce((x, y) => x * y, 1);
    const info = DTYPE_INFO[a.type.dtype];
    const vals = Array.from({ length: n }, () => (info.kind === 'float' ? next() * 4 - 2 : Math.floor(next() * 2)));
    return tensorFrom(a.type.dtype, shape, info.storage === 'i64' ? vals.map(BigInt) : vals);
  });
}

const bits = (ts: Tensor[]): string[] => ts.map((t) => Buffer.from(encodeBytes(t)).toString('hex'));

describe('fuse.ir cases run unchanged', () => {
  for (const c of parseGoldenFile(readFileSync(join(here, 'fuse.ir'), 'utf8'), 'fuse.ir')) {
    if (c.expectError) continue;
    it(`case ${c.index} (line ${c.line}): ${c.run}`, () => {
      const m = parseModule(c.source, { file: 'fuse.ir' });
      const inputs = fixedInputs(m);
      const before = bits(interpret(m, inputs));
      runPipeline(m, c.run, { verifyEach: true });
      expect(bits(interpret(m, inputs))).toEqual(before);
      const out = printModule(m);
      expect(printModule(parseModule(out))).toBe(out);
    });
  }
});
