// `tenth conformance`: run ONNX backend test folders through importer + interpreter, or through
// the WASM backend (--backend wasm).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import { ONNX_TOLERANCE } from '../check/compare.js';
import { countResults, formatReport, jsonReport } from '../conformance/report.js';
import type { TestResult } from '../conformance/run-test.js';
import { listTests, runConformance } from '../conformance/runner.js';
import type { CliContext, Command } from './context.js';
import { EXIT } from './context.js';
import { requireFile, writeFileAtomic } from './files.js';

/** Test names from a list file: one per line, `#` comments and blank lines ignored. */
export function readTestList(path: string): string[] {
  requireFile(path);
  return readFileSync(path, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l.length > 0);
}

function compileFilter(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (e) {
    return fail('E108', `--filter: invalid regular expression: ${(e as Error).message}`);
  }
}

/** Progress on stderr: a counter redrawn in place on a terminal, else one mark per test. */
function progress(ctx: CliContext): (r: TestResult, done: number, total: number) => void {
  return (r, done, total) => {
    if (ctx.io.errIsTTY) {
      ctx.io.err(`\r[${done}/${total}] ${r.test}`.padEnd(80).slice(0, 100) + (done === total ? '\n' : ''));
      return;
    }
    ctx.io.err(r.status === 'passed' ? '.' : r.status === 'failed' ? 'F' : 's');
    if (done % 80 === 0 || done === total) ctx.io.err(` ${done}/${total}\n`);
  };
}

export const conformanceCommand: Command = {
  spec: {
    name: 'conformance',
    summary: 'Run ONNX backend tests (folders with model.onnx + test_data_set_N/) and report per op.',
    details: [
      `Each test folder passes when all its data sets match (rtol ${ONNX_TOLERANCE.rtol}, atol ${ONNX_TOLERANCE.atol}).`,
      'Out-of-scope tests are skipped with a reason: training ops (ai.onnx.preview.training), the',
      'ai.onnx.ml domain, string tensors, sequence/optional values. Each test runs in a worker thread',
      'with a time limit, so a hang or crash fails that test only. Progress goes to stderr.',
      '--backend wasm compiles each model for the WASM backend and runs it through the runtime; a model',
      'with an op that has no wasm kernel (E201) is then skipped, naming the ops. --backend webgpu does',
      'the same with the WGSL backend on Dawn (webgpu package); E201 and E205 (dims known only at run',
      'time) skip. Without a GPU, VK_ICD_FILENAMES defaults to SwiftShader when it is installed.',
      'Exit status: 0 when no test failed (with --expect: when every listed test passed), else 1.',
    ].join('\n'),
    positionals: [{ name: 'DIR', help: 'folder of test folders, e.g. onnx-backend-tests/node' }],
    options: [
      { name: 'filter', kind: 'string', arg: 'REGEX', help: 'run only tests whose folder name matches' },
      { name: 'json', kind: 'boolean', help: 'print {"results":[{test,status,reason,op}],"summary":{...}}' },
      { name: 'list-passing', kind: 'string', arg: 'FILE', help: 'write the names of the passing tests to FILE' },
      { name: 'expect', kind: 'string', arg: 'FILE', help: 'run the tests listed in FILE; fail if any does not pass' },
      { name: 'backend', kind: 'string', arg: 'NAME', help: "interp (importer + interpreter), wasm or webgpu (compile + runtime; ops without a kernel skip the test)", default: 'interp' },
      { name: 'show-skipped', kind: 'boolean', help: 'list skipped tests with their reasons' },
      { name: 'timeout', kind: 'number', arg: 'SECONDS', help: 'time limit per test', default: 60 },
      { name: 'in-process', kind: 'boolean', help: 'run tests in this thread (no time limit; for debugging)' },
    ],
  },
  async run(args, ctx) {
    const o = args.options;
    const root = resolve(ctx.cwd, args.positionals[0]!);
    const filter = typeof o['filter'] === 'string' ? compileFilter(o['filter']) : undefined;
    const timeout = o['timeout'] as number;
    const backend = String(o['backend']);
    if (backend !== 'interp' && backend !== 'wasm' && backend !== 'webgpu') fail('E108', `unknown backend '${backend}' (available: interp, wasm, webgpu)`);
    if (!(timeout > 0)) fail('E108', '--timeout must be a positive number of seconds');
    let only: Set<string> | undefined;
    if (typeof o['expect'] === 'string') {
      const listed = readTestList(resolve(ctx.cwd, o['expect']));
      const present = new Set(listTests(root));
      const missing = listed.filter((t) => !present.has(t));
      if (missing.length > 0) fail('E101', `${missing.length} tests listed in ${o['expect']} are not in ${root}`, undefined, [`first: ${missing[0]}`]);
      only = new Set(listed);
    }
    const results = await runConformance(root, {
      filter, only, backend, timeoutMs: timeout * 1000, inProcess: o['in-process'] === true, onResult: progress(ctx),
    });
    if (typeof o['list-passing'] === 'string') {
      const names = results.filter((r) => r.status === 'passed').map((r) => r.test);
      writeFileAtomic(resolve(ctx.cwd, o['list-passing']), names.map((n) => `${n}\n`).join(''));
    }
    ctx.io.out(o['json'] ? jsonReport(results) : formatReport(results, { showSkipped: o['show-skipped'] === true }));
    const c = countResults(results);
    if (only) {
      const bad = results.filter((r) => r.status !== 'passed');
      if (bad.length > 0) {
        ctx.io.err(`error E601: ${bad.length} expected-passing tests did not pass: ${bad.slice(0, 10).map((r) => r.test).join(', ')}${bad.length > 10 ? ', ...' : ''}\n`);
        return EXIT.checkFailed;
      }
      return EXIT.ok;
    }
    return c.failed > 0 ? EXIT.checkFailed : EXIT.ok;
  },
};
