// Bad input gives the documented diagnostic codes, never an internal error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { tensorFrom } from '../../ir/tensor.js';
import { importOnnxBytes, importOnnxFile } from '../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../src/onnx/writer.js';

const opts = { file: 'm.onnx', baseDir: '/nonexistent' };

/** The TenthError thrown by f (fails the test if f succeeds or throws anything else). */
function tenthError(f: () => unknown): TenthError {
  try {
    f();
  } catch (e) {
    if (e instanceof TenthError) return e;
    throw e;
  }
  throw new Error('expected a TenthError');
}

const addModel = (nodes: ModelSpec['nodes'], extra: Partial<ModelSpec> = {}): Uint8Array => buildModel({
  inputs: [{ name: 'x', dtype: 'f32', shape: [2] }],
  outputs: [{ name: 'y', dtype: 'f32', shape: [2] }],
  nodes,
  ...extra,
});

describe('malformed files', () => {
  it('reports random bytes as E103 naming the file', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
      try {
        importOnnxBytes(bytes, opts);
      } catch (e) {
        if (!(e instanceof TenthError)) throw e;
        // Random bytes can decode as a valid but empty/odd message; any TenthError is acceptable.
        return;
      }
    }));
    const e = tenthError(() => importOnnxBytes(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), opts));
    expect(e.code).toBe('E103');
    expect(e.message).toContain('m.onnx');
  });

  it('reports corrupted models (random byte changes) as diagnostics, never internal errors', () => {
    const branch = (op: string) => ({ inputs: [], outputs: [{ name: `r_${op}` }], nodes: [{ opType: op, inputs: ['x', 'w'], outputs: [`r_${op}`] }] });
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'f32', shape: ['n', 2] }, { name: 'c', dtype: 'bool', shape: [] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: ['n', 2] }],
      initializers: [{ name: 'w', tensor: tensorFrom('f32', [2], [1, 2]) }],
      nodes: [
        { opType: 'If', name: 'choose', inputs: ['c'], outputs: ['t'], attrs: { then_branch: branch('Add'), else_branch: branch('Mul') } },
        { opType: 'Relu', inputs: ['t'], outputs: ['y'] },
      ],
    });
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(model.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
      const b = model.slice();
      for (const [at, v] of edits) b[at] = v;
      try {
        importOnnxBytes(b, opts);
      } catch (e) {
        if (!(e instanceof TenthError)) throw e;
      }
    }), { numRuns: 400 });
  });

  it('reports a truncated model as E103', () => {
    const bytes = addModel([{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }]);
    for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 3]) {
      expect(tenthError(() => importOnnxBytes(bytes.subarray(0, cut), opts)).code).toBe('E103');
    }
  });

  it('reports a missing file as E101', () => {
    expect(tenthError(() => importOnnxFile('/nonexistent/model.onnx')).code).toBe('E101');
  });
});

