// Printer and parser are inverses: for random modules, print(parse(print(m))) === print(m), and the
// parsed module holds exactly what the original held (attribute values bit for bit, weights,
// regions, operand wiring, node locations).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttrValue, Module, Region, Value, Weight } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import type { Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { arbModuleWithInputs, arbTextModule, availableRecipes } from '../gen/random-module.js';

const MODELS = '/work/shared/models';

const sameNumber = (a: unknown, b: unknown): boolean =>
  Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));

function sameTensor(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.shape.join() === b.shape.join() && a.data.length === b.data.length
    && Array.prototype.every.call(a.data, (x: unknown, i: number) => sameNumber(x, b.data[i]));
}

function sameAttr(a: AttrValue, b: AttrValue): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'tensor') return sameTensor(a.value, (b as typeof a).value);
  if (Array.isArray(a.value)) {
    const bv = b.value as readonly unknown[];
    return a.value.length === bv.length && a.value.every((x, i) => sameNumber(x, bv[i]));
  }
  return sameNumber(a.value, b.value);
}

function sameWeight(a: Weight, b: Weight): boolean {
  if (a.name !== b.name || JSON.stringify(a.type) !== JSON.stringify(b.type) || a.source.kind !== b.source.kind) return false;
  if (a.source.kind === 'file') return JSON.stringify(a.source) === JSON.stringify(b.source);
  return Buffer.from(a.source.bytes).equals(Buffer.from((b.source as typeof a.source).bytes));
}

/** Structural equality; `map` pairs each original value with its parsed counterpart. */
function sameRegion(a: Region, b: Region, map: Map<Value, Value>, path: string): void {
  expect(b.args.map((v) => v.type), `${path} args`).toEqual(a.args.map((v) => v.type));
  a.args.forEach((v, i) => map.set(v, b.args[i]!));
  expect(b.ops.length, `${path} op count`).toBe(a.ops.length);
  a.ops.forEach((op, i) => {
    const q = b.ops[i]!;
    const where = `${path}/op${i}:${op.name}`;
    expect(q.name, where).toBe(op.name);
    expect(q.operands.length, `${where} operands`).toBe(op.operands.length);
    op.operands.forEach((v, j) => expect(q.operands[j], `${where} operand ${j}`).toBe(v ? map.get(v) : null));
    expect(q.results.map((v) => v.type), `${where} result types`).toEqual(op.results.map((v) => v.type));
    expect([...q.attrs.keys()].sort(), `${where} attr names`).toEqual([...op.attrs.keys()].sort());
    for (const [k, v] of op.attrs) expect(sameAttr(v, q.attrs.get(k)!), `${where} attr ${k}`).toBe(true);
    if (op.loc.kind === 'node') expect(q.loc, `${where} loc`).toEqual(op.loc);
    else expect(q.loc.kind, `${where} loc`).toBe('text');
    expect(q.regions.length, `${where} regions`).toBe(op.regions.length);
    op.regions.forEach((r, k) => sameRegion(r, q.regions[k]!, map, `${where}/r${k}`));
    op.results.forEach((v, k) => map.set(v, q.results[k]!));
  });
}

function sameModule(a: Module, b: Module): void {
  expect(b.name).toBe(a.name);
  expect([...b.meta].sort()).toEqual([...a.meta].sort());
  expect([...b.weights.keys()]).toEqual([...a.weights.keys()]);
  for (const [k, w] of a.weights) expect(sameWeight(w, b.weights.get(k)!), `weight ${k}`).toBe(true);
  expect(b.funcs.map((f) => f.name)).toEqual(a.funcs.map((f) => f.name));
  a.funcs.forEach((f, i) => {
    expect(b.funcs[i]!.resultNames).toEqual(f.resultNames);
    sameRegion(f.body, b.funcs[i]!.body, new Map(), `@${f.name}`);
  });
}

describe('print/parse round trip', () => {
  it('holds for structurally random modules (every attribute kind, nested regions, odd names)', () => {
    fc.assert(fc.property(arbTextModule(), (m) => {
      const text = printModule(m);
      const parsed = parseModule(text);
      expect(printModule(parsed)).toBe(text);
      sameModule(m, parsed);
    }), { numRuns: 200 });
  });

  it('holds for well-typed random modules, which verify and compute the same after the round trip', () => {
    // Recipes join in as their op families register; const and return are always there.
    const ops = availableRecipes().map((r) => r.op);
    expect(ops).toContain('const');
    fc.assert(fc.property(arbModuleWithInputs({ maxOps: 10 }), ({ module: m, inputs }) => {
      expect(verify(m)).toEqual([]);
      const text = printModule(m);
      const parsed = parseModule(text);
      expect(printModule(parsed)).toBe(text);
      sameModule(m, parsed);
      expect(verify(parsed)).toEqual([]);
      const want = interpret(m, inputs);
      const got = interpret(parsed, inputs);
      expect(got.length).toBe(want.length);
      got.forEach((t, i) => expect(sameTensor(t, want[i]!), `result ${i}`).toBe(true));
    }), { numRuns: 150 });
  });
});

describe('importer output', () => {
  // Real models: ONNX names that need quotes, node locations, weights stored in the model file.
  it.each(['mlp_digits', 'cnn_digits', 'mobilenet_v2', 'tiny_bert'])('%s prints, parses and prints identically', (name) => {
    const dir = `${MODELS}/${name}`;
    const m = importOnnxFile(`${dir}/model.onnx`);
    const text = printModule(m);
    const parsed = parseModule(text, { file: `${name}.ir`, baseDir: dir });
    expect(printModule(parsed)).toBe(text);
    sameModule(m, parsed);
    expect(verify(parsed)).toEqual([]);
    // File weights resolve relative to baseDir to the bytes the importer's store gives.
    for (const w of m.weights.values()) {
      expect(Buffer.from(parsed.store!.bytes(parsed.weights.get(w.name)!)).equals(Buffer.from(m.store!.bytes(w))), w.name).toBe(true);
    }
  });
});
