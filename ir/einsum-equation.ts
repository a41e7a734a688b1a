// Einsum equations: one parser for the interpreter, the passes and both backends, so every layer
// reads an equation the same way (ellipsis alignment, implicit output, label rules).

export interface EinsumLabels { readonly inputs: string[][]; readonly output: string[] }

/**
 * Labels per operand and of the output. Ellipsis dims become labels '.0', '.1', ...,
 * right-aligned across operands (they broadcast together); without '->' the output is the
 * ellipsis dims followed by the labels seen once, sorted. `bad` is called with the reason for an
 * equation the op rejects.
 */
export function parseEinsum(eq: string, ranks: readonly number[], bad: (m: string) => never): EinsumLabels {
  const s = eq.replace(/\s+/g, '');
  const [lhs, rhs, extra] = s.split('->');
  if (extra !== undefined) bad(`more than one '->' in '${eq}'`);
  const terms = lhs!.split(',');
  if (terms.length !== ranks.length) bad(`equation '${eq}' has ${terms.length} operands, the op has ${ranks.length}`);
  const named = (t: string): number => t.replace('...', '').length;
  const ell = Math.max(0, ...terms.map((t, i) => (t.includes('...') ? ranks[i]! - named(t) : 0)));
  const split = (term: string, rank: number | undefined): string[] => {
    const parts = term.split('...');
    if (parts.length > 2) bad(`more than one ellipsis in '${term}'`);
    const letters = (t: string): string[] => {
      for (const ch of t) if (!/[A-Za-z]/.test(ch)) bad(`invalid label '${ch}' in '${eq}'`);
      return [...t];
    };
    if (parts.length === 1) return letters(term);
    const n = rank === undefined ? ell : rank - named(term);
    if (n < 0) bad(`term '${term}' has more labels than rank ${rank}`);
    return [...letters(parts[0]!), ...Array.from({ length: n }, (_, i) => `.${ell - n + i}`), ...letters(parts[1]!)];
  };
  const inputs = terms.map((t, i) => split(t, ranks[i]));
  inputs.forEach((l, i) => { if (l.length !== ranks[i]) bad(`term '${terms[i]}' does not match rank ${ranks[i]}`); });
  if (rhs !== undefined) return { inputs, output: split(rhs, undefined) };
  const count = new Map<string, number>();
  for (const l of inputs.flat()) count.set(l, (count.get(l) ?? 0) + 1);
  const once = [...count.keys()].filter((l) => !l.startsWith('.') && count.get(l) === 1).sort();
  return { inputs, output: [...Array.from({ length: ell }, (_, i) => `.${i}`), ...once] };
}
