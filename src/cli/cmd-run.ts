// `tenth run`: execute a model on test data and optionally check the outputs.

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import type { Tensor } from '../../ir/tensor.js';
import { formatNumber } from '../check/compare.js';
import { listDataSets } from '../check/data-dir.js';
import { type RunReport, runDataDir } from '../check/run-check.js';
import { encodeTensorProto } from '../onnx/tensor-proto.js';
import type { CliContext, Command } from './context.js';
import { EXIT } from './context.js';
import { loadModule, writeFileAtomic } from './files.js';
import { PASSES_OPTION, runPassFlags } from './cmd-passes.js';
import { isCompiledDir, loadForWasm, runCompiledDataDir } from './run-compiled.js';
import { isWebGpuDir, loadForWebGpu } from './webgpu-cli.js';

const BACKENDS = ['interp', 'wasm', 'webgpu'];
const PREVIEW = 8;

/** The data folders to run: DIR itself if it holds input files, else its test_data_set_N folders. */
function dataDirs(cwd: string, model: string, data: string | undefined): string[] {
  if (data === undefined) {
    const sets = listDataSets(dirname(resolve(cwd, model)));
    if (sets.length === 0) fail('E108', 'no --data DIR given and no test_data_set_N folders beside the model');
    return sets;
  }
  const dir = resolve(cwd, data);
  if (!existsSync(dir)) fail('E101', `data folder not found: ${data}`);
  const hasInputs = readdirSync(dir).some((n) => /^(input|output)_\d+\.pb$/.test(n));
  const sets = hasInputs ? [] : listDataSets(dir);
  return sets.length > 0 ? sets : [dir];
}

function preview(t: Tensor): (number | string)[] {
  const out: (number | string)[] = [];
  for (let i = 0; i < Math.min(PREVIEW, t.data.length); i++) {
    const v = t.data[i]!;
    out.push(typeof v === 'bigint' ? v.toString() : v);
  }
  return out;
}

const shapeText = (s: readonly number[]): string => `[${s.join(',')}]`;

function textReport(r: RunReport, cwd: string): string {
  const lines = [`${relative(cwd, r.dataDir) || '.'}:`];
  r.outputs.forEach((o, i) => {
    const head = `  output ${o.index} '${o.name}' ${o.dtype}${shapeText(o.shape)}`;
    if (!r.checked) {
      const t = r.tensors[i]!;
      const vals = preview(t).map((v) => formatNumber(v)).join(', ');
      const more = t.data.length > PREVIEW ? `, ... (${t.data.length} values)` : '';
      lines.push(`${head}  [${vals}${more}]`);
    } else if (o.ok) {
      lines.push(`${head}  max abs ${formatNumber(o.maxAbs!)}  max rel ${formatNumber(o.maxRel!)}  PASS`);
    } else {
      const err = Number.isNaN(o.maxAbs) ? '' : `  max abs ${formatNumber(o.maxAbs!)}  max rel ${formatNumber(o.maxRel!)}`;
      lines.push(`${head}${err}  FAIL`, `    ${o.reason}`);
    }
  });
  return lines.join('\n') + '\n';
}

/** JSON numbers cannot be NaN or infinite; those become strings. */
const jsonNum = (x: number | undefined): number | string | null =>
  x === undefined ? null : Number.isFinite(x) ? x : formatNumber(x);

function jsonReport(r: RunReport, cwd: string): object {
  return {
    data: relative(cwd, r.dataDir) || '.',
    ok: r.ok,
    outputs: r.outputs.map((o, i) => ({
      index: o.index, name: o.name, dtype: o.dtype, shape: o.shape,
      ...(r.checked
        ? { status: o.ok ? 'PASS' : 'FAIL', maxAbs: jsonNum(o.maxAbs), maxRel: jsonNum(o.maxRel), reason: o.reason || null }
        : { values: preview(r.tensors[i]!) }),
    })),
  };
}

