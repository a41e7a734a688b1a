// IR modules shared by the wasm and webgpu control-flow tests (scan, if, loop, nested). Each
// backend's test keeps its own runner, inputs and assertions; only the module texts live here so
// that both backends are checked against the interpreter on the very same programs.

const ty = (s: readonly (number | string)[], dt = 'f32'): string => `${dt}[${s.join(',')}]`;

/**
 * Scan with two scan inputs (axes and directions given), an outer value read by the body, and two
 * scan outputs (axes and directions given). State [B]; scan inputs [L,B] (axis 0) or [B,L] (axis 1).
 */
export function scanModule(L: number | string, B: number, inAx: number[], inDir: number[], outAx: number[], outDir: number[]): string {
  const sh = (ax: number): (number | string)[] => (ax === 0 ? [L, B] : [B, L]);
  return `module @m {
  func @main(%s0: ${ty([B])}, %x: ${ty(sh(inAx[0]!))}, %y: ${ty(sh(inAx[1]!))}, %w: ${ty([B])}) -> (%s: ${ty([B])}, %z: ${ty(sh(outAx[0]!))}, %u: ${ty(sh(outAx[1]!))}) {
    %s, %z, %u = scan(%s0, %x, %y) {num_scan_inputs = 2, scan_input_axes = [${inAx}], scan_input_directions = [${inDir}], scan_output_axes = [${outAx}], scan_output_directions = [${outDir}]} : (${ty([B])}, ${ty(sh(outAx[0]!))}, ${ty(sh(outAx[1]!))}) {
    ^(%si: ${ty([B])}, %xt: ${ty([B])}, %yt: ${ty([B])}):
      %a = mul(%si, %w) : ${ty([B])}
      %b = add(%a, %xt) : ${ty([B])}
      %t = tanh(%b) : ${ty([B])}
      %o = mul(%t, %yt) : ${ty([B])}
      yield %t, %o, %si
    }
    return %s, %z, %u
  }
}`;
}

/** State values that rotate (a state fed from another state argument), a state passed through. Inputs [4],[4],[4],[5,4]. */
export const SCAN_ROTATING_STATE = `module @m {
  func @main(%a0: f32[4], %b0: f32[4], %c0: f32[4], %x: f32[5,4]) -> (%a: f32[4], %b: f32[4], %c: f32[4], %z: f32[5,4]) {
    %a, %b, %c, %z = scan(%a0, %b0, %c0, %x) {num_scan_inputs = 1} : (f32[4], f32[4], f32[4], f32[5,4]) {
    ^(%ai: f32[4], %bi: f32[4], %ci: f32[4], %xt: f32[4]):
      %n = add(%bi, %xt) : f32[4]
      yield %n, %ai, %ci, %ai
    }
    return %a, %b, %c, %z
  }
}`;

/** A matmul recurrence (linear-attention-like state update) in a scan body. Inputs [2,3,3],[6,2,3,1],[6,2,1,3]. */
export const SCAN_MATMUL_RECURRENCE = `module @m {
  func @main(%s0: f32[2,3,3], %k: f32[6,2,3,1], %v: f32[6,2,1,3]) -> (%s: f32[2,3,3], %o: f32[6,2,1,3]) {
    %s, %o = scan(%s0, %k, %v) {num_scan_inputs = 2} : (f32[2,3,3], f32[6,2,1,3]) {
    ^(%si: f32[2,3,3], %kt: f32[2,3,1], %vt: f32[2,1,3]):
      %outer = matmul(%kt, %vt) : f32[2,3,3]
      %so = add(%si, %outer) : f32[2,3,3]
      %r = matmul(%vt, %so) : f32[2,1,3]
      yield %so, %r
    }
    return %s, %o
  }
}`;

/** An if with two results, a constant in the else branch. Inputs bool[], [2,5], [2,5]. */
export const IF_TWO_RESULTS = `module @m {
  func @main(%c: bool[], %x: f32[2,5], %y: f32[2,5]) -> (%r: f32[2,5], %q: f32[5]) {
    %r, %q = if(%c) : (f32[2,5], f32[5]) {
      %a = mul(%x, %y) : f32[2,5]
      %ax = const {value = dense<[0]> : i64[1]} : i64[1]
      %s = reduce_sum(%a, %ax) {keepdims = 0} : f32[5]
      yield %a, %s
    } {
      %k = const {value = dense<[1, 2, 3, 4, 5]> : f32[5]} : f32[5]
      %b = sub(%x, %k) : f32[2,5]
      yield %b, %k
    }
    return %r, %q
  }
}`;

/** Branches that yield values of different shapes (refused with E205 by both backends). */
export const IF_DIFFERENT_SHAPES = `module @m {
  func @main(%c: bool[], %x: f32[3]) -> (%r: f32[?]) {
    %r = if(%c) : f32[?] {
      %d = concat(%x, %x) {axis = 0} : f32[6]
      yield %d
    } {
      yield %x
    }
    return %r
  }
}`;

