// Runs a compiled tenth model in the browser: loads the model folder over HTTP with the runtime,
// feeds it the test inputs of a data folder (input_K.pb), shows outputs and timing, and compares
// with output_K.pb when the folder has them. The result is also left in window.__result for tests.
//
// Query parameters (URLs relative to this page):
//   model=URL    compiled folder (manifest.json, model.wasm, weights.bin)      default: wasm/
//   data=URL     folder with input_K.pb (K = position in manifest.inputs)       default: test_data_set_0/
//   backend=NAME one of BACKENDS below                                          default: wasm
//   runs=N       timed runs after the first                                     default: 10
//   simd=auto|simd|relaxed  wasm module variant                                 default: auto

import { decodeTensorProto } from './tensor-proto.js';

const TOL = { rtol: 1e-3, atol: 1e-5 };

// A backend loads a model folder URL and returns { manifest, run(feeds) -> Promise<outputs> }:
// the runtime's CompiledModel for wasm (tenth compile --target wasm), CompiledWebGpuModel for
// webgpu (--target webgpu; needs navigator.gpu).
const BACKENDS = {
  async wasm(url, params) {
    const { loadCompiled } = await import('tenth');
    return loadCompiled(url, { simd: params.get('simd') ?? 'auto' });
  },
  async webgpu(url) {
    if (!('gpu' in navigator)) {
      throw new Error('this browser has no WebGPU (navigator.gpu): Chromium on Linux needs --enable-unsafe-webgpu (and --use-webgpu-adapter=swiftshader without a GPU)');
    }
    const { loadCompiledWebGpu } = await import('tenth/runtime/webgpu.js');
    return loadCompiledWebGpu(url);
  },
};

const $ = (id) => document.getElementById(id);
const log = (text) => { $('log').textContent += `${text}\n`; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dirUrl = (s) => new URL(s.endsWith('/') ? s : `${s}/`, location.href);

async function fetchBytes(url, optional = false) {
  const res = await fetch(url);
  if (optional && res.status === 404) return null;
  if (!res.ok) throw new Error(`cannot fetch ${url} (${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Largest |got - want| and whether every element is within TOL (NaN matches NaN). */
function compare(got, want) {
  if (got.dims.join() !== want.dims.join()) return { ok: false, maxAbs: Infinity, reason: `dims [${got.dims}] vs [${want.dims}]` };
  let maxAbs = 0, bad = 0;
  for (let i = 0; i < want.data.length; i++) {
    const g = Number(got.data[i]), w = Number(want.data[i]);
    if (Number.isNaN(g) && Number.isNaN(w)) continue;
    const d = Math.abs(g - w);
    if (!(d <= TOL.atol + TOL.rtol * Math.abs(w))) bad++;
    if (Number.isFinite(d)) maxAbs = Math.max(maxAbs, d);
  }
  return { ok: bad === 0, maxAbs, reason: bad ? `${bad} of ${want.data.length} elements outside tolerance` : '' };
}

function showOutputs(outputs, checks) {
  const rows = Object.entries(outputs).map(([name, t]) => {
    const head = Array.from(t.data.slice(0, 6), (v) => Number(v).toPrecision(5)).join(', ');
    const c = checks[name];
    const check = c ? `${c.ok ? 'PASS' : 'FAIL'} max abs err ${c.maxAbs.toExponential(2)}${c.reason ? ` (${c.reason})` : ''}` : 'no expected output';
    return `<tr><td>${name}</td><td>[${t.dims.join(', ')}]</td><td>${head}${t.data.length > 6 ? ', ...' : ''}</td><td>${check}</td></tr>`;
  });
  $('outputs').innerHTML = `<tr><th>output</th><th>dims</th><th>values</th><th>check</th></tr>${rows.join('')}`;
}

async function main() {
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend') ?? 'wasm';
  const modelUrl = dirUrl(params.get('model') ?? 'wasm/');
  const dataUrl = dirUrl(params.get('data') ?? 'test_data_set_0/');
  const runs = Math.max(1, Number(params.get('runs') ?? 10));
  const load = BACKENDS[backend];
  if (!load) throw new Error(`unknown backend '${backend}' (known: ${Object.keys(BACKENDS).join(', ')})`);
  log(`backend ${backend}, model ${modelUrl}, data ${dataUrl}`);

  const t0 = performance.now();
  const model = await load(modelUrl.href, params);
  const loadMs = performance.now() - t0;
  const { manifest } = model;
  log(`loaded ${manifest.name} in ${loadMs.toFixed(1)} ms`);

  const feeds = {};
  await Promise.all(manifest.inputs.map(async (inp, k) => {
    const t = decodeTensorProto(await fetchBytes(new URL(`input_${k}.pb`, dataUrl)));
    feeds[inp.name] = { data: t.data, dims: t.dims };
  }));
  const expected = await Promise.all(manifest.outputs.map(async (_o, k) => {
    const bytes = await fetchBytes(new URL(`output_${k}.pb`, dataUrl), true);
    return bytes && decodeTensorProto(bytes);
  }));

  let t = performance.now();
  const outputs = await model.run(feeds);
  const firstRunMs = performance.now() - t;
  // Browsers coarsen performance.now() (to 0.1 ms without cross-origin isolation): the mean over
  // all runs resolves small models that a single run's median rounds to 0.
  const times = [];
  const tAll = performance.now();
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await model.run(feeds);
    times.push(performance.now() - t);
  }
  const timing = { loadMs, firstRunMs, meanMs: (performance.now() - tAll) / runs, medianMs: median(times), runs };
  log(`first run ${firstRunMs.toFixed(2)} ms; ${runs} runs: mean ${timing.meanMs.toFixed(3)} ms, median ${timing.medianMs.toFixed(3)} ms`);

  const checks = {};
  manifest.outputs.forEach((o, k) => {
    if (expected[k]) checks[o.name] = compare(outputs[o.name], expected[k]);
  });
  showOutputs(outputs, checks);
  const plain = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { dims: v.dims, data: Array.from(v.data, Number) }]));
  return { backend, model: manifest.name, outputs: plain, checks, timing };
}

/** The first line of an error's message: what a reader of the page needs (the stack goes to the console). */
const oneLine = (e) => String(e?.message ?? e).split('\n')[0].replace(/^tenth runtime: /, '');

main().then(
  (result) => { window.__result = result; $('status').textContent = 'done'; },
  (e) => {
    console.error(e);
    const message = oneLine(e);
    window.__result = { error: message };
    $('status').textContent = 'failed';
    log(`error: ${message}`);
  },
);
