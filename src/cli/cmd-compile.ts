// `tenth compile MODEL --target wasm --out DIR`: run the pass pipeline for the target, generate
// code and write the compiled folder (model.wasm, model.wat, weights.bin, manifest.json,
// report.json) atomically: a failed compile leaves no partial folder.

import { resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import { compileWasm, DEFAULT_PIPELINE, writeArtifact } from '../backends/wasm/index.js';
import type { CliContext, Command } from './context.js';
import { EXIT } from './context.js';
import { PASSES_OPTION } from './cmd-passes.js';
import { loadModule } from './files.js';

const TARGETS = ['wasm'];

export const compileCommand: Command = {
  spec: {
    name: 'compile',
    summary: 'Compile a model for a target: writes model.wasm, model.wat, weights.bin, manifest.json, report.json.',
    details: [
      `The pass pipeline defaults to ${DEFAULT_PIPELINE}. The output folder is replaced only when the compile`,
      'succeeds; run it with `tenth run DIR --data D --check` or loadCompiled(DIR) from the tenth runtime.',
    ].join('\n'),
    positionals: [{ name: 'MODEL', help: 'an ONNX model (.onnx) or IR text (.ir)' }],
    options: [
      { name: 'target', kind: 'string', arg: 'NAME', help: `code generation target: ${TARGETS.join(', ')}`, default: 'wasm' },
      { name: 'out', kind: 'string', arg: 'DIR', help: 'output folder (required)' },
      PASSES_OPTION,
      { name: 'relaxed-simd', kind: 'boolean', help: 'also write model-relaxed.wasm (f32x4.relaxed_madd); the runtime loads it where the engine supports relaxed SIMD' },
    ],
  },
  async run(args, ctx: CliContext) {
    const o = args.options;
    const target = String(o['target']);
    if (!TARGETS.includes(target)) fail('E108', `unknown target '${target}' (available: ${TARGETS.join(', ')})`);
    if (typeof o['out'] !== 'string') fail('E108', 'compile needs --out DIR');
    const out = resolve(ctx.cwd, o['out']);
    const module = await loadModule(ctx.cwd, args.positionals[0]!);
    const compiled = await compileWasm(module, { passes: typeof o['passes'] === 'string' ? o['passes'] : undefined, relaxedSimd: o['relaxed-simd'] === true });
    writeArtifact(out, compiled);
    const r = compiled.report;
    const bind = Object.entries(r.bind).map(([k, v]) => `${k}=${v}`).join(', ');
    ctx.io.out(`compiled ${r.kernels.length} kernels, ${si(r.totalFlops)}FLOP per run${bind ? ` at ${bind}` : ''}, ` +
      `weights ${si(compiled.weights.length)}B${compiled.relaxed ? ', plus a relaxed-SIMD variant' : ''} -> ${o['out']}\n`);
    return EXIT.ok;
  },
};

/** 4768 -> '4.77 k', 3.1e8 -> '310 M': three significant digits and an SI prefix. */
function si(n: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, p] of units) if (n >= scale) return `${Number((n / scale).toPrecision(3))} ${p}`;
  return `${n} `;
}
