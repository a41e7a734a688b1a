import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../ir/attrs.js';
import { Builder } from '../../ir/builder.js';
import { type AttrValue, Func, Module, Op, Region, Value } from '../../ir/ir.js';
import { nodeLoc, textLoc } from '../../ir/location.js';
import { parseModule } from '../../ir/parser.js';
import { formatAttr, formatFloat, formatName, formatTensor, printModule, printOp } from '../../ir/printer.js';
import { roundBF16, roundF16 } from '../../ir/numeric.js';
import { tensorFrom } from '../../ir/tensor.js';
import '../../ir/ops/core.js';

/** A module whose main function holds `op` (results returned). */
function moduleWith(build: (b: Builder, args: Value[]) => Value[], args: Value[] = []): Module {
  const m = new Module('m');
  const body = new Region(args);
  const b = new Builder(body, m);
  const results = build(b, args);
  b.op('return', results, { results: 0 });
  m.funcs.push(new Func('main', body, results.map((v) => v.name)));
  return m;
}

/** Read a float attribute back through the parser. */
function readFloatAttr(text: string): number {
  const m = parseModule(`module @m { func @f() -> () { foo {x = ${text}}\n return } }`);
  const a = m.main.body.ops[0]!.attrs.get('x')!;
  if (a.kind !== 'float') throw new Error(`read back as ${a.kind}`);
  return a.value;
}

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('names', () => {
  it('quotes names that are not plain identifiers', () => {
    expect(formatName('x')).toBe('x');
    expect(formatName('0')).toBe('0');
    expect(formatName('fc1.weight')).toBe('fc1.weight');
    expect(formatName('a$b-c')).toBe('a$b-c');
    expect(formatName('/layer1/Conv_output_0')).toBe('"/layer1/Conv_output_0"');
    expect(formatName('a b')).toBe('"a b"');
    expect(formatName('-x')).toBe('"-x"');
    expect(formatName('')).toBe('""');
    expect(formatName('say "hi"')).toBe('"say \\"hi\\""');
  });

  it('renames distinct values that share a name, never reusing a name of the function', () => {
    const x = new Value('a', { dtype: 'f32', shape: [2] });
    const m = moduleWith((b) => {
      const types = [x.type];
      const a1 = b.op1('relu', [x], { names: ['a'], types });
      const a2 = b.op1('relu', [a1], { names: ['a_1'], types });
      const a3 = b.op1('relu', [a2], { names: ['a'], types });
      return [a3];
    }, [x]);
    expect(printModule(m)).toBe([
      'module @m {',
      '  func @main(%a: f32[2]) -> (%a: f32[2]) {',
      '    %a_2 = relu(%a) : f32[2]',
      '    %a_1 = relu(%a_2) : f32[2]',
      '    %a_3 = relu(%a_1) : f32[2]',
      '    return %a_3',
      '  }',
      '}',
      '',
    ].join('\n'));
  });
});

describe('numbers', () => {
  it('prints float attributes so that they read back as the same double', () => {
    fc.assert(fc.property(fc.double(), (x) => same(readFloatAttr(formatFloat(x)), x)), { numRuns: 300 });
  });

  it('marks floats so they never read as ints', () => {
    expect(formatFloat(1)).toBe('1.0');
    expect(formatFloat(-0)).toBe('-0.0');
    expect(formatFloat(NaN)).toBe('nan');
    expect(formatFloat(-Infinity)).toBe('-inf');
    expect(formatFloat(1e21)).toBe('1e+21');
    expect(formatFloat(0.1)).toBe('0.1');
    expect(formatAttr(attr.int(2 ** 63))).toBe('9223372036854775808');
    expect(formatAttr(attr.ints([]))).toBe('[] : ints');
    expect(formatAttr(attr.strings([]))).toBe('[] : strings');
  });

  it('prints f32 elements as the shortest decimal that rounds back to them', () => {
    expect(formatTensor(tensorFrom('f32', [3], [0.1, 1 / 3, 16777217]))).toBe('dense<[0.1, 0.33333334, 16777216]> : f32[3]');
    fc.assert(fc.property(fc.float(), fc.float(), (x, y) => {
      const text = formatTensor(tensorFrom('f32', [2], [x, y]));
      const m = parseModule(`module @m { func @f() -> () { foo {t = ${text}}\n return } }`);
      const t = m.main.body.ops[0]!.attrs.get('t')! as Extract<AttrValue, { kind: 'tensor' }>;
      return same(t.value.data[0] as number, x) && same(t.value.data[1] as number, y);
    }), { numRuns: 300 });
  });

  it('prints reduced-precision elements by the value their dtype holds', () => {
    expect(formatTensor(tensorFrom('f16', [2], [0.1, 65504]))).toBe('dense<[0.1, 65504]> : f16[2]');
    expect(roundF16(0.1)).toBe(0.0999755859375);
    expect(roundBF16(0.334)).toBe(roundBF16(1 / 3));
    expect(roundBF16(0.333)).not.toBe(roundBF16(1 / 3));
    expect(formatTensor(tensorFrom('bf16', [2], [roundBF16(1 / 3), -2]))).toBe('dense<[0.334, -2]> : bf16[2]');
    expect(formatTensor(tensorFrom('f8e4m3fn', [2], [448, -0]))).toBe('dense<[448, -0]> : f8e4m3fn[2]');
  });

  it('prints integers exactly, 64-bit ones included', () => {
    expect(formatTensor(tensorFrom('i64', [2], [-(2n ** 63n), 2n ** 63n - 1n]))).toBe('dense<[-9223372036854775808, 9223372036854775807]> : i64[2]');
    expect(formatTensor(tensorFrom('u64', [], [2n ** 64n - 1n]))).toBe('dense<18446744073709551615> : u64[]');
    expect(formatTensor(tensorFrom('i4', [3], [-8, 7, 0]))).toBe('dense<[-8, 7, 0]> : i4[3]');
    expect(formatTensor(tensorFrom('bool', [2], [1, 0]))).toBe('dense<[true, false]> : bool[2]');
  });
});

