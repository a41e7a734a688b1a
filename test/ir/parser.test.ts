import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attr } from '../../ir/attrs.js';
import { Builder } from '../../ir/builder.js';
import { TenthError } from '../../ir/diagnostics.js';
import { Func, Module, Region } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import { parseModule, parseModuleFile, parseType } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';

const here = dirname(fileURLToPath(import.meta.url));
const TEXT = join(here, 'text');

function parseError(text: string): TenthError {
  try {
    parseModule(text, { file: 't.ir' });
  } catch (e) {
    if (e instanceof TenthError) return e;
    throw e;
  }
  throw new Error('expected a parse error');
}

describe('golden .ir files', () => {
  // Each golden file is canonical text: printing what it parses to gives the file back, less its
  // full-line comments.
  const files = readdirSync(TEXT).filter((f) => f.endsWith('.ir') && f !== 'invalid.ir');
  it.each(files)('%s prints back exactly', (f) => {
    const text = readFileSync(join(TEXT, f), 'utf8');
    const want = text.split('\n').filter((l) => !l.startsWith('//')).join('\n');
    expect(printModule(parseModule(text, { file: f, baseDir: TEXT }))).toBe(want);
  });

  it('mlp.ir verifies and computes relu(x @ W1 + b1) @ W2 with W1 read from its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-ir-'));
    // 16 bytes of other data, then W1 = [[1, 2, 3], [4, 5, 6]].
    const w1 = new Float32Array([9, 9, 9, 9, 1, 2, 3, 4, 5, 6]);
    writeFileSync(join(dir, 'mlp.bin'), new Uint8Array(w1.buffer));
    const m = parseModule(readFileSync(join(TEXT, 'mlp.ir'), 'utf8'), { file: 'mlp.ir', baseDir: dir });
    expect(verify(m)).toEqual([]);
    const [y] = interpret(m, [tensorFrom('f32', [2, 2], [1, 1, 2, -1])]);
    // Row 1: [1,1]@W1 = [5,7,9], + b1 = [6,7,8], relu, @W2 = [6+8, 7-8]. Row 2: [-2,-1,0]+b1 <= 0 -> 0.
    expect(y!.shape).toEqual([2, 2]);
    expect(toNumbers(y!)).toEqual([14, -1, 0, 0]);
  });

  it('reads file weights lazily: a missing file fails only when the weight is used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-ir-'));
    const m = parseModule(readFileSync(join(TEXT, 'mlp.ir'), 'utf8'), { file: 'mlp.ir', baseDir: dir });
    expect(m.weights.size).toBe(3);
    expect(() => interpret(m, [tensorFrom('f32', [1, 2], [1, 1])])).toThrow(/E101/);
    writeFileSync(join(dir, 'mlp.bin'), new Uint8Array(20));
    const again = parseModule(readFileSync(join(TEXT, 'mlp.ir'), 'utf8'), { file: 'mlp.ir', baseDir: dir });
    expect(() => interpret(again, [tensorFrom('f32', [1, 2], [1, 1])])).toThrow(/E107/);
  });

  it('control.ir verifies and runs its if/loop regions', () => {
    const m = parseModuleFile(join(TEXT, 'control.ir'));
    expect(verify(m)).toEqual([]);
    const out = interpret(m, [tensorFrom('f32', [4], [1, 2, -3, 0.25]), tensorFrom('bool', [], [1])]);
    // c = clip(x, 0.5) = [1, 2, 0.5, 0.5]; r = -c; s = x + 3c (three trips).
    expect(out.map(toNumbers)).toEqual([[1, 2], [-3, 0.25], [-1, -2, -0.5, -0.5], [4, 8, -1.5, 1.75]]);
    const other = interpret(m, [tensorFrom('f32', [4], [1, 2, -3, 0.25]), tensorFrom('bool', [], [0])]);
    expect(toNumbers(other[2]!)).toEqual([1, 2, -3, 0.25]);
  });

  it('attributes.ir reads every literal exactly', () => {
    const m = parseModuleFile(join(TEXT, 'attributes.ir'));
    const a = m.main.body.ops[0]!.attrs;
    const tensor = (k: string) => { const v = a.get(k)!; if (v.kind !== 'tensor') throw new Error(k); return v.value; };
    expect(toNumbers(tensor('big'))).toEqual([...Array(17).keys()]);
    expect([...(tensor('i64').data as BigInt64Array)]).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
    expect([...(tensor('u').data as BigUint64Array)]).toEqual([0n, 2n ** 64n - 1n]);
    const t = toNumbers(tensor('t'));
    expect(t[0]).toBe(Math.fround(0.1));
    expect(Object.is(t[1], -0)).toBe(true);
    expect(t[2]).toBeNaN();
    expect(t[3]).toBe(3.4028234663852886e38);
    expect(toNumbers(tensor('h'))).toEqual([0.0999755859375, 65504]);
    expect(tensor('splat').data.length).toBe(4);
    expect([...tensor('splat').data].every((x) => Object.is(x, -0))).toBe(true);
    expect(tensor('str').data).toEqual(['a', 'b\n']);
    expect(tensor('empty').shape).toEqual([0, 3]);
    expect(a.get('s')).toEqual({ kind: 'string', value: 'tab\there "quoted" \u0000' });
    expect(a.get('fs')!.value).toEqual([1, -0, NaN, Infinity, -Infinity, 1e21]);
    expect(a.get('is')).toEqual({ kind: 'ints', value: [1, 2, 2 ** 63] });
    expect(a.get('e')).toEqual({ kind: 'floats', value: [] });
    expect(a.get('dt')).toEqual({ kind: 'dtype', value: 'f16' });
    expect(a.get('ref')).toEqual({ kind: 'weight', value: 'w' });
    expect([...m.store!.bytes(m.weights.get('w')!)]).toEqual([0x7f, 0x80]);
  });
});

