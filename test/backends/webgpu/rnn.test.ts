// fast-check on Dawn + SwiftShader: the RNN/GRU/LSTM kernel (kernels/rnn.ts) against the
// interpreter on random small configs: sequence length 1 and longer, batch, input and hidden sizes
// with primes (and a hidden size over one workgroup of 256, so threads own several units), every
// direction, both layouts, sequence_lens (0 included) read at run time, initial states, peepholes,
// clip, linear_before_reset, input_forget, activations with alpha/beta (different per direction),
// weights as constants or run-time inputs, symbolic sequence and batch dims, and Y unused or
// chained into an elementwise op. Every shader also passes Tint (null backend) and naga (Deno).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileText, expectClose, hexF32, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaValidate } from './naga-run.js';

const ty = (s: readonly (number | string)[], dt = 'f32'): string => `${dt}[${s.join(',')}]`;
const scaled = (t: Tensor, k: number): Tensor => tensorFrom('f32', t.shape, Float32Array.from(t.data as Float32Array, (x) => x * k));
const ACTS: Readonly<Record<string, readonly string[]>> = {
  rnn: ['"Relu"', '"Tanh"', '"Softplus"', '"ScaledTanh"', '"Elu"'],
  gru: ['"HardSigmoid"', '"Softsign"', '"Sigmoid"', '"ThresholdedRelu"', '"LeakyRelu"'],
  lstm: ['"Sigmoid"', '"Affine"', '"LeakyRelu"', '"Tanh"', '"Softsign"'],
};
const PER = { rnn: 1, gru: 2, lstm: 3 } as const;

interface Config {
  cell: 'rnn' | 'gru' | 'lstm'; direction: string; layout: number; S: number; Bt: number; I: number; H: number;
  withB: boolean; lens: 'none' | 'input'; withInit: boolean; extra: boolean; withClip: boolean; acts: 'default' | 'same' | 'per-dir';
  weightsIn: boolean; outs: 'all' | 'state' | 'chained'; symbolic: boolean; seed: number;
}