export const runCommand: Command = {
  spec: {
    name: 'run',
    summary: 'Run a model on test data (input_K.pb) and optionally check the outputs (output_K.pb).',
    details: [
      'DIR holds input_K.pb (K = position among the model inputs that are not initializers) and, for',
      '--check, output_K.pb. DIR may also be a folder of test_data_set_N folders; without --data, the',
      "test_data_set_N folders beside the model are used. An output passes when every element has",
      '|got - want| <= atol + rtol * |want| (NaN matches NaN; dtype and shape must match exactly).',
      'With --passes PIPELINE the model is run after that pass pipeline (verified after every pass).',
      'Exit status: 0 all outputs match (or no --check), 1 some output does not match, 2 bad input.',
    ].join('\n'),
    positionals: [{ name: 'MODEL|DIR', help: 'an ONNX model (.onnx), IR text (.ir), or a folder written by tenth compile' }],
    options: [
      { name: 'data', kind: 'string', arg: 'DIR', help: 'folder with input_K.pb (and output_K.pb)' },
      { name: 'check', kind: 'boolean', help: 'compare the outputs with DIR/output_K.pb' },
      { name: 'rtol', kind: 'number', arg: 'X', help: 'relative tolerance for --check', default: 1e-3 },
      { name: 'atol', kind: 'number', arg: 'X', help: 'absolute tolerance for --check', default: 1e-5 },
      // No declared defaults for --backend and --threads: a flag the user gave that this run cannot honour is an error.
      { name: 'backend', kind: 'string', arg: 'NAME', help: `where to run a model: ${BACKENDS.join(', ')} (default interp; a compiled folder runs on the backend it was compiled for)` },
      { name: 'out', kind: 'string', arg: 'DIR', help: 'write the outputs as DIR/output_K.pb (one data folder only)' },
      { name: 'json', kind: 'boolean', help: 'print the results as one JSON object' },
      PASSES_OPTION,
      { name: 'timing', kind: 'boolean', help: 'print a table of time per pass (to stderr)' },
      { name: 'threads', kind: 'number', arg: 'N', help: 'wasm backend only: run on N threads (the folder needs compile --threads; a model is compiled with it; default 1)' },
    ],
  },
  async run(args, ctx: CliContext) {
    const o = args.options;
    const given = typeof o['backend'] === 'string' ? o['backend'] : undefined;
    if (given !== undefined && !BACKENDS.includes(given)) fail('E108', `unknown backend '${given}' (available: ${BACKENDS.join(', ')})`);
    const rtol = o['rtol'] as number, atol = o['atol'] as number;
    if (rtol < 0 || atol < 0) fail('E108', '--rtol and --atol must not be negative');
    const model = args.positionals[0]!;
    // The model first: a broken model is the error to report, whatever the data folders hold.
    const path = resolve(ctx.cwd, model), passes = o['passes'] as string | undefined;
    // A compiled folder runs on the backend it was compiled for; asking for another one is an error, not ignored.
    const folder = isWebGpuDir(path) ? 'webgpu' : isCompiledDir(path) ? 'wasm' : undefined;
    if (folder && given !== undefined && given !== folder) {
      fail('E108', `${model} was compiled for ${folder}; it cannot run on --backend ${given}`, undefined, [
        given === 'interp' ? 'run the model file on the interpreter instead' : `compile the model with --target ${given}, or leave out --backend`]);
    }
    // A compiled folder's passes ran when it was compiled: flags about passes would be ignored.
    const passFlags = ['passes', 'timing'].filter((f) => o[f] !== undefined && o[f] !== false);
    if (folder && passFlags.length > 0) {
      fail('E108', `${passFlags.map((f) => `--${f}`).join(' and ')} ${passFlags.length > 1 ? 'apply' : 'applies'} when tenth compiles a model; ${model} is already compiled`, undefined,
        ['run the model file instead, or compile it again with `tenth compile --passes ...`']);
    }
    const backend = folder ?? given ?? 'interp';
    const webgpu = backend === 'webgpu', wasm = backend === 'wasm';
    if (o['timing'] === true && backend !== 'interp') {
      fail('E108', `--timing times the passes of an interpreter run; on --backend ${backend} it would be ignored`, undefined, ['`tenth opt MODEL --passes ... --timing` times the passes']);
    }
    const threadsGiven = o['threads'] as number | undefined;
    if (threadsGiven !== undefined && !wasm) {
      fail('E108', `--threads applies to the wasm backend; this run is on ${backend}${folder ? ` (${model} was compiled for ${folder})` : ''}`);
    }
    const threads = threadsGiven ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 16) fail('E108', `--threads must be an integer from 1 to 16, got ${threads}`);
    const compiled = webgpu ? await loadForWebGpu(ctx.cwd, path, model, passes) : wasm ? await loadForWasm(ctx.cwd, path, model, passes, threads) : undefined;
    if (wasm && compiled && compiled.threads < threads) ctx.io.err(`note: running on ${compiled.threads} thread: ${isCompiledDir(path) ? 'the folder has no threaded module (compile --threads)' : 'this engine cannot share memory'}\n`);
    const module = compiled ? undefined : await loadModule(ctx.cwd, model);
    const dirs = dataDirs(ctx.cwd, model, o['data'] as string | undefined);
    const outDir = o['out'] === undefined ? undefined : resolve(ctx.cwd, String(o['out']));
    if (outDir && dirs.length > 1) fail('E108', `--out needs one data folder; ${dirs.length} test_data_set_N folders were found`);
    if (module && o['passes'] !== undefined) runPassFlags(module, args, ctx);
    const check = o['check'] === true;
    const reports: RunReport[] = [];
    try {
      for (const d of dirs) {
        reports.push(compiled ? await runCompiledDataDir(compiled, d, { check, tolerance: { rtol, atol } }) : runDataDir(module!, d, { check, tolerance: { rtol, atol } }));
      }
    } finally {
      await compiled?.dispose();
    }
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      reports[0]!.tensors.forEach((t, k) => writeFileAtomic(join(outDir, `output_${k}.pb`), encodeTensorProto(reports[0]!.outputs[k]!.name, t)));
    }
    const ok = reports.every((r) => r.ok);
    if (o['json']) {
      ctx.io.out(JSON.stringify({ model, backend, checked: check, tolerance: check ? { rtol, atol } : null, ok, runs: reports.map((r) => jsonReport(r, ctx.cwd)) }, null, 2) + '\n');
    } else {
      for (const r of reports) ctx.io.out(textReport(r, ctx.cwd));
      if (check) {
        const outs = reports.flatMap((r) => r.outputs);
        const passed = outs.filter((x) => x.ok).length;
        ctx.io.out(`${passed} of ${outs.length} outputs match (rtol ${formatNumber(rtol)}, atol ${formatNumber(atol)})\n`);
      }
    }
    if (!ok) {
      const bad = reports.flatMap((r) => r.outputs).filter((x) => !x.ok).length;
      ctx.io.err(`error E601: ${bad === 1 ? '1 output does' : `${bad} outputs do`} not match the expected values\n`);
      return EXIT.checkFailed;
    }
    return EXIT.ok;
  },
};