describe('invalid text', () => {
  const cases = readFileSync(join(TEXT, 'invalid.ir'), 'utf8').split('// -----\n');
  // The file's own header comment sits above the first case.
  cases[0] = cases[0]!.slice(cases[0]!.indexOf('// expect'));
  it.each(cases.map((c) => [c.split('\n')[0]!.slice(3), c]))('%s', (_name, text) => {
    const [, code, line, col, fragment] = /^\/\/ expect (E\d+) (\d+):(\d+) (.*)$/.exec(text.split('\n')[0]!)!;
    const e = parseError(text);
    expect(e.code).toBe(code);
    expect(e.diagnostics[0]!.loc).toEqual({ kind: 'text', file: 't.ir', line: Number(line), col: Number(col) });
    expect(e.diagnostics[0]!.message).toContain(fragment);
  });

  it('reports what the grammar expected', () => {
    const e = parseError('module @m {\n  func @f() -> () {\n    %a = \n  }\n}\n');
    expect(e.code).toBe('E401');
    expect(e.message).toMatch(/^t\.ir:4:3: error E401: expected .*an op name/);
  });
});

describe('parser details', () => {
  it('gives parsed ops the location of their text unless loc(...) names an ONNX node', () => {
    const m = parseModule('module @m {\n  func @f(%x: f32[]) -> (%y: f32[]) {\n    %y = relu(%x) : f32[] loc("a.onnx":"/r")\n    %z = neg(%x) : f32[]\n    return %y\n  }\n}\n', { file: 'f.ir' });
    const [relu, neg, ret] = m.main.body.ops;
    expect(relu!.loc).toEqual({ kind: 'node', file: 'a.onnx', node: '/r' });
    expect(neg!.loc).toEqual({ kind: 'text', file: 'f.ir', line: 4, col: 5 });
    expect(ret!.loc).toEqual({ kind: 'text', file: 'f.ir', line: 5, col: 5 });
  });

  it('links operands to their defining values across nested regions', () => {
    const m = parseModuleFile(join(TEXT, 'control.ir'));
    const ops = m.main.body.ops;
    const clip = ops.find((o) => o.name === 'clip')!;
    const loop = ops.find((o) => o.name === 'loop')!;
    const add = loop.regions[0]!.ops[0]!;
    expect(add.operands[0]).toBe(loop.regions[0]!.args[2]);
    expect(add.operands[1]).toBe(clip.results[0]);
    expect(clip.operands[2]).toBeNull();
    expect(m.main.resultNames).toEqual(['a', 'b', 'r', 's']);
  });

  it('accepts comments, free spacing and the generic terminator form', () => {
    const m = parseModule('module @m { // c\n func @f(%x: f32[2]) -> (%x: f32[2]) { return(%x) } }');
    expect(printModule(m)).toBe('module @m {\n  func @f(%x: f32[2]) -> (%x: f32[2]) {\n    return %x\n  }\n}\n');
  });

  it('parses types', () => {
    expect(parseType('f32[batch,3,224,224]')).toEqual({ dtype: 'f32', shape: ['batch', 3, 224, 224] });
    expect(parseType('i64[]')).toEqual({ dtype: 'i64', shape: [] });
    expect(parseType('bf16[*]')).toEqual({ dtype: 'bf16', shape: null });
    expect(parseType('u8[?,"a b"]')).toEqual({ dtype: 'u8', shape: ['?', 'a b'] });
    expect(() => parseType('f32[2')).toThrow(/E401/);
  });

  it('keeps line:col exact around long literals (which are cut out before matching)', () => {
    const hex = `0x${'00'.repeat(300)}`;
    const line = `    %c = const {value = dense<"${hex}"> : f32[75]} : f32[75] // a "quote\n    %d = relu(%ghost) : f32[75]`;
    const text = `module @m {\n  func @f() -> () {\n${line}\n    return\n  }\n}\n`;
    let e = parseError(text);
    expect(e.code).toBe('E402');
    expect(e.diagnostics[0]!.loc).toMatchObject({ line: 4, col: 15 });
    e = parseError(text.replace(': f32[75] //', ': f32[7x5] //'));
    expect(e.code).toBe('E401');
    expect(e.diagnostics[0]!.loc).toMatchObject({ line: 3, col: line.indexOf('75] //') + 2 });
    e = parseError(text.replace(`${hex}"> : f32[75]}`, `${hex}"> : f32[75]} %x`));
    // `%x` starts a new op, which then lacks its `=`: the error is at the `:` after it.
    expect(e.message).toMatch(/expected "=" or ","/);
    expect(e.diagnostics[0]!.loc).toMatchObject({ line: 3, col: line.indexOf('} :') + 6 });
    e = parseError(text.replace(hex, `${hex}zz`));
    expect(e.message).toMatch(/expected hex bytes/);
    expect(e.diagnostics[0]!.loc).toMatchObject({ line: 3, col: line.indexOf('"0x') + 1 });
  });

  it('parses a large inline tensor quickly and exactly', () => {
    const t = tensorFrom('f32', [100000], Array.from({ length: 100000 }, (_, i) => Math.sin(i) * 1e3));
    const m = new Module('big');
    const body = new Region([]);
    const b = new Builder(body, m);
    b.op('return', [b.op1('const', [], { attrs: { value: attr.tensor(t) } })], { results: 0 });
    m.funcs.push(new Func('main', body, ['c']));
    const text = printModule(m);
    const start = performance.now();
    const parsed = parseModule(text);
    expect(performance.now() - start).toBeLessThan(2000);
    const v = parsed.main.body.ops[0]!.attrs.get('value')!;
    expect(v.kind === 'tensor' && Buffer.from((v.value.data as Float32Array).buffer).equals(Buffer.from((t.data as Float32Array).buffer))).toBe(true);
  });

  it('reports a missing file as E101', () => {
    expect(() => parseModuleFile(join(TEXT, 'no-such-file.ir'))).toThrow(/E101/);
  });
});