describe('tensors', () => {
  it('prints splats once and large tensors as little-endian hex', () => {
    expect(formatTensor(tensorFrom('f32', [2, 3], new Array(6).fill(0)))).toBe('dense<0> : f32[2,3]');
    expect(formatTensor(tensorFrom('f32', [1, 1], [NaN]))).toBe('dense<[nan]> : f32[1,1]');
    const big = tensorFrom('u16', [17], [...Array(17).keys()].map((i) => i * 257));
    const hex = [...Array(17).keys()].map((i) => (i * 257).toString(16).padStart(4, '0')).map((h) => h.slice(2) + h.slice(0, 2)).join('');
    expect(formatTensor(big)).toBe(`dense<"0x${hex}"> : u16[17]`);
    expect(formatTensor(tensorFrom('f32', [0, 4], []))).toBe('dense<[]> : f32[0,4]');
  });

  it('escapes strings as JSON', () => {
    expect(formatTensor(tensorFrom('string', [2], ['a"b', 'c\n']))).toBe('dense<["a\\"b", "c\\n"]> : string[2]');
    expect(formatAttr(attr.string('\u0001\\'))).toBe('"\\u0001\\\\"');
  });
});

describe('ops', () => {
  it('prints attributes sorted, omitted operands, result types, node locations only', () => {
    const x = new Value('x', { dtype: 'f32', shape: ['batch', 4] });
    const op = new Op('gemm', [x, x, null], [new Value('y', { dtype: 'f32', shape: ['batch', 4] })],
      new Map<string, AttrValue>([['transB', attr.int(1)], ['alpha', attr.float(1)], ['name', attr.string('g')]]), [], nodeLoc('model.onnx', '/fc/Gemm'));
    expect(printOp(op)).toBe('%y = gemm(%x, %x, none) {alpha = 1.0, name = "g", transB = 1} : f32[batch,4] loc("model.onnx":"/fc/Gemm")');
    op.loc = textLoc('a.ir', 3, 5);
    expect(printOp(op)).toBe('%y = gemm(%x, %x, none) {alpha = 1.0, name = "g", transB = 1} : f32[batch,4]');
    const split = new Op('split', [x], [new Value('a', { dtype: 'f32', shape: [1, 4] }), new Value('"b"', { dtype: 'f32', shape: [] })], new Map(), [], textLoc('a.ir', 1, 1));
    expect(printOp(split)).toBe('%a, %"\\"b\\"" = split(%x) : (f32[1,4], f32[])');
  });

  it('prints regions with block arguments and terminators in short form only at the end', () => {
    const c = new Value('c', { dtype: 'bool', shape: [] });
    const arg = new Value('i', { dtype: 'i64', shape: [] });
    const inner = new Region([arg], [
      new Op('yield', [], [], new Map(), [], textLoc('a', 1, 1)),
      new Op('yield', [arg], [], new Map(), [], textLoc('a', 1, 1)),
    ]);
    const empty = new Region([], []);
    const op = new Op('my.loop', [c], [], new Map(), [inner, empty], textLoc('a', 1, 1));
    expect(printOp(op)).toBe(['my.loop(%c) {', '^(%i: i64[]):', '  yield()', '  yield %i', '} {', '}'].join('\n'));
  });

  it('prints the module header with sorted meta and weights of both sources', () => {
    const m = new Module('/model');
    m.meta.set('producer', 'pytorch');
    m.meta.set('opset', '13');
    m.meta.set('a key', 'v"');
    m.weights.set('w', { name: 'w', type: { dtype: 'f32', shape: [1] }, source: { kind: 'inline', bytes: new Uint8Array([0, 0, 0x80, 0x3f]) } });
    m.weights.set('/x', { name: '/x', type: { dtype: 'i8', shape: [4] }, source: { kind: 'file', path: 'm.onnx', offset: 10, length: 4 } });
    expect(printModule(m)).toBe([
      'module @"/model" attributes {"a key" = "v\\"", opset = "13", producer = "pytorch"} {',
      '  weight @w : f32[1] = bytes("0x0000803f")',
      '  weight @"/x" : i8[4] = file("m.onnx", offset = 10, length = 4)',
      '}',
      '',
    ].join('\n'));
  });
});
