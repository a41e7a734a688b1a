// The WAT emitter: owns a function's locals, its prologue (loads of buffer pointers and symbolic
// dims, hoisted out of every loop) and indentation. Kernels only call its methods and the
// expression helpers below, so printed modules are deterministic and stably named.

export type WasmType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

/** Folded-expression helpers. Constants fold so that static shapes print as plain numbers. */
const constOf = (e: string): number | undefined => {
  const m = /^\(i32\.const (-?\d+)\)$/.exec(e);
  return m ? Number(m[1]) : undefined;
};
export const i32 = (n: number): string => `(i32.const ${n | 0})`;
export const get = (l: string): string => `(local.get ${l})`;
export function add(a: string, b: string): string {
  const x = constOf(a), y = constOf(b);
  if (x !== undefined && y !== undefined) return i32(x + y);
  if (x === 0) return b;
  if (y === 0) return a;
  return `(i32.add ${a} ${b})`;
}
export function mul(a: string, b: string): string {
  const x = constOf(a), y = constOf(b);
  if (x !== undefined && y !== undefined) return i32(x * y);
  if (x === 1) return b;
  if (y === 1) return a;
  if (x === 0 || y === 0) return i32(0);
  return `(i32.mul ${a} ${b})`;
}
export const sub = (a: string, b: string): string => {
  const x = constOf(a), y = constOf(b);
  if (x !== undefined && y !== undefined) return i32(x - y);
  if (y === 0) return a;
  return `(i32.sub ${a} ${b})`;
};
/** Byte address of element `idx` of a buffer at `ptr` with `esize`-byte elements. */
export const addr = (ptr: string, idx: string, esize: number): string => add(ptr, mul(idx, i32(esize)));
export const isConst = (e: string): boolean => constOf(e) !== undefined;
export const constValue = constOf;
export const f32c = (x: number): string => `(f32.const ${fmtF32(x)})`;
export const splat = (x: number): string => `(f32x4.splat ${f32c(x)})`;

/** Exact, deterministic text for an f32 constant (hex float for non-integers). */
export function fmtF32(x: number): string {
  const v = Math.fround(x);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 24) return Object.is(v, -0) ? '-0' : String(v);
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, v);
  const bits = buf.getUint32(0);
  const sign = bits >>> 31 ? '-' : '';
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  const mant = (frac << 1).toString(16).padStart(6, '0');
  return exp === 0 ? `${sign}0x0.${mant}p-126` : `${sign}0x1.${mant}p${exp - 127}`;
}

export class FuncEmitter {
  private readonly body: string[] = [];
  private readonly prologue: string[] = [];
  private readonly locals: [string, WasmType][] = [];
  private readonly named = new Map<string, string>();
  private depth = 2;
  private counter = 0;
  private labels = 0;

  constructor(readonly name: string) {}

  /** A fresh local. */
  local(hint: string, type: WasmType): string {
    const n = `$${hint}_${this.counter++}`;
    this.locals.push([n, type]);
    return n;
  }

  /** A local computed once in the prologue (pointers, symbolic dims), shared by key. */
  hoisted(key: string, hint: string, type: WasmType, init: string): string {
    const known = this.named.get(key);
    if (known) return get(known);
    const n = `$${hint}`;
    this.locals.push([n, type]);
    this.named.set(key, n);
    this.prologue.push(`    (local.set ${n} ${init})`);
    return get(n);
  }

  line(text: string): void {
    this.body.push('  '.repeat(this.depth) + text);
  }
  comment(text: string): void {
    this.line(`;; ${text}`);
  }
  set(l: string, e: string): void {
    this.line(`(local.set ${l} ${e})`);
  }

  /** `for (i = start; i + step <= end; i += step)`; end must not change inside the loop. */
  forRange(i: string, start: string, end: string, step: number, body: () => void): void {
    const k = this.labels++;
    const endL = isConst(end) ? end : (() => { const l = this.local('end', 'i32'); this.set(l, end); return get(l); })();
    if (start !== get(i)) this.set(i, start);
    this.line(`(block $exit${k} (loop $next${k}`);
    this.depth++;
    this.line(`(br_if $exit${k} (i32.gt_s ${add(get(i), i32(step))} ${endL}))`);
    body();
    this.set(i, add(get(i), i32(step)));
    this.line(`(br $next${k})`);
    this.depth--;
    this.line('))');
  }

  /** for i in [0, n). */
  loop(hint: string, n: string, body: (i: string) => void): string {
    const i = this.local(hint, 'i32');
    this.forRange(i, i32(0), n, 1, () => body(get(i)));
    return i;
  }

  /** Vector loop over [0, n) in steps of 4, then a scalar tail; the callbacks get the index. */
  vecLoop(n: string, vec: (i: string) => void, scalar: (i: string) => void): void {
    const i = this.local('i', 'i32');
    this.forRange(i, i32(0), n, 4, () => vec(get(i)));
    this.forRange(i, get(i), n, 1, () => scalar(get(i)));
  }

  when(cond: string, body: () => void): void {
    this.line(`(if ${cond} (then`);
    this.depth++;
    body();
    this.depth--;
    this.line('))');
  }

  finish(): string {
    const decl = this.locals.map(([n, t]) => `    (local ${n} ${t})`);
    return [`  (func ${this.name}`, ...decl, ...this.prologue, ...this.body, '  )'].join('\n');
  }
}
