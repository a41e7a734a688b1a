// plan-memory on ONNX backend node tests that give the planner real work: function-expanded
// graphs (many small ops, hence reordering and in-place chains), control flow (values read
// inside if/loop/scan bodies), random ops (their relative order must stay) and the ops with
// in-place rules. Each module must verify, pass the independent checker and give the interpreter's
// results unchanged (bitwise) on the test's first data set.

import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import type { Module } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import type { Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import { INTERP_PROFILE } from '../../passes/pass.js';
import { planMemoryPass } from '../../passes/plan-memory.js';
import { checkMemoryPlan } from './memory-checker.js';

const ROOT = '/work/shared/onnx-backend-tests/node';
const PICK = /(_expanded$|^test_(if|loop|scan|bernoulli|random|dropout|batchnorm|reshape|squeeze|flatten))/;
const TESTS = existsSync(ROOT) ? readdirSync(ROOT).filter((d) => PICK.test(d) && existsSync(`${ROOT}/${d}/model.onnx`)).sort() : [];

function bits(t: Tensor): string {
  if (Array.isArray(t.data)) return JSON.stringify(t.data);
  const d = t.data as ArrayBufferView;
  return `${t.dtype}[${t.shape.join(',')}]:${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex')}`;
}

/** The module and its first data set's inputs, or undefined where the importer or interpreter refuses it. */
function load(dir: string): { m: Module; inputs: Tensor[] | null } | undefined {
  try {
    const m = importOnnxFile(`${dir}/model.onnx`);
    if (verify(m).length > 0) return undefined;
    const data = `${dir}/test_data_set_0`;
    const inputs = existsSync(`${data}/input_0.pb`) || m.main.args.length === 0
      ? m.main.args.map((_, k) => readTensorProtoFile(`${data}/input_${k}.pb`).tensor) : null;
    return { m, inputs };
  } catch (e) {
    if (e instanceof TenthError) return undefined;
    throw e;
  }
}

describe('plan-memory on ONNX node tests', () => {
  it('finds the tests', () => expect(TESTS.length).toBeGreaterThan(300));

  it('plans every importable test validly and keeps its results', () => {
    let planned = 0, moved = 0, inPlace = 0;
    for (const name of TESTS) {
      const loaded = load(`${ROOT}/${name}`);
      if (!loaded) continue;
      const { m, inputs } = loaded;
      let before: string[] | null = null;
      try {
        before = inputs ? interpret(m, inputs).map(bits) : null;
      } catch (e) {
        if (!(e instanceof TenthError)) throw e;
      }
      const { counters } = planMemoryPass.run(m, { target: INTERP_PROFILE }, {
        alignment: 0, bind: '', 'default-dim': 1, order: 'auto', placement: 'auto', 'in-place': true,
      });
      expect(verify(m).map((d) => d.message), name).toEqual([]);
      for (const f of m.funcs) expect(checkMemoryPlan(f).problems, `${name} @${f.name}`).toEqual([]);
      if (before) expect(interpret(m, inputs!).map(bits), name).toEqual(before);
      planned++;
      if (counters['ops-moved']! > 0) moved++;
      inPlace += counters['in-place']!;
    }
    // The selection must exercise what it is for: most tests plan, some reorder, many write in place.
    expect(planned).toBeGreaterThan(300);
    expect(moved).toBeGreaterThan(10);
    expect(inPlace).toBeGreaterThan(100);
  }, 300_000);
});
