// The runtime's arena planner: buffers live at the same step never overlap, offsets are aligned,
// the arena holds every buffer; symbols are sized from the binding. And the runtime imports
// nothing of the compiler (it ships alone to browsers).

import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferBytes, planArena, type PlanBuffer } from '../../src/runtime/plan.js';

const arbBuffers = fc.array(fc.record({
  shape: fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom('batch', 'seq')), { maxLength: 3 }),
  esize: fc.constantFrom(1, 4, 8),
  kind: fc.constantFrom('temp', 'temp', 'input', 'output', 'weight'),
  first: fc.integer({ min: 0, max: 10 }),
  len: fc.integer({ min: 0, max: 5 }),
}).map((b): PlanBuffer => ({ shape: b.shape, esize: b.esize, kind: b.kind, first: b.first, last: b.first + b.len })), { maxLength: 40 });

describe('runtime arena planner', () => {
  it('no two simultaneously live buffers overlap; offsets aligned; arena covers all', () => {
    fc.assert(fc.property(arbBuffers, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(4, 16, 64), (bufs, batch, seq, align) => {
      const bind = { batch, seq };
      const plan = planArena(bufs, bind, align);
      bufs.forEach((b, i) => {
        if (b.kind === 'weight') { expect(plan.offsets[i]).toBe(-1); return; }
        const off = plan.offsets[i]!;
        expect(off % align).toBe(0);
        expect(off + bufferBytes(b, bind)).toBeLessThanOrEqual(plan.bytes);
        bufs.forEach((c, j) => {
          if (j <= i || c.kind === 'weight') return;
          const timeOverlap = b.first! <= c.last! && c.first! <= b.last!;
          const sa = bufferBytes(b, bind), sb = bufferBytes(c, bind);
          const memOverlap = off < plan.offsets[j]! + sb && plan.offsets[j]! < off + sa;
          if (timeOverlap && sa > 0 && sb > 0) expect(memOverlap, `buffers ${i} and ${j}`).toBe(false);
        });
      });
    }));
  });

  it('sizes symbols from the binding and reuses memory of dead buffers', () => {
    const bufs: PlanBuffer[] = [
      { shape: ['batch', 8], esize: 4, kind: 'input', first: 0, last: 0 },
      { shape: ['batch', 8], esize: 4, kind: 'temp', first: 0, last: 1 },
      { shape: ['batch', 8], esize: 4, kind: 'output', first: 1, last: 2 },
    ];
    expect(bufferBytes(bufs[0]!, { batch: 3 })).toBe(96);
    const p = planArena(bufs, { batch: 3 }, 16);
    expect(p.bytes).toBe(192);
    expect(p.offsets[2]).toBe(p.offsets[0]);
    expect(() => bufferBytes(bufs[0]!, {})).toThrow(/symbol 'batch' is not bound/);
  });

  it('imports nothing of the compiler', () => {
    const dir = join(process.cwd(), 'src/runtime');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
      // Node-only adapters (*-node.ts, never imported by index.ts) may load the Dawn bindings.
      const platform = f.endsWith('-node.ts') ? ['webgpu'] : [];
      for (const i of imports) expect(i.startsWith('./') || i.startsWith('node:') || platform.includes(i), `${f} imports ${i}`).toBe(true);
    }
  });
});
