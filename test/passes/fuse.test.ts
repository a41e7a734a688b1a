// fuse: countKernels, the rewrite details (locations, outside uses in nested regions, constants),
// and the shared models: kernels after fusion, results bit-identical to the unfused module and
// within ONNX tolerances of the expected outputs on every test data set.

import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Module, Op } from '../../ir/ir.js';
import { walkOps } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { encodeBytes, type Tensor, tensorFrom, toNumbers } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { countKernels, fusePass } from '../../passes/fuse.js';
import { runPipeline } from '../../passes/index.js';
import { INTERP_PROFILE } from '../../passes/pass.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';

const fuse = (m: Module, maxOps = 24) => fusePass.run(m, { target: INTERP_PROFILE }, { 'max-ops': maxOps, 'qkv-projections': true });
const fusedOps = (m: Module): Op[] => [...walkOps(m.main.body)].filter((op) => op.name === 'fused');
const bits = (ts: readonly Tensor[]): string[] => ts.map((t) => Buffer.from(encodeBytes(t)).toString('hex'));

describe('countKernels', () => {
  it('counts ops except consts and terminators; a fused op once; control ops by their bodies', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[2], %c: bool[]) -> (%y: f32[2]) {
    %k = const {value = dense<1> : f32[]} : f32[]
    %a = add(%x, %k) : f32[2]
    %f = fused(%a) {kind = "elementwise", name = "exp-neg"} : f32[2] {
    ^(%a.in: f32[2]):
      %e = exp(%a.in) : f32[2]
      %n = neg(%e) : f32[2]
      yield %n
    }
    %i = if(%c) : f32[2] {
      %t = tanh(%f) : f32[2]
      %u = abs(%t) : f32[2]
      yield %u
    } {
      yield %f
    }
    %y = sigmoid(%i) : f32[2]
    return %y
  }
}
`);
    expect(verify(m)).toEqual([]);
    // add, fused, tanh + abs (then-branch), sigmoid.
    expect(countKernels(m.main)).toBe(5);
  });
});

describe('fuse rewrite details', () => {
  it('gives the fused op the location of its first op, and keeps outer names for results', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[3]) -> (%y: f32[3]) {
    %a = exp(%x) : f32[3] loc("model.onnx":"/first")
    %y = neg(%a) : f32[3] loc("model.onnx":"/second")
    return %y
  }
}
`);
    fuse(m);
    const [f] = fusedOps(m);
    expect(f!.loc).toEqual({ kind: 'node', file: 'model.onnx', node: '/first' });
    expect(f!.results.map((r) => r.name)).toEqual(['y']);
    expect(f!.regions[0]!.ops.map((op) => op.loc)).toEqual([
      { kind: 'node', file: 'model.onnx', node: '/first' },
      { kind: 'node', file: 'model.onnx', node: '/second' },
      { kind: 'node', file: 'model.onnx', node: '/first' },
    ]);
  });

  it("makes a value read inside another op's region a result of the group", () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[3], %c: bool[]) -> (%y: f32[3]) {
    %a = exp(%x) : f32[3]
    %b = neg(%a) : f32[3]
    %i = if(%c) : f32[3] {
      %t = abs(%a) : f32[3]
      yield %t
    } {
      yield %b
    }
    %y = add(%i, %b) : f32[3]
    return %y
  }
}
`);
    const inputs = [tensorFrom('f32', [3], [0.5, -1, 2]), tensorFrom('bool', [], [1])];
    const before = bits(interpret(m, inputs));
    fuse(m);
    expect(verify(m)).toEqual([]);
    const [f] = fusedOps(m);
    expect(f!.results.map((r) => r.name)).toEqual(['a', 'b']);
    expect(bits(interpret(m, inputs))).toEqual(before);
  });

  it('copies small constants into every group that reads them, keeps weights as operands', () => {
    const m = parseModule(`module @m {
  weight @w : f32[2,2] = bytes("0x0000803f000000400000404000008040")
  func @main(%x: f32[2,2], %z: f32[2,2]) -> (%y: f32[2,2], %v: f32[2,2]) {
    %w = const {value = @w} : f32[2,2]
    %six = const {value = dense<6> : f32[]} : f32[]
    %mm = matmul(%x, %w) : f32[2,2]
    %y = min(%mm, %six) : f32[2,2]
    %e = exp(%z) : f32[2,2]
    %v = min(%e, %six) : f32[2,2]
    return %y, %v
  }
}
`);
    fuse(m);
    expect(verify(m)).toEqual([]);
    const top = m.main.body.ops.map((op) => op.name);
    expect(top).toEqual(['const', 'fused', 'fused', 'return']);
    expect(m.main.body.ops[0]!.attrs.get('value')).toEqual({ kind: 'weight', value: 'w' });
    for (const f of fusedOps(m)) expect(f.regions[0]!.ops[0]!.name).toBe('const');
    expect(fusedOps(m)[0]!.operands.map((v) => v!.name)).toEqual(['x', 'w']);
  });

  it('gives a dead group one result (its last value), which dce then removes', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[3]) -> (%y: f32[3]) {
    %a = exp(%x) : f32[3]
    %b = neg(%a) : f32[3]
    %y = abs(%x) : f32[3]
    return %y
  }
}
`);
    fuse(m);
    expect(verify(m)).toEqual([]);
    expect(fusedOps(m).map((f) => f.results.map((r) => r.name))).toEqual([['b']]);
    runPipeline(m, 'dce', { verifyEach: true });
    expect(m.main.body.ops.map((op) => op.name)).toEqual(['abs', 'return']);
  });

  it('places a group after operands defined between its members', () => {
    // %t stands between %a and %b and feeds %b: the fused op must follow it.
    const m = parseModule(`module @m {
  func @main(%x: f32[3], %z: f32[3]) -> (%y: f32[3]) {
    %a = exp(%x) : f32[3]
    %s = shape(%z) : i64[1]
    %t = constant_of_shape(%s) {value = dense<[2]> : f32[1]} : f32[3]
    %b = add(%a, %t) : f32[3]
    %y = neg(%b) : f32[3]
    return %y
  }
}
`);
    const inputs = [tensorFrom('f32', [3], [1, 2, 3]), tensorFrom('f32', [3], [-1, 0, 1])];
    const before = bits(interpret(m, inputs));
    fuse(m);
    expect(verify(m)).toEqual([]);
    expect(m.main.body.ops.map((op) => op.name)).toEqual(['shape', 'constant_of_shape', 'fused', 'return']);
    expect(fusedOps(m)[0]!.attrs.get('name')).toEqual({ kind: 'string', value: 'exp-add-neg' });
    expect(bits(interpret(m, inputs))).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Shared models.

const MODELS = '/work/shared/models';
/** Kernels after `fuse` alone on the imported model (no other passes), and the group kinds. */
const EXPECTED: Record<string, { kernels: number; kinds: Record<string, number> }> = {
  mlp_digits: { kernels: 3, kinds: { contraction: 2 } },
  cnn_digits: { kernels: 5, kinds: { contraction: 3 } },
  mobilenet_v2: { kernels: 54, kinds: { contraction: 46 } },
  tiny_bert: { kernels: 14, kinds: { attention: 2, contraction: 7, elementwise: 1, reduction: 1, shape: 3 } },
};

function close(got: Tensor, want: Tensor): boolean {
  const a = toNumbers(got), b = toNumbers(want);
  return a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) <= 1e-5 + 1e-3 * Math.abs(b[i]!));
}

describe.skipIf(!existsSync(MODELS))('fuse on the shared models', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: ${want.kernels} kernels, results unchanged`, () => {
      const dir = `${MODELS}/${name}`;
      const m = importOnnxFile(`${dir}/model.onnx`);
      const sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
      const load = (set: string, kind: 'input' | 'output', n: number) =>
        Array.from({ length: n }, (_, i) => readTensorProtoFile(`${dir}/${set}/${kind}_${i}.pb`).tensor);
      const before = sets.map((s) => bits(interpret(m, load(s, 'input', m.main.args.length))));
      const r = fuse(m);
      expect(verify(m)).toEqual([]);
      expect(r.counters.kernels).toBe(want.kernels);
      const kinds: Record<string, number> = {};
      for (const f of fusedOps(m)) {
        const k = String(f.attrs.get('kind')!.value);
        kinds[k] = (kinds[k] ?? 0) + 1;
      }
      expect(kinds).toEqual(want.kinds);
      sets.forEach((s, i) => {
        const outs = interpret(m, load(s, 'input', m.main.args.length));
        expect(bits(outs)).toEqual(before[i]);
        load(s, 'output', outs.length).forEach((t, k) => expect(close(outs[k]!, t)).toBe(true));
      });
    });
  }
});
