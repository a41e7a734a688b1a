// `npm run bench -- --target wasm --threads N`: the latency table gets a threads column and says
// how many threads both sides ran on; with 1 thread it is the table it always was.

import { describe, expect, it } from 'vitest';
import { formatModelLatency, latencyMark, type ModelLatency } from '../bench/wasm-models.js';

const row = (threads?: number): ModelLatency => ({
  model: 'mobilenet_v2', ...(threads ? { threads } : {}), bindings: '', runs: 40, tenthMs: 12.5, ortMs: 20.25,
  mark: latencyMark(12.5, 20.25), tenthCheck: { pass: true, maxAbs: 3.5e-6 }, ortCheck: { pass: true, maxAbs: 3.4e-6 },
});

describe('bench latency table with threads', () => {
  it('has a threads column and names the thread count when a row ran on more than one', () => {
    const lines = formatModelLatency([row(2)]).split('\n');
    expect(lines[0]).toContain('(2 threads, SIMD)');
    expect(lines[3]).toMatch(/^model\s+threads\s+inputs\s+runs/);
    expect(lines[5]).toMatch(/^mobilenet_v2\s+2\s+static\s+40\s+12\.5\s+20\.3\s+0\.62 PASS/);
  });

  it('is unchanged for one thread', () => {
    const lines = formatModelLatency([row()]).split('\n');
    expect(lines[0]).toContain('(1 thread, SIMD)');
    expect(lines[3]).toMatch(/^model\s+inputs\s+runs/);
  });
});
