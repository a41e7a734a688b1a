// select-layout on the shared models, for each layout: the module verifies, the interpreter's
// results on every test data set are bitwise those before the pass and within the run --check
// tolerances (rtol 1e-3, atol 1e-5) of the expected outputs, no transpose is added, and the CNNs
// convert entirely: every conv, pool and norm runs in the target layout, with the model input read
// as NCHW by the first conv and the result written back as NCHW by the op before flatten.

import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { walkOps, type Module } from '../../ir/ir.js';
import { toNumbers, type Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import { INTERP_PROFILE } from '../../passes/pass.js';
import { countTransposes, selectLayoutPass } from '../../passes/select-layout.js';

const ROOT = '/work/shared/models';
const MODELS = readdirSync(ROOT).filter((d) => existsSync(`${ROOT}/${d}/model.onnx`)).sort();
const SPATIAL = ['conv', 'max_pool', 'average_pool', 'global_average_pool', 'batch_normalization'];

function bits(t: Tensor): string {
  const d = t.data as ArrayBufferView;
  return `${t.dtype}[${t.shape.join(',')}]:${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex')}`;
}

function dataSets(dir: string): string[] {
  return readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort().map((d) => `${dir}/${d}`);
}

const inputsOf = (m: Module, set: string): Tensor[] => m.main.args.map((_, k) => readTensorProtoFile(`${set}/input_${k}.pb`).tensor);

/** Layouts of every spatial op, as `name:in->out`. */
function layouts(m: Module): string[] {
  return [...walkOps(m.main.body)].filter((op) => SPATIAL.includes(op.name)).map((op) => {
    const i = op.attrs.get('layout')?.value ?? 'nchw';
    return `${op.name}:${i}->${op.attrs.get('out_layout')?.value ?? i}`;
  });
}

describe('select-layout on the shared models', () => {
  it('finds the models', () => expect(MODELS.length).toBeGreaterThanOrEqual(4));

  for (const name of MODELS) {
    for (const layout of ['nhwc', 'nchw4c'] as const) {
      it(`${name} (${layout}): results unchanged and within tolerance, no transpose added`, () => {
        const dir = `${ROOT}/${name}`;
        const m = importOnnxFile(`${dir}/model.onnx`);
        const sets = dataSets(dir);
        const before = sets.map((s) => interpret(m, inputsOf(m, s)).map(bits));
        const transposes = countTransposes(m);
        const r = selectLayoutPass.run(m, { target: INTERP_PROFILE }, { layout });
        expect(verify(m).map((d) => d.message)).toEqual([]);
        expect(r.counters['transposes-after']).toBeLessThanOrEqual(transposes);
        expect(countTransposes(m)).toBe(r.counters['transposes-after']);
        sets.forEach((s, i) => {
          const outs = interpret(m, inputsOf(m, s));
          expect(outs.map(bits)).toEqual(before[i]);
          outs.forEach((o, k) => {
            const want = toNumbers(readTensorProtoFile(`${s}/output_${k}.pb`).tensor).map(Number);
            const got = toNumbers(o).map(Number);
            const bad = got.findIndex((g, j) => !(Math.abs(g - want[j]!) <= 1e-5 + 1e-3 * Math.abs(want[j]!)));
            expect(bad, `${s} output ${k} element ${bad}`).toBe(-1);
          });
        });
      });
    }
  }

  it('cnn_digits converts entirely (max_pool writes NCHW for flatten)', () => {
    const m = importOnnxFile(`${ROOT}/cnn_digits/model.onnx`);
    const r = selectLayoutPass.run(m, { target: { name: 'test', layout: 'nhwc', alignment: 16 } }, { layout: 'auto' });
    expect(layouts(m)).toEqual([
      'conv:nchw->nhwc', 'batch_normalization:nhwc->nhwc', 'max_pool:nhwc->nhwc',
      'conv:nhwc->nhwc', 'batch_normalization:nhwc->nhwc', 'max_pool:nhwc->nchw',
    ]);
    expect(r.counters).toEqual({ 'transposes-before': 0, 'transposes-after': 0, 'ops-converted': 8, 'weights-rewritten': 2 });
  });

  it('mobilenet_v2 converts entirely (global_average_pool writes NCHW for flatten)', () => {
    const m = importOnnxFile(`${ROOT}/mobilenet_v2/model.onnx`);
    const r = selectLayoutPass.run(m, { target: INTERP_PROFILE }, { layout: 'nchw4c' });
    const l = layouts(m);
    expect(l.length).toBe(53);
    expect(l[0]).toBe('conv:nchw->nchw4c');
    expect(l.slice(1, 52).every((x) => x === 'conv:nchw4c->nchw4c')).toBe(true);
    expect(l[52]).toBe('global_average_pool:nchw4c->nchw');
    expect(r.counters['weights-rewritten']).toBe(52);
    expect(r.counters['transposes-after']).toBe(0);
    // Every packed weight replaced its original: no weight is left unused.
    const used = new Set([...walkOps(m.main.body)].map((op) => op.attrs.get('value')).filter((v) => v?.kind === 'weight').map((v) => v!.value));
    expect([...m.weights.keys()].filter((w) => !used.has(w))).toEqual([]);
  });
});
