import { describe, expect, it } from 'vitest';
import { batchSymbol } from '../../src/report/backend.js';

// --batch-dim names a dim the user binds: an input dim, never a derived one such as min(seq,128),
// which follows from seq (tiny_bert's manifest lists both).
describe('batchSymbol', () => {
  const manifest = {
    symbols: ['batch', 'seq', 'min(seq,128)'],
    derived: { 'min(seq,128)': { op: 'min' } },
    inputs: [{ shape: ['batch', 'seq'] as (string | number)[] }],
  } as unknown as Parameters<typeof batchSymbol>[0];

  it('accepts input dims and defaults to the first input\'s leading symbolic dim', () => {
    expect(batchSymbol(manifest, 'seq')).toBe('seq');
    expect(batchSymbol(manifest)).toBe('batch');
  });

  it('refuses a derived dim and lists only the bindable ones', () => {
    expect(() => batchSymbol(manifest, 'min(seq,128)')).toThrow(/E108.*no symbolic input dim of that name \(it has: batch, seq\)$/s);
  });
});
