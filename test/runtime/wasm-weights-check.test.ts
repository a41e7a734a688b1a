// The WASM runtime refuses a damaged folder at load, naming the file: a truncated weights.bin
// (was: loaded, ran and answered garbage with exit 0) and a manifest.json that is not JSON (was:
// "Unterminated string in JSON", an internal error in the CLI).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCompiled } from '../../src/runtime/index.js';
import { runCli, SHARED } from '../cli/helpers.js';

const MLP = join(SHARED, 'models/mlp_digits');
const tmp = mkdtempSync(join(tmpdir(), 'tenth-wasm-weights-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('wasm runtime: damaged folders are refused at load', () => {
  it('a truncated weights.bin names both sizes (runtime and CLI: E102 damaged file, exit 2); the intact folder still checks', async () => {
    const dir = join(tmp, 'mlp');
    expect((await runCli(['compile', join(MLP, 'model.onnx'), '--target', 'wasm', '--out', dir, '--quiet'])).code).toBe(0);
    const full = readFileSync(join(dir, 'weights.bin'));
    expect((await runCli(['run', dir, '--data', join(MLP, 'test_data_set_0'), '--check'])).code).toBe(0);
    writeFileSync(join(dir, 'weights.bin'), full.subarray(0, 1000));
    await expect(loadCompiled(dir)).rejects.toThrow(new RegExp(`^tenth runtime: weights\\.bin of .* has 1000 bytes, its manifest says ${full.length}: the folder is damaged`));
    const r = await runCli(['run', dir, '--data', join(MLP, 'test_data_set_0')]);
    expect(r.err).toMatch(/^error E102: cannot load .* on WASM: weights\.bin of .* has 1000 bytes/);
    expect(r.code).toBe(2);
    writeFileSync(join(dir, 'manifest.json'), '{"format": "tenth-wa');
    await expect(loadCompiled(dir)).rejects.toThrow(/^tenth runtime: .*\/mlp\/manifest\.json is not valid JSON \(.*\): the folder is damaged/);
  }, 30_000);
});
