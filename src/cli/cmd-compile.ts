// `tenth compile MODEL --target wasm --out DIR`: run the pass pipeline for the target, generate
// code and write the compiled folder (model.wasm, model.wat, weights.bin, manifest.json,
// report.json, report.html) atomically: a failed compile leaves no partial folder. Prints the
// cost report (src/report/) for a device profile, and with --rate/--p99 a batching plan.

import { resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import { compileWasm, DEFAULT_PIPELINE, writeArtifact } from '../backends/wasm/index.js';
import { signalsRead } from '../backends/remove-on-signal.js';
import { checkReplaceable, reserveFolder } from '../backends/write-folder.js';
import { BUNDLED_PROFILES, DEFAULT_PROFILE, loadProfile } from '../report/profile.js';
import { fmtBytes, fmtCount, formatBatching, formatReport } from '../report/table.js';
import type { CliContext, Command } from './context.js';
import { EXIT } from './context.js';
import { PASSES_OPTION } from './cmd-passes.js';
import { compileForWebGpu } from './webgpu-cli.js';
import { loadModule } from './files.js';

const TARGETS = ['wasm', 'webgpu'];

export const compileCommand: Command = {
  spec: {
    name: 'compile',
    summary: 'Compile a model for a target: writes the kernels, weights, manifest.json, report.json and report.html.',
    details: [
      `The pass pipeline defaults to ${DEFAULT_PIPELINE}. The output folder is replaced only when the compile`,
      'succeeds; run it with `tenth run DIR --data D --check` or loadCompiled(DIR) from the tenth runtime.',
      'The cost report (per-kernel FLOPs, bytes, arithmetic intensity and roofline time on a device profile,',
      'the memory plan, predicted latency and, with a price, cost per million queries) is printed and written',
      `to report.json and report.html. Bundled profiles: ${Object.keys(BUNDLED_PROFILES).join(', ')}.`,
      'With --rate and --p99 the report ends with a batching plan for that load.',
    ].join('\n'),
    positionals: [{ name: 'MODEL', help: 'an ONNX model (.onnx) or IR text (.ir)' }],
    options: [
      { name: 'target', kind: 'string', arg: 'NAME', help: `code generation target: ${TARGETS.join(', ')}`, default: 'wasm' },
      { name: 'out', kind: 'string', arg: 'DIR', help: 'output folder (required)' },
      PASSES_OPTION,
      { name: 'relaxed-simd', kind: 'boolean', help: 'also write model-relaxed.wasm (f32x4.relaxed_madd); the runtime loads it where the engine supports relaxed SIMD' },
      { name: 'device', kind: 'string', arg: 'NAME|FILE', help: `device profile for the cost report (default ${DEFAULT_PROFILE.wasm} for wasm, ${DEFAULT_PROFILE.webgpu} for webgpu)` },
      { name: 'bind', kind: 'string', arg: 'SYM=N,...', help: 'sizes of symbolic dims in the cost report (default 1 each; a size counted at run time, e.g. nonzero_count0, defaults to its bound)' },
      { name: 'rate', kind: 'string', arg: 'QPS', help: 'requests per second for the batching plan (with --p99)' },
      { name: 'p99', kind: 'string', arg: 'MS', help: 'p99 latency target in milliseconds for the batching plan (with --rate)' },
      { name: 'batch-dim', kind: 'string', arg: 'SYM', help: "the symbol the batching plan scales (default: the first input's leading dim when symbolic)" },
      { name: 'quiet', kind: 'boolean', help: 'print only the one-line summary, not the cost report' },
      { name: 'f16', kind: 'boolean', help: 'webgpu: store f32 weights and intermediates as f16 (arithmetic and accumulation in f32; an intermediate beyond f16 range becomes inf); the model then needs a device with shader-f16' },
      { name: 'subgroups', kind: 'boolean', help: 'webgpu: also write subgroup variants of reduction shaders; the runtime uses them where the device has subgroups' },
      { name: 'threads', kind: 'boolean', help: 'also write model-threads.wasm (shared memory, work split over threads); loadCompiled(DIR, { threads: N }) runs it' },
    ],
  },
  async run(args, ctx: CliContext) {
    const o = args.options;
    const target = String(o['target']);
    if (!TARGETS.includes(target)) fail('E108', `unknown target '${target}' (available: ${TARGETS.join(', ')})`);
    const profile = loadProfile(typeof o['device'] === 'string' ? resolveProfile(ctx.cwd, o['device']) : DEFAULT_PROFILE[target as 'wasm' | 'webgpu']);
    if (profile.target !== target) {
      ctx.io.err(`note: device profile ${profile.name} describes ${profile.target} kernels; its predictions for ${target} kernels are only indicative\n`);
    }
    const bind = typeof o['bind'] === 'string' ? parseBind(o['bind']) : undefined;
    const batching = batchingOptions(o);
    // WebGPU: one .wgsl per dispatch, plan.json, weights.bin, manifest.json, report.json/html.
    if (target === 'webgpu') return compileForWebGpu(args, ctx, { profile, bind, batching });
    if (o['f16'] === true || o['subgroups'] === true) fail('E108', `--${o['f16'] === true ? 'f16' : 'subgroups'} applies to --target webgpu only`);
    if (typeof o['out'] !== 'string') fail('E108', 'compile needs --out DIR');
    const out = resolve(ctx.cwd, o['out']);
    checkReplaceable(out, ctx.cwd); // before the compile, which may take minutes
    const module = await loadModule(ctx.cwd, args.positionals[0]!);
    // compileWasm runs the passes and lowering synchronously, then yields to the event loop (it
    // assembles asynchronously). The temporary folder beside --out is reserved at that first
    // yield: a Ctrl-C before it ends the process at once (there is nothing to remove yet; a
    // signal listener would defer it to the yield), one after it is handled there, removing it.
    const pending = compileWasm(module, {
      passes: typeof o['passes'] === 'string' ? o['passes'] : undefined, relaxedSimd: o['relaxed-simd'] === true, threads: o['threads'] === true, profile, bind, batching,
    });
    pending.catch(() => undefined); // observed below; not an unhandled rejection should reserveFolder throw first
    const release = reserveFolder(out);
    let compiled: Awaited<typeof pending>;
    try {
      compiled = await pending;
      // A Ctrl-C during the assembly's synchronous work stops the compile before the old output is replaced.
      await signalsRead();
      writeArtifact(out, compiled);
    } finally {
      release();
    }
    const r = compiled.report;
    const bound = Object.entries(r.bind).map(([k, v]) => `${k}=${v}`).join(', ');
    ctx.io.out(`compiled ${r.kernels.length} kernels, ${fmtCount(r.totals.flops)} FLOPs per run${bound ? ` at ${bound}` : ''}, ` +
      `weights ${fmtBytes(compiled.weights.length)}${compiled.relaxed ? ', plus a relaxed-SIMD variant' : ''}${compiled.threads ? ', plus a threaded variant' : ''} -> ${o['out']}\n`);
    if (o['quiet'] !== true) {
      ctx.io.out(`\n${formatReport(r)}\n`);
      if (compiled.batching) ctx.io.out(`\n${formatBatching(compiled.batching, compiled.batchDim ?? null)}\n`);
    }
    return EXIT.ok;
  },
};

/** A bundled profile name stays a name; anything else is a path relative to the working directory. */
function resolveProfile(cwd: string, v: string): string {
  return BUNDLED_PROFILES[v] ? v : resolve(cwd, v);
}

/** `batch=8,seq=128` -> { batch: 8, seq: 128 }. */
export function parseBind(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)\s*=\s*(\d+)$/.exec(part);
    if (!m || Number(m[2]) < 1) fail('E108', `--bind: expected SYMBOL=SIZE with a size >= 1, got '${part}'`);
    if (m[1]! in out) fail('E108', `--bind: '${m[1]}' is given twice`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function batchingOptions(o: Readonly<Record<string, unknown>>): { ratePerSec: number; p99TargetMs: number; batchDim?: string } | undefined {
  const has = (k: string): boolean => typeof o[k] === 'string';
  if (!has('rate') && !has('p99')) {
    if (has('batch-dim')) fail('E108', '--batch-dim needs --rate and --p99');
    return undefined;
  }
  if (!has('rate') || !has('p99')) fail('E108', 'the batching plan needs both --rate QPS and --p99 MS');
  const rate = Number(o['rate']), p99 = Number(o['p99']);
  if (!(rate > 0) || !Number.isFinite(rate)) fail('E108', `--rate: expected requests per second > 0, got '${String(o['rate'])}'`);
  if (!(p99 > 0) || !Number.isFinite(p99)) fail('E108', `--p99: expected milliseconds > 0, got '${String(o['p99'])}'`);
  return { ratePerSec: rate, p99TargetMs: p99, ...(has('batch-dim') ? { batchDim: String(o['batch-dim']) } : {}) };
}

