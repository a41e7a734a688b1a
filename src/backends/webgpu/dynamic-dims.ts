// Dims known only at run time, as in the WASM backend (src/backends/wasm/lower.ts): a symbol that
// no input dim binds may still be an expression (ir/symbolic.ts) over input-dim symbols and data
// symbols (`%x[i]`, elements of small integer graph inputs). The manifest carries those trees
// (`derived`), where each data symbol is read (`dataSymbols`) and the conditions the shape rules
// assumed (`checks`); the runtime evaluates them with src/runtime/dims.ts before each binding and
// fills the uniform slots and workgroup counts from the result.

import { runtimeChecks } from '../dims.js';
import type { Func } from '../../../ir/ir.js';
import { isDataSymbolDType, MAX_DATA_SYMBOLS } from '../../../ir/shape-value.js';
import { dataSymbol, dimExpr, symbolsOf as exprSymbols, type Expr } from '../../../ir/symbolic.js';

export interface DynamicDims {
  readonly derived?: Record<string, Expr>;
  readonly dataSymbols?: Record<string, { input: string; index: number }>;
  readonly checks?: { dim: string; what: string }[];
}

interface DimSources {
  /** Plain symbols bound from input dims. */
  readonly bound: Set<string>;
  /** Data symbols: `%x[i]` -> [input index, element]. */
  readonly data: Map<string, [number, number]>;
}

function dimSources(func: Func): DimSources {
  const s: DimSources = { bound: new Set(), data: new Map() };
  func.body.args.forEach((a, i) => {
    (a.type.shape ?? []).forEach((d) => { if (typeof d === 'string') s.bound.add(d); });
    const n = a.type.shape?.length === 0 ? 1 : a.type.shape?.length === 1 ? a.type.shape[0] : undefined;
    if (typeof n === 'number' && n <= MAX_DATA_SYMBOLS && isDataSymbolDType(a.type.dtype)) {
      const float = a.type.dtype === 'f32' || a.type.dtype === 'f64';
      for (let k = 0; k < n; k++) s.data.set(dataSymbol(a.name, k, float), [i, k]);
    }
  });
  return s;
}


/**
 * The manifest's dynamic part for these symbols, or the symbols the runtime could not evaluate
 * (an expression over something that is neither an input dim nor a data symbol).
 */
export function dynamicDims(func: Func, symbols: readonly string[]): { dims: DynamicDims; unbound: string[] } {
  const src = dimSources(func);
  const checks = runtimeChecks(func);
  const derived: Record<string, Expr> = {};
  const dataSymbols: Record<string, { input: string; index: number }> = {};
  const unbound: string[] = [];
  const sym = new Set(symbols);
  for (const d of [...symbols, ...checks.map((c) => c.dim)]) {
    if (src.bound.has(d) || derived[d]) continue;
    const e = dimExpr(d);
    const prims = e ? exprSymbols(e) : [d];
    // A check the runtime cannot evaluate only comes with symbols it cannot evaluate either.
    if (!e || prims.some((x) => !src.bound.has(x) && !src.data.has(x))) { if (sym.has(d)) unbound.push(d); continue; }
    derived[d] = e;
    for (const x of prims) {
      const at = src.data.get(x);
      if (at && !src.bound.has(x)) dataSymbols[x] = { input: func.body.args[at[0]]!.name, index: at[1] };
    }
  }
  const dims: DynamicDims = Object.keys(derived).length === 0 ? {} : {
    derived,
    ...(Object.keys(dataSymbols).length > 0 ? { dataSymbols } : {}),
    ...(checks.length > 0 ? { checks: checks.filter((c) => derived[c.dim]) } : {}),
  };
  return { dims, unbound };
}
