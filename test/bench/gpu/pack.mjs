#!/usr/bin/env node
// `npm run bench:gpu-pack` (node test/bench/gpu/pack.mjs): builds .gpu/, everything the WebGPU
// bench needs on a bare GPU machine without Node or network (see /work/shared/GPU.md), for the
// device tool's `carry: [".gpu"]` (64 MiB at most) and `bash .gpu/run.sh` there:
//   .gpu/run.sh           copy of test/bench/gpu/run.sh (unpacks, sets up Vulkan, runs each step)
//   .gpu/node.xz          this node binary (reused from the last pack while node.sha256 matches)
//   .gpu/payload.tar.xz   app/bench.mjs + app/probe.mjs (esbuild bundles of test/bench/run.ts
//                         and test/bench/gpu/probe.ts) with app/node_modules/{webgpu (dawn.node for
//                         linux-x64 only), onnxruntime-web (the WebGPU bundle and the asyncify wasm
//                         it loads)}; models/<name>/{model.onnx, test_data_set_0}; compat/ (this
//                         machine's libstdc++ and libgcc_s, used there only if the system's are older)
//   .gpu/debs/*.deb       the Vulkan loader and glvnd libraries (apt-get download, reused when present)
//   .gpu/MANIFEST.txt     what was packed, from which commit, with sizes and sha256 sums
// Options: --rev REV (bundle the sources of that commit, e.g. HEAD, instead of the working tree,
// which may hold others' unfinished edits), --models DIR (default ../shared/models beside the
// repository), --out DIR (default .gpu), --refresh-debs (download the .debs again). Exit 1 when a part is missing or the folder is too big.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const LIMIT = 64 * 1024 * 1024;
// GPU.md: the loader and the glvnd libraries NVIDIA's Vulkan driver (libGLX_nvidia) links against.
const DEBS = ['libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];
// onnxruntime-web/webgpu resolves to this bundle, which loads the asyncify build (JSEP is not used).
const ORT_FILES = ['ort.webgpu.bundle.min.mjs', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

const { values: opt } = parseArgs({ options: { rev: { type: 'string' }, models: { type: 'string' }, out: { type: 'string' }, 'refresh-debs': { type: 'boolean' } } });
const MODELS = resolve(opt.models ?? join(REPO, '../shared/models'));
const OUT = resolve(opt.out ?? join(REPO, '.gpu'));

const log = (s) => process.stderr.write(`gpu-pack: ${s}\n`);
function die(s) {
  log(`error: ${s}`);
  process.exit(1);
}
const sh = (cmd, args, o = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...o });
const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;

/** .gpu must never be committed: list it in .git/info/exclude once. */
function excludeFromGit() {
  const file = resolve(REPO, sh('git', ['rev-parse', '--git-path', 'info/exclude'], { cwd: REPO }).toString().trim());
  const rel = relative(REPO, OUT);
  if (rel.startsWith('..')) return;
  const line = `/${rel}/`;
  const cur = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (!cur.split('\n').includes(line)) appendFileSync(file, `${cur.endsWith('\n') || cur === '' ? '' : '\n'}${line}\n`);
}

/** The sources to bundle: the working tree, or `git archive` of --rev beside this node_modules. */
function sources(tmp) {
  if (opt.rev === undefined) return REPO;
  const src = join(tmp, 'src');
  mkdirSync(src, { recursive: true });
  execFileSync('sh', ['-c', 'git archive --format=tar "$1" ir passes src test/bench | tar -x -C "$2"', 'sh', opt.rev, src], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  symlinkSync(join(REPO, 'node_modules'), join(src, 'node_modules'));
  return src;
}

async function bundle(stage, root) {
  // esbuild comes with tsx (no new dependency). Bundled code that calls require() (CommonJS
  // dependencies) gets one from createRequire; the packages loaded at run time stay external:
  // webgpu (a native addon) and onnxruntime-web (loads its wasm beside its own file).
  const esbuild = await import('esbuild');
  const app = join(stage, 'app');
  await esbuild.build({
    entryPoints: { bench: join(root, 'test/bench/run.ts'), probe: join(root, 'test/bench/gpu/probe.ts') },
    outdir: app, outExtension: { '.js': '.mjs' },
    bundle: true, platform: 'node', format: 'esm', target: 'node20', legalComments: 'none', logLevel: 'warning',
    external: ['webgpu', 'onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-node'],
    banner: { js: "import { createRequire as __tenthRequire } from 'node:module'; const require = __tenthRequire(import.meta.url);" },
  });
  const nm = join(app, 'node_modules');
  const wg = join(REPO, 'node_modules/webgpu');
  mkdirSync(join(nm, 'webgpu/dist/linux-x64'), { recursive: true });
  for (const f of ['package.json', 'index.js', 'LICENSE.md']) copyFileSync(join(wg, f), join(nm, 'webgpu', f));
  copyFileSync(join(wg, 'dist/linux-x64/dawn.node'), join(nm, 'webgpu/dist/linux-x64/dawn.node'));
  const ow = join(REPO, 'node_modules/onnxruntime-web');
  mkdirSync(join(nm, 'onnxruntime-web/dist'), { recursive: true });
  copyFileSync(join(ow, 'package.json'), join(nm, 'onnxruntime-web/package.json'));
  for (const f of ORT_FILES) copyFileSync(join(ow, 'dist', f), join(nm, 'onnxruntime-web/dist', f));
}

/** Each model with its first test set (the bench times test_data_set_0 only). */
function copyModels(stage) {
  const names = readdirSync(MODELS).filter((n) => existsSync(join(MODELS, n, 'model.onnx'))).sort();
  if (names.length === 0) die(`no models in ${MODELS}`);
  for (const n of names) {
    const dst = join(stage, 'models', n);
    mkdirSync(dst, { recursive: true });
    for (const f of readdirSync(join(MODELS, n))) {
      if (f === 'model.onnx' || f === 'test_data_set_0' || f.endsWith('.data') || f.endsWith('.bin')) cpSync(join(MODELS, n, f), join(dst, f), { recursive: true });
    }
  }
  return names;
}

/** This machine's C++ runtime, for an image whose libstdc++ lacks what dawn.node needs. */
function copyCompat(stage) {
  const dir = join(stage, 'compat');
  mkdirSync(dir, { recursive: true });
  const ldd = sh('ldd', [join(REPO, 'node_modules/webgpu/dist/linux-x64/dawn.node')]).toString();
  for (const lib of ['libstdc++.so.6', 'libgcc_s.so.1']) {
    const m = new RegExp(`${lib.replace(/[.+]/g, '\\$&')} => (\\S+)`).exec(ldd);
    if (m) copyFileSync(realpathSync(m[1]), join(dir, lib));
  }
}

function debs(dst) {
  const old = join(OUT, 'debs');
  mkdirSync(dst, { recursive: true });
  const have = existsSync(old) ? readdirSync(old).filter((f) => f.endsWith('.deb')) : [];
  if (!opt['refresh-debs'] && DEBS.every((d) => have.some((f) => f.startsWith(`${d}_`)))) {
    for (const f of have) copyFileSync(join(old, f), join(dst, f));
    log(`debs: reused ${have.length} from ${old}`);
    return;
  }
  try {
    sh('apt-get', ['download', ...DEBS], { cwd: dst, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    // GPU.md's way, for a machine whose package lists are missing or of another architecture.
    const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', '-oDir::State::Lists=/tmp/tenth-apt-amd64'];
    try {
      mkdirSync('/tmp/tenth-apt-amd64/partial', { recursive: true });
      sh('apt-get', [...o, 'update'], { stdio: ['ignore', 'ignore', 'pipe'] });
      sh('apt-get', [...o, 'download', ...DEBS], { cwd: dst, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      log(`warning: apt-get download failed (${String(e.message).split('\n')[0]}): run.sh will rely on the GPU machine's own Vulkan loader`);
    }
  }
  log(`debs: ${readdirSync(dst).filter((f) => f.endsWith('.deb')).length} of ${DEBS.length} downloaded`);
}

function sizes(dir) {
  const rows = [];
  const walk = (d) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else rows.push({ path: relative(dir, p), bytes: statSync(p).size, sha256: createHash('sha256').update(readFileSync(p)).digest('hex') });
    }
  };
  walk(dir);
  return rows;
}

/** node.xz: compressing 100 MB takes minutes here, so an unchanged binary is reused. */
function packNode(tmp) {
  const node = realpathSync(process.execPath);
  const id = `${createHash('sha256').update(readFileSync(node)).digest('hex')} ${process.version}\n`;
  const old = join(OUT, 'node.xz');
  if (existsSync(old) && existsSync(join(OUT, 'node.sha256')) && readFileSync(join(OUT, 'node.sha256'), 'utf8') === id) {
    copyFileSync(old, join(tmp, 'node.xz'));
    log(`node ${process.version}: reused ${old}`);
  } else {
    log(`node ${process.version} from ${node}: compressing (xz -6, a few minutes on 2 cores)`);
    writeFileSync(join(tmp, 'node.xz'), sh('xz', ['-6', '-T0', '-c', node], { maxBuffer: 1 << 30 }));
  }
  writeFileSync(join(tmp, 'node.sha256'), id);
}

async function main() {
  for (const t of ['xz', 'tar', 'git']) {
    try {
      sh('sh', ['-c', `command -v ${t}`]);
    } catch {
      die(`'${t}' not found`);
    }
  }
  if (!existsSync(MODELS)) die(`model folder not found: ${MODELS} (--models DIR)`);
  const tmp = `${OUT}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const stage = join(tmp, 'payload');
  mkdirSync(stage, { recursive: true });
  packNode(tmp);
  await bundle(stage, sources(tmp));
  rmSync(join(tmp, 'src'), { recursive: true, force: true });
  const names = copyModels(stage);
  log(`models: ${names.join(', ')}`);
  copyCompat(stage);
  log('compressing the payload (xz -6)');
  sh('tar', ['-C', stage, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cf', join(tmp, 'payload.tar'), '.']);
  sh('xz', ['-6', '-T0', join(tmp, 'payload.tar')]);
  rmSync(stage, { recursive: true });
  debs(join(tmp, 'debs'));
  if (opt.rev === undefined) copyFileSync(join(HERE, 'run.sh'), join(tmp, 'run.sh'));
  else writeFileSync(join(tmp, 'run.sh'), sh('git', ['show', `${opt.rev}:test/bench/gpu/run.sh`], { cwd: REPO }));
  const commit = sh('git', ['rev-parse', '--verify', `${opt.rev ?? 'HEAD'}^{commit}`], { cwd: REPO }).toString().trim();
  const dirty = opt.rev === undefined && sh('git', ['status', '--porcelain', '--', 'src', 'ir', 'passes', 'test/bench'], { cwd: REPO }).toString().trim() !== '';
  const files = sizes(tmp);
  const total = files.reduce((s, f) => s + f.bytes, 0);
  writeFileSync(join(tmp, 'MANIFEST.txt'), [
    `tenth GPU bench pack, made ${new Date().toISOString()} from commit ${commit}${dirty ? ' with uncommitted changes in src/ir/passes/test/bench' : ''}`,
    `node ${process.version}; models: ${names.join(', ')}; total ${mib(total)} of ${mib(LIMIT)}`,
    'run there: bash .gpu/run.sh (results in $OUT; see test/bench/gpu/run.sh)',
    '',
    ...files.map((f) => `${f.sha256}  ${String(f.bytes).padStart(10)}  ${f.path}`),
  ].join('\n') + '\n');
  if (total > LIMIT - 64 * 1024) die(`${mib(total)} is over the carry limit (${mib(LIMIT)}): ${files.map((f) => `${f.path} ${mib(f.bytes)}`).join(', ')}`);
  rmSync(OUT, { recursive: true, force: true });
  renameSync(tmp, OUT);
  excludeFromGit();
  for (const f of files) log(`  ${mib(f.bytes).padStart(9)}  ${f.path}`);
  log(`${relative(process.cwd(), OUT) || OUT}: ${mib(total)} (limit ${mib(LIMIT)}); commit ${commit.slice(0, 10)}${dirty ? ' + uncommitted changes' : ''}`);
}

await main();
