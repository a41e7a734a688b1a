// Every model of the shared corpus imports with the argument/result types its MANIFEST lists, and
// (where test data exists) runs through the interpreter to PyTorch's outputs within ONNX tolerances.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { toNumbers } from '../../ir/tensor.js';
import { formatType } from '../../ir/types.js';
import { verify } from '../../ir/verify.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';

const ROOT = '/work/shared/models';

const EXPECTED: Record<string, { args: string[]; results: [string, string][] }> = {
  mlp_digits: { args: ['input: f32[batch,64]'], results: [['logits', 'f32[batch,10]']] },
  cnn_digits: { args: ['input: f32[batch,1,8,8]'], results: [['logits', 'f32[batch,10]']] },
  mobilenet_v2: { args: ['input: f32[1,3,224,224]'], results: [['logits', 'f32[1,1000]']] },
  tiny_bert: {
    args: ['input_ids: i64[batch,seq]', 'attention_mask: i64[batch,seq]', 'token_type_ids: i64[batch,seq]'],
    results: [['last_hidden_state', 'f32[batch,seq,128]'], ['pooler_output', 'f32[batch,128]']],
  },
};

describe('shared model corpus', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`imports ${name} with the declared signature and matches the reference outputs`, () => {
      const dir = `${ROOT}/${name}`;
      const m = importOnnxFile(`${dir}/model.onnx`);
      expect(verify(m)).toEqual([]);
      expect(m.main.args.map((a) => `${a.name}: ${formatType(a.type)}`)).toEqual(want.args);
      expect(m.main.resultNames).toEqual(want.results.map((r) => r[0]));
      expect(m.main.resultTypes.map(formatType)).toEqual(want.results.map((r) => r[1]));
      for (let s = 0; existsSync(`${dir}/test_data_set_${s}`); s++) {
        const inputs = m.main.args.map((_, k) => readTensorProtoFile(`${dir}/test_data_set_${s}/input_${k}.pb`).tensor);
        const outputs = interpret(m, inputs);
        outputs.forEach((o, k) => {
          const ref = readTensorProtoFile(`${dir}/test_data_set_${s}/output_${k}.pb`).tensor;
          expect(o.shape).toEqual(ref.shape);
          const a = toNumbers(o), b = toNumbers(ref);
          let bad = 0;
          for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= 1e-4 + 1e-3 * Math.abs(b[i]!))) bad++;
          expect(bad, `${name} set ${s} output ${k}`).toBe(0);
        });
      }
    });
  }

  it('keeps raw_data initializers in the model file (no copy) and reads them lazily', () => {
    const m = importOnnxFile(`${ROOT}/mlp_digits/model.onnx`);
    const w = m.weights.get('fc1.weight')!;
    expect(w.type).toEqual({ dtype: 'f32', shape: [128, 64] });
    expect(w.source.kind).toBe('file');
    if (w.source.kind === 'file') {
      expect(w.source.path).toBe('model.onnx');
      expect(w.source.length).toBe(128 * 64 * 4);
    }
    expect(m.store!.bytes(w).length).toBe(128 * 64 * 4);
  });
});
