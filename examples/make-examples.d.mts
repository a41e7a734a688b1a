// Types for make-examples.mjs (a plain script so `npm run demo` runs it without a build step of its own).
export interface ExampleLib {
  buildModel: (spec: never) => Uint8Array;
  encodeTensorProto: (name: string, t: never) => Uint8Array;
  tensorFrom: (dtype: never, shape: readonly number[], values: ArrayLike<number>) => unknown;
}
/** Writes DIR/model.onnx and DIR/test_data_set_0 for the example MLP; returns its parameter count. */
export function makeMlp(dir: string, lib: ExampleLib): { params: number };
/** Writes DIR/model.onnx and DIR/test_data_set_0 for the example CNN; returns its parameter count. */
export function makeCnn(dir: string, lib: ExampleLib): { params: number };