describe('invalid graphs', () => {
  it('reports an input that is never defined as E202 naming node and input', () => {
    const e = tenthError(() => importOnnxBytes(addModel([{ opType: 'Add', name: 'adder', inputs: ['x', 'ghost'], outputs: ['y'] }]), opts));
    expect(e.code).toBe('E202');
    expect(e.message).toContain('adder');
    expect(e.message).toContain('ghost');
  });

  it('reports a graph output that is never defined as E202', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'f32', shape: [2] }], outputs: [{ name: 'nowhere', dtype: 'f32', shape: [2] }], nodes: [],
    });
    expect(tenthError(() => importOnnxBytes(bytes, opts)).code).toBe('E202');
  });

  it('reports a cycle as E203 naming its nodes', () => {
    const e = tenthError(() => importOnnxBytes(addModel([
      { opType: 'Add', name: 'first', inputs: ['x', 'b'], outputs: ['a'] },
      { opType: 'Add', name: 'second', inputs: ['a', 'x'], outputs: ['b'] },
      { opType: 'Add', name: 'out', inputs: ['a', 'b'], outputs: ['y'] },
    ]), opts));
    expect(e.code).toBe('E203');
    expect(e.message).toContain('first');
    expect(e.message).toContain('second');
  });

  it('sorts nodes listed out of topological order', () => {
    const m = importOnnxBytes(addModel([
      { opType: 'Add', name: 'last', inputs: ['a', 'x'], outputs: ['y'] },
      { opType: 'Add', name: 'first', inputs: ['x', 'x'], outputs: ['a'] },
    ]), opts);
    expect(m.main.body.ops.map((o) => o.results[0]?.name)).toEqual(['a', 'y', undefined]);
  });

  it('reports negative and absurd dims as E205', () => {
    for (const d of [-3, 2 ** 40]) {
      const bytes = buildModel({ inputs: [{ name: 'x', dtype: 'f32', shape: [d] }], outputs: [{ name: 'x', dtype: 'f32', shape: [2] }], nodes: [] });
      expect(tenthError(() => importOnnxBytes(bytes, opts)).code).toBe('E205');
    }
  });

  it('reports a shape-rule failure as E208 at the node', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'f32', shape: [2] }, { name: 'z', dtype: 'f32', shape: [3] }],
      outputs: [{ name: 'y' }],
      nodes: [{ opType: 'Add', name: 'bad_add', inputs: ['x', 'z'], outputs: ['y'] }],
    });
    const e = tenthError(() => importOnnxBytes(bytes, opts));
    expect(e.code).toBe('E208');
    expect(e.diagnostics[0]!.loc).toEqual({ kind: 'node', file: 'm.onnx', node: 'bad_add' });
  });

  it('reports every unsupported operator at once, one diagnostic per op type listing its nodes', () => {
    const e = tenthError(() => importOnnxBytes(addModel([
      { opType: 'FrobnicateA', name: 'f1', inputs: ['x'], outputs: ['a'] },
      { opType: 'FrobnicateB', name: 'g1', inputs: ['a'], outputs: ['b'] },
      { opType: 'FrobnicateA', name: 'f2', inputs: ['b'], outputs: ['c'] },
      { opType: 'Thing', domain: 'com.example', name: 'h', inputs: ['c'], outputs: ['y'] },
    ], { opsets: { 'com.example': 1 } }), opts));
    expect(e.diagnostics.map((d) => d.code)).toEqual(['E201', 'E201', 'E201']);
    const byOp = e.diagnostics.map((d) => `${d.message} ${d.notes.join(' ')}`);
    expect(byOp.find((s) => s.includes('FrobnicateA'))).toMatch(/"f1", "f2"/);
    expect(byOp.find((s) => s.includes('FrobnicateB'))).toContain('"g1"');
    expect(byOp.find((s) => s.includes('com.example:Thing'))).toContain('"h"');
  });

  it('reports a node too new for the model opset as unsupported', () => {
    // Gelu exists since opset 20; an opset 13 model cannot use it.
    const bytes = addModel([{ opType: 'Gelu', name: 'g', inputs: ['x'], outputs: ['y'] }], { opset: 13 });
    const e = tenthError(() => importOnnxBytes(bytes, opts));
    expect(e.code).toBe('E201');
    expect(e.message).toContain('opset 13');
  });

  it('accepts opset imports of domains no node uses', () => {
    const m = importOnnxBytes(addModel([{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }], { opsets: { 'ai.onnx.ml': 3, 'com.example': 1 } }), opts);
    expect(m.main.resultNames).toEqual(['y']);
  });

  it('reports string inputs, and string initializers only when used, as E109', () => {
    const strs = tensorFrom('string', [2], ['a', 'b']);
    const input = addModel([{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }], { inputs: [{ name: 'x', dtype: 'string', shape: [2] }] });
    expect(tenthError(() => importOnnxBytes(input, opts)).code).toBe('E109');
    const unused = addModel([{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }], { initializers: [{ name: 's', tensor: strs }] });
    expect(importOnnxBytes(unused, opts).main.resultNames).toEqual(['y']);
    const used = addModel([{ opType: 'Add', inputs: ['x', 's'], outputs: ['y'] }], { initializers: [{ name: 's', tensor: strs }] });
    expect(tenthError(() => importOnnxBytes(used, opts)).code).toBe('E109');
  });
});

describe('external data', () => {
  const weights = tensorFrom('f32', [4, 5], Array.from({ length: 20 }, (_, i) => i * 0.5 - 3));
  const raw = new Uint8Array((weights.data as Float32Array).buffer);

  const modelWith = (location: string, offset?: number, length?: number): Uint8Array => buildModel({
    inputs: [],
    outputs: [{ name: 'w', dtype: 'f32', shape: [4, 5] }],
    initializers: [{ name: 'w', tensor: weights, external: { location, offset, length } }],
    nodes: [],
  });

  it('reads weights from a file beside the model, at an offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-ext-'));
    const blob = new Uint8Array(16 + raw.length);
    blob.set(raw, 16);
    writeFileSync(join(dir, 'w.bin'), blob);
    writeFileSync(join(dir, 'model.onnx'), modelWith('w.bin', 16, raw.length));
    const m = importOnnxFile(join(dir, 'model.onnx'));
    const w = m.weights.get('w')!;
    expect(w.source).toEqual({ kind: 'file', path: 'w.bin', offset: 16, length: raw.length });
    expect([...new Float32Array(m.store!.bytes(w).slice().buffer)]).toEqual([...weights.data as Float32Array]);
  });

  it('refuses absolute paths and paths escaping the model folder (E106)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-ext-'));
    writeFileSync(join(dir, 'w.bin'), raw);
    for (const loc of [join(dir, 'w.bin'), '../w.bin', 'sub/../../w.bin']) {
      writeFileSync(join(dir, 'model.onnx'), modelWith(loc));
      expect(tenthError(() => importOnnxFile(join(dir, 'model.onnx'))).code).toBe('E106');
    }
  });

  it('reports a missing data file as E101 and an out-of-range slice as E107', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-ext-'));
    writeFileSync(join(dir, 'model.onnx'), modelWith('absent.bin'));
    expect(tenthError(() => importOnnxFile(join(dir, 'model.onnx'))).code).toBe('E101');
    writeFileSync(join(dir, 'w.bin'), raw);
    writeFileSync(join(dir, 'model.onnx'), modelWith('w.bin', 8, raw.length));
    expect(tenthError(() => importOnnxFile(join(dir, 'model.onnx'))).code).toBe('E107');
    writeFileSync(join(dir, 'model.onnx'), modelWith('w.bin', 0, 12));
    expect(tenthError(() => importOnnxFile(join(dir, 'model.onnx'))).code).toBe('E107');
  });
});