/** The module and its inputs for one config (weights scaled so the states stay O(1)). */
function build(c: Config): { text: string; binding: (S: number, Bt: number) => Tensor[] } {
  const G = { rnn: 1, gru: 3, lstm: 4 }[c.cell];
  const D = c.direction === 'bidirectional' ? 2 : 1;
  const [Sd, Bd]: (number | string)[] = c.symbolic ? ['S', 'B'] : [c.S, c.Bt];
  const xs = (S: number | string, B: number | string): (number | string)[] => (c.layout === 0 ? [S, B, c.I] : [B, S, c.I]);
  const sts = (B: number | string): (number | string)[] => (c.layout === 0 ? [D, B, c.H] : [B, D, c.H]);
  const ys = c.layout === 0 ? [Sd, D, Bd, c.H] : [Bd, Sd, D, c.H];
  const wScale = 1.5 / Math.sqrt(c.I + c.H);
  // Made only when used: the refusal test's hidden size would make megabytes of them.
  const wShape = [D, G * c.H, c.I], rShape = [D, G * c.H, c.H];
  const w = (): Tensor => scaled(rand(wShape, c.seed + 1), wScale), r = (): Tensor => scaled(rand(rShape, c.seed + 2), wScale);
  const b = scaled(rand([D, 2 * G * c.H], c.seed + 3), 0.5), p = scaled(rand([D, 3 * c.H], c.seed + 4), 0.5);
  let acts: string[] = [];
  if (c.acts !== 'default') {
    const pool = ACTS[c.cell]!;
    acts = Array.from({ length: PER[c.cell] * (c.acts === 'per-dir' ? D : 1) }, (_, n) => pool[(n + (c.seed >>> 3)) % pool.length]!);
  }
  const attrs = [`direction = "${c.direction}"`, `layout = ${c.layout}`, `hidden_size = ${c.H}`,
    ...(c.withClip ? ['clip = 0.7'] : []), ...(acts.length ? [`activations = [${acts.join(', ')}]`, 'activation_alpha = [0.3, 0.2, 1.1]', 'activation_beta = [0.1, 0.6]'] : []),
    ...(c.cell === 'gru' && c.extra ? ['linear_before_reset = 1'] : []), ...(c.cell === 'lstm' && c.extra ? ['input_forget = 1'] : [])];
  const args = [`%x: ${ty(xs(Sd, Bd))}`];
  const ops = ['%x', '%w', '%r', c.withB ? '%b' : 'none', c.lens === 'input' ? '%lens' : 'none', c.withInit ? '%h0' : 'none'];
  if (c.cell === 'lstm') ops.push(c.withInit ? '%c0' : 'none', c.extra ? '%p' : 'none');
  if (c.weightsIn) args.push(`%w: ${ty(wShape)}`, `%r: ${ty(rShape)}`);
  if (c.lens === 'input') args.push(`%lens: ${ty([Bd], 'i32')}`);
  if (c.withInit) args.push(`%h0: ${ty(sts(Bd))}`);
  if (c.withInit && c.cell === 'lstm') args.push(`%c0: ${ty(sts(Bd))}`);
  const results = c.cell === 'lstm' ? ['%y', '%yh', '%yc'] : ['%y', '%yh'];
  const rtypes = [ty(ys), ty(sts(Bd)), ty(sts(Bd))].slice(0, results.length);
  const body = [`${results.join(', ')} = ${c.cell}(${ops.join(', ')}) {${attrs.join(', ')}} : (${rtypes.join(', ')})`];
  let ret = results.map((v, n) => [v, rtypes[n]!] as const);
  if (c.outs === 'state') ret = ret.slice(1);
  if (c.outs === 'chained') {
    body.push(`%z = mul(%y, %y) : ${ty(ys)}`);
    ret = [['%z', ty(ys)], ...ret.slice(1)];
  }
  const consts = [`%b = const {value = @b} : ${ty(b.shape)}`, `%p = const {value = @p} : ${ty(p.shape)}`];
  if (!c.weightsIn) consts.push(`%w = const {value = @w} : ${ty(wShape)}`, `%r = const {value = @r} : ${ty(rShape)}`);
  const text = ['module @m {',
    ...([['b', b], ['p', p], ...(c.weightsIn ? [] : [['w', w()], ['r', r()]])] as [string, Tensor][]).map(([n, t]) => `  weight @${n} : ${ty(t.shape)} = bytes("${hexF32(t.data as Float32Array)}")`),
    `  func @main(${args.join(', ')}) -> (${ret.map(([v, t]) => `${v}: ${t}`).join(', ')}) {`,
    ...[...consts, ...body].map((l) => `    ${l}`),
    `    return ${ret.map(([v]) => v).join(', ')}`, '  }', '}'].join('\n');
  const binding = (S: number, Bt: number): Tensor[] => {
    const ins = [scaled(rand(xs(S, Bt) as number[], c.seed + S), 1.5)];
    if (c.weightsIn) ins.push(w(), r());
    if (c.lens === 'input') ins.push(tensorFrom('i32', [Bt], Int32Array.from({ length: Bt }, (_, i) => ((c.seed >>> 0) + 5 * i) % (S + 1))));
    if (c.withInit) ins.push(rand(sts(Bt) as number[], c.seed + 5));
    if (c.withInit && c.cell === 'lstm') ins.push(rand(sts(Bt) as number[], c.seed + 6));
    return ins;
  };
  return { text, binding };
}

const configArb = fc.record({
  cell: fc.constantFrom('rnn' as const, 'gru' as const, 'lstm' as const), direction: fc.constantFrom('forward', 'reverse', 'bidirectional'),
  layout: fc.nat(1), S: fc.constantFrom(1, 2, 5), Bt: fc.constantFrom(1, 2, 3), I: fc.constantFrom(1, 3, 7), H: fc.constantFrom(1, 2, 5, 13, 37),
  withB: fc.boolean(), lens: fc.constantFrom('none' as const, 'input' as const), withInit: fc.boolean(), extra: fc.boolean(), withClip: fc.boolean(),
  acts: fc.constantFrom('default' as const, 'same' as const, 'per-dir' as const), weightsIn: fc.boolean(),
  outs: fc.constantFrom('all' as const, 'state' as const, 'chained' as const), symbolic: fc.constant(false), seed: fc.integer({ min: 0, max: 1 << 20 }),
});

