// The shaders of every dtype path (storage.ts: casts from and to each dtype, packed weight loads,
// quantisation, bit and integer kernels) pass both validators: naga (Deno, wgpu on lavapipe,
// through naga-validate.js as naga.test.ts runs it) and Dawn/Tint on the null backend. None of
// them needs shader-f16: reduced-precision floats compute in f32 and load through unpack2x16float.

import { beforeAll, describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { validateShaders } from './helpers.js';
import { type NagaReport, nagaValidate } from './naga-run.js';

const DTS = ['f32', 'f64', 'f16', 'bf16', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'bool', 'i4', 'u4', 'i2', 'u2', 'f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz', 'f4e2m1', 'f8e8m0'];

/** Casts from each dtype to every dtype (one dispatch each), and constants of each dtype read from the weights. */
function castModule(from: string): string {
  const outs = DTS.map((to, j) => [`%y${j}`, to] as const);
  return [
    'module @m {',
    `  func @main(%x: ${from}[5]) -> (${outs.map(([n, t]) => `${n}: ${t}[5]`).join(', ')}, %w: f32[5]) {`,
    `    %c = const {value = dense<[1, 0, 1, 1, 0]> : ${from}[5]} : ${from}[5]`,
    `    %cw = cast(%c) {to = f32} : f32[5]`,
    `    %xw = cast(%x) {to = f32} : f32[5]`,
    `    %w = add(%cw, %xw) : f32[5]`,
    ...outs.map(([n, t], j) => `    ${n} = cast(%x) {to = ${t}, saturate = ${j % 2}} : ${t}[5]`),
    `    return ${outs.map(([n]) => n).join(', ')}, %w`,
    '  }',
    '}',
  ].join('\n');
}

const OPS = `module @m {
  func @main(%x: f16[2,6], %a: u8[2,6], %b: i16[2,6], %m: i8[2,3], %k: u8[3,4], %v: u8[1,2,5,5], %f: f32[2,6]) -> (%q: i4[2,6], %d: f32[2,6], %s: u8[2,6], %n: i16[2,6], %p: i32[2,4], %e: f8e4m3fn[2,6], %dq: u8[2,6], %ds: f32[], %dz: u8[], %cv: i32[1,1,3,3], %r: f16[2,6], %bc: u32[2,6], %e8: f8e8m0[2,6], %e9: f8e8m0[2,6], %ql: i8[2,4], %qc: u8[1,1,3,3]) {
    %sc = const {value = dense<[0.5, 0.25]> : f16[2]} : f16[2]
    %q = quantize_linear(%x, %sc) {axis = 0, output_dtype = i4} : i4[2,6]
    %zq = const {value = dense<[1, -2]> : i4[2]} : i4[2]
    %d = dequantize_linear(%q, %sc, %zq) {axis = 0, output_dtype = f32} : f32[2,6]
    %s = bit_shift(%a, %a) {direction = "LEFT"} : u8[2,6]
    %nb = bitwise_not(%b) : i16[2,6]
    %n = bitwise_or(%nb, %b) : i16[2,6]
    %p = matmul_integer(%m, %k) : i32[2,4]
    %f8s = const {value = dense<2.0> : f32[]} : f32[]
    %f8z = const {value = dense<0.0> : f8e4m3fn[]} : f8e4m3fn[]
    %e = quantize_linear(%f, %f8s, %f8z) {saturate = 0} : f8e4m3fn[2,6]
    %dq, %ds, %dz = dynamic_quantize_linear(%f) : (u8[2,6], f32[], u8[])
    %w = const {value = dense<[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]> : u8[1,2,3,3]} : u8[1,2,3,3]
    %cv = conv_integer(%v, %w) : i32[1,1,3,3]
    %r = sigmoid(%x) : f16[2,6]
    %bc = bit_cast(%f) {to = u32} : u32[2,6]
    %e8 = cast(%f) {to = f8e8m0, saturate = 0, round_mode = "nearest"} : f8e8m0[2,6]
    %e9 = cast(%f) {to = f8e8m0, round_mode = "down"} : f8e8m0[2,6]
    %qs = const {value = dense<0.05> : f32[]} : f32[]
    %qz = const {value = dense<3> : i8[]} : i8[]
    %kz = const {value = dense<7> : u8[]} : u8[]
    %ql = qlinear_matmul(%m, %qs, %qz, %k, %qs, %kz, %qs, %qz) : i8[2,4]
    %qc = qlinear_conv(%v, %qs, %kz, %w, %qs, %kz, %qs, %kz) : u8[1,1,3,3]
    return %q, %d, %s, %n, %p, %e, %dq, %ds, %dz, %cv, %r, %bc, %e8, %e9, %ql, %qc
  }
}`;

const compiled: [string, CompiledWebGpu][] = [];
let report: NagaReport;

beforeAll(async () => {
  for (const from of DTS) compiled.push([`cast-${from}`, compileWebGpu(parseModule(castModule(from), { file: `${from}.ir` }), { passes: 'O0' })]);
  compiled.push(['ops', compileWebGpu(parseModule(OPS, { file: 'ops.ir' }), { passes: 'fuse' })]);
  const shaders = compiled.flatMap(([n, c]) => c.shaders.map((s) => ({ name: `${n}/${s.file}`, code: s.code })));
  report = await nagaValidate(shaders, [], Math.max(...compiled.map(([, c]) => c.manifest.workgroupStorageBytes)));
}, 60_000);

describe('dtype shaders pass naga and Tint', () => {
  it('every cast between the dtypes, constants of each, and the quantisation / bit / integer kernels: no naga errors, no shader-f16', () => {
    expect(compiled.reduce((a, [, c]) => a + c.shaders.length, 0)).toBeGreaterThan(DTS.length * DTS.length);
    expect(compiled.flatMap(([, c]) => c.manifest.features)).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.results.length).toBe(compiled.reduce((a, [, c]) => a + c.shaders.length, 0));
    const failures = report.results.filter((r) => r.errors.length > 0).map((r) => `${r.name}: ${r.errors.map((e) => `${e.stage} ${e.line}:${e.column}: ${e.message}`).join('; ')}`);
    expect(failures).toEqual([]);
  });

  it('Dawn / Tint creates every pipeline', async () => {
    for (const [n, c] of compiled) expect([n, await validateShaders(c)]).toEqual([n, []]);
  }, 60_000);
});