/** acc += i (broadcast) while sum(acc) < lim; stacks acc per iteration when `rows` is given. */
export function loopModule(B: number, rows: number | null, withMax: boolean): string {
  const outs = rows === null ? `(${ty([B])})` : `(${ty([B])}, ${ty([rows, B])})`;
  const res = rows === null ? '%r' : '%r, %z';
  return `module @m {
  func @main(%n: i64[], %c: bool[], %a0: ${ty([B])}, %lim: f32[]) -> (%r: ${ty([B])}${rows === null ? '' : `, %z: ${ty([rows, B])}`}) {
    ${res} = loop(${withMax ? '%n' : 'none'}, %c, %a0) : ${outs} {
    ^(%i: i64[], %ci: bool[], %a: ${ty([B])}):
      %fi = cast(%i) {to = f32} : f32[]
      %a2 = add(%a, %fi) : ${ty([B])}
      %s = reduce_sum(%a2) {keepdims = 0} : f32[]
      %co = less(%s, %lim) : bool[]
      yield %co, %a2${rows === null ? '' : ', %a2'}
    }
    return ${res}
  }
}`;
}

/** loopModule(3, null, true) with a scan output %z : f32[?,3] whose length is known only at run time (E205). */
export const LOOP_RUN_TIME_SCAN_OUTPUT = loopModule(3, null, true).replace('%r: f32[3])', '%r: f32[3], %z: f32[?,3])')
  .replace('= loop(%n, %c, %a0) : (f32[3])', ', %z = loop(%n, %c, %a0) : (f32[3], f32[?,3])').replace('yield %co, %a2', 'yield %co, %a2, %a2')
  .replace('return %r', 'return %r, %z');

const tripBody = (cond: string, c = '%co'): string => `^(%i: i64[], %ci: bool[], %a: f32[3]):
      %fi = cast(%i) {to = f32} : f32[]
      %a2 = add(%a, %fi) : f32[3]
      ${cond}
      yield ${c}, %a2, %a2
    }`;

/**
 * Loops with a scan output sized from a trip count the body cannot cut short: a constant
 * (inputs [3],[5,3]), an input dim (inputs [3],[T,3]) or input data (inputs i64[], [3]).
 */
export const LOOP_TRIP_COUNT = {
  constant: `module @m {
  func @main(%a0: f32[3], %w: f32[5,3]) -> (%r: f32[3], %y: f32[?,3]) {
    %n = const {value = dense<5> : i64[]} : i64[]
    %r, %z = loop(%n, none, %a0) : (f32[3], f32[?,3]) {
    ${tripBody('%co = const {value = dense<true> : bool[]} : bool[]')}
    %y = mul(%z, %w) : f32[?,3]
    return %r, %y
  }
}`,
  fromDim: `module @m {
  func @main(%a0: f32[3], %w: f32[T,3]) -> (%r: f32[3], %y: f32[?,3]) {
    %sh = shape(%w) {end = 1} : i64[1]
    %n = squeeze(%sh) : i64[]
    %c = const {value = dense<true> : bool[]} : bool[]
    %r, %z = loop(%n, %c, %a0) : (f32[3], f32[?,3]) {
    ${tripBody('%co = identity(%ci) : bool[]')}
    %y = mul(%z, %w) : f32[?,3]
    return %r, %y
  }
}`,
  fromData: `module @m {
  func @main(%n: i64[], %a0: f32[3]) -> (%r: f32[3], %z: f32[?,3]) {
    %r, %z = loop(%n, none, %a0) : (f32[3], f32[?,3]) {
    ${tripBody('', '%ci')}
    return %r, %z
  }
}`,
} as const;

/** A scan inside a loop, an if inside the scan. Inputs i64[], [3], [4,3], bool[]. */
export const NESTED_LOOP_SCAN_IF = `module @m {
  func @main(%n: i64[], %h0: f32[3], %x: f32[4,3], %flag: bool[]) -> (%h: f32[3]) {
    %h = loop(%n, none, %h0) : f32[3] {
    ^(%i: i64[], %ci: bool[], %hi: f32[3]):
      %hs, %ys = scan(%hi, %x) {num_scan_inputs = 1} : (f32[3], f32[4,3]) {
      ^(%s: f32[3], %xt: f32[3]):
        %p = if(%flag) : f32[3] {
          %m = mul(%s, %xt) : f32[3]
          yield %m
        } {
          %d = sub(%s, %xt) : f32[3]
          yield %d
        }
        %t = tanh(%p) : f32[3]
        yield %t, %p
      }
      %ho = add(%hs, %hi) : f32[3]
      yield %ci, %ho
    }
    return %h
  }
}`;