const seen: { name: string; code: string }[] = [];
async function checkConfig(c: Config, bindings: readonly [number, number][] = [[c.S, c.Bt]]): Promise<void> {
  const { text, binding } = build(c);
  const compiled = compileText(text);
  expect(await validateShaders(compiled)).toEqual([]);
  compiled.shaders.forEach((s) => seen.push({ name: `${c.cell}-${seen.length}/${s.file}`, code: s.code }));
  for (const [S, Bt] of bindings) {
    const ins = binding(S, Bt);
    expectClose(await runCompiled(compiled, ins), interpText(text, ins), 1e-4, 1e-5);
  }
}

describe('webgpu rnn/gru/lstm kernel vs interpreter (fast-check)', () => {
  it('random configs: cells, directions, layouts, lengths, states, options, activations', async () => {
    await fc.assert(fc.asyncProperty(configArb, (c) => checkConfig(c)), { numRuns: 18, seed: 4242 });
  }, 60_000);

  it('symbolic sequence and batch dims: one compile, several bindings (sequence 1 included)', async () => {
    const base: Config = { cell: 'lstm', direction: 'bidirectional', layout: 0, S: 3, Bt: 2, I: 3, H: 5, withB: true, lens: 'input', withInit: true,
      extra: true, withClip: false, acts: 'default', weightsIn: false, outs: 'all', symbolic: true, seed: 11 };
    await checkConfig(base, [[1, 1], [4, 3], [2, 2]]);
    await checkConfig({ ...base, cell: 'gru', layout: 1, extra: false, lens: 'none' }, [[1, 2], [6, 1]]);
  }, 30_000);

  it('a hidden size over one workgroup (threads own several units), and every lengths edge (0, S)', async () => {
    const base: Config = { cell: 'gru', direction: 'bidirectional', layout: 0, S: 3, Bt: 3, I: 2, H: 263, withB: true, lens: 'input', withInit: true,
      extra: false, withClip: false, acts: 'default', weightsIn: false, outs: 'all', symbolic: false, seed: 3 };
    await checkConfig(base);
    await checkConfig({ ...base, cell: 'lstm', extra: true, direction: 'reverse' });
  }, 30_000);

  it('refuses what it cannot do with E201 naming the op', () => {
    const big: Config = { cell: 'gru', direction: 'forward', layout: 0, S: 1, Bt: 1, I: 1, H: 1100, withB: false, lens: 'none', withInit: false,
      extra: false, withClip: false, acts: 'default', weightsIn: true, outs: 'all', symbolic: false, seed: 1 };
    expect(() => compileText(build(big).text)).toThrow(/E201.*gru: hidden size 1100 needs 17600 bytes of workgroup memory/s);
  });

  it('the compiled output is byte-identical across compiles', () => {
    const c: Config = { cell: 'lstm', direction: 'bidirectional', layout: 1, S: 2, Bt: 2, I: 3, H: 4, withB: true, lens: 'input', withInit: true,
      extra: true, withClip: true, acts: 'per-dir', weightsIn: false, outs: 'all', symbolic: false, seed: 5 };
    const a = compileText(build(c).text), b = compileText(build(c).text);
    expect(a.shaders).toEqual(b.shaders);
    expect(a.manifest).toEqual(b.manifest);
  });

  it('naga (Deno, wgpu on lavapipe) accepts every shader compiled above', async () => {
    expect(seen.length).toBeGreaterThan(18);
    const report = await nagaValidate(seen, [], 16384);
    const failures = report.results.filter((r) => r.errors.length > 0).map((r) => `${r.name}: ${JSON.stringify(r.errors)}`);
    expect(report.results.length).toBe(seen.length);
    expect(failures).toEqual([]);
  }, 60_000);
});
