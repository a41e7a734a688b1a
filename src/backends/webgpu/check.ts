// What the WebGPU backend accepts, checked before lowering: every op has a kernel and a dtype
// that lives in 32-bit words, and every dim is a number or a symbol the runtime can bind from
// the input shapes. Order: E205 for an input dim without a size or name (naming the input), E201
// listing all unsupported ops at once, E205 for ops whose output size depends on input values
// (NonZero, ...), then E205 for other dims known only from values.

import { DATA_SIZED_WHY, uncounted } from '../data-dims.js';
import { checkInputDims, symbolsOf, UNKNOWN_DIM_HINT } from '../dims.js';
import { fail } from '../../../ir/diagnostics.js';
import type { Func, Module, Op } from '../../../ir/ir.js';
import { formatLoc } from '../../../ir/location.js';
import { CONTROL_OPS, controlProblem } from './control-flow.js';
import { dynamicDims } from './dynamic-dims.js';
import { kernelFor } from './kernels/index.js';
import { GPU_ESIZE } from './wgsl.js';

const STRUCTURAL = new Set(['const', 'return', 'yield', 'fused']);

export function checkSupported(func: Func, module: Module): void {
  checkInputDims(func, 'webgpu');
  const missing = new Map<string, string[]>();
  const dataSized = new Map<string, string[]>();
  // Reported after the ops without a kernel: an op such as NonZero leaves unknown dims behind it,
  // and its missing kernel is the real reason.
  let shapeError: (() => never) | undefined;
  // If, loop and scan (control-flow.ts): what they cannot lower, with the reason, before the generic dim check.
  let controlError: (() => never) | undefined;
  const walk = (ops: readonly Op[]): void => {
    for (const op of ops) {
      op.regions.forEach((r) => walk(r.ops));
      if (CONTROL_OPS.has(op.name)) controlError ??= controlProblem(op, module, func);
      // Counted at run time where sizeDataDims gave the results a symbol; not inside a body.
      if (uncounted(op)) {
        dataSized.set(op.name, [...(dataSized.get(op.name) ?? []), formatLoc(op.loc)]);
        continue;
      }
      for (const v of [...op.results, ...op.operands]) {
        const s = v?.type.shape;
        if (v && !shapeError && (s === null || s === undefined || s.includes('?'))) {
          const [name, loc] = [op.name, op.loc];
          shapeError = () => fail('E205', `the webgpu backend needs ranked shapes without unknown dims: %${v.name} of ${name}`, loc, [UNKNOWN_DIM_HINT]);
        }
      }
      if (STRUCTURAL.has(op.name)) continue;
      const dtypeOk = [...op.results, ...op.operands].every((v) => !v || GPU_ESIZE[v.type.dtype] !== undefined);
      // The spatial kernels read NCHW activations and OIHW weights only (select-layout may pick
      // others). A number is ONNX's own layout attribute (RNN/GRU/LSTM batch-major), which the kernels read.
      const layoutOk = ['layout', 'out_layout', 'weight_layout'].every((a) => {
        const v = op.attrs.get(a)?.value;
        return v === undefined || typeof v === 'number' || v === 'nchw' || v === 'oihw';
      });
      if (!CONTROL_OPS.has(op.name) && (op.regions.length > 0 || !kernelFor(op)) || !dtypeOk || !layoutOk) {
        const key = !dtypeOk ? `${op.name} (dtype)` : !layoutOk ? `${op.name} (layout)` : op.name;
        const list = missing.get(key) ?? [];
        list.push(formatLoc(op.loc));
        missing.set(key, list);
      }
    }
  };
  walk(func.body.ops);
  for (const v of [...func.body.args, ...func.body.terminator!.operands]) {
    if (v && GPU_ESIZE[v.type.dtype] === undefined) {
      const list = missing.get(`${v.type.dtype} (dtype)`) ?? [];
      list.push(`%${v.name}`);
      missing.set(`${v.type.dtype} (dtype)`, list);
    }
  }
  if (missing.size > 0) {
    const names = [...missing.keys()].sort();
    fail('E201', `the webgpu backend does not support: ${names.join(', ')}`, undefined,
      names.map((n) => `${n}: ${missing.get(n)!.slice(0, 5).join('; ')}${missing.get(n)!.length > 5 ? ` (+${missing.get(n)!.length - 5} more)` : ''}`));
  }
  // E205 (dims known only at run time), as the conformance runner files it; wasm lists them with E201.
  if (dataSized.size > 0) {
    const names = [...dataSized.keys()].sort();
    fail('E205', `the webgpu backend cannot size the results of: ${names.map((n) => `${n} (${DATA_SIZED_WHY})`).join(', ')}`, undefined,
      names.map((n) => `${n}: ${dataSized.get(n)!.slice(0, 5).join('; ')}`));
  }
  controlError?.();
  shapeError?.();
  // Symbols are bound from the input dims at run time, or evaluated from expressions over them and
  // over the data of small integer inputs (dynamic-dims.ts); any other dim that depends on a
  // tensor's values (a computed shape) has no value the runtime could bind.
  const { unbound } = dynamicDims(func, symbolsOf(func));
  if (unbound.length > 0) {
    fail('E205', `the webgpu backend needs dims known from the input shapes; ${unbound.length} depend on tensor values: ${unbound.slice(0, 2).join(', ')}`, undefined,
      ['fold the shape computation to constants, or make the shape an input dim']);
  }
}

