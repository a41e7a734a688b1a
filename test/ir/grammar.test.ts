// ir/grammar.ts embeds ir/grammar.ohm so that the compiled library needs no .ohm file at run time.
// This test keeps the two equal; `BLESS=1 npx vitest run test/ir/grammar.test.ts` rewrites the copy.
// It reads both files as text (no import), so it still works when the stale copy breaks the parser.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const IR = join(dirname(fileURLToPath(import.meta.url)), '../../ir');
const OPEN = 'String.raw`';

describe('grammar', () => {
  it('ir/grammar.ts embeds exactly ir/grammar.ohm', () => {
    const source = readFileSync(join(IR, 'grammar.ohm'), 'utf8');
    const ts = readFileSync(join(IR, 'grammar.ts'), 'utf8');
    const start = ts.indexOf(OPEN) + OPEN.length;
    const end = ts.indexOf('`;', start);
    expect(source).not.toMatch(/`|\$\{/); // would end or interpolate the template literal
    if (process.env['BLESS'] === '1') writeFileSync(join(IR, 'grammar.ts'), ts.slice(0, start) + source + ts.slice(end));
    else expect(ts.slice(start, end)).toBe(source);
  });
});
