// Per binding of the symbols (cached by the bound values): the arena plans (plan.ts), the uniform
// words (symbols and buffer offsets), the workgroup counts, and where each output is read back
// from. One arena buffer (grown to the largest plan seen, so no binding leaks a buffer; likewise
// the half arena of a --f16 build) and one uniform buffer (rewritten when the binding changes)
// serve every binding; writes are queued in order with the submits, so a run sees its own binding.

import { bindFeeds, ceilDiv, sizingDims, TenthRuntimeError, type RunTensor } from './common.js';
import { bufferBytes, inHalfArena, planArena, type ArenaPlan } from './plan.js';
import { check32, padded, toArena } from './webgpu-convert.js';
import { checkFits, USAGE, type GBuffer, type WebGpuDevice } from './webgpu-device.js';
import type { CountExpr, GpuBuffer, GpuManifest, GpuTensor } from './webgpu-manifest.js';
import type { GpuResources } from './webgpu-pipelines.js';

/** One output of one binding: where its bytes are, where they go in the read-back buffer, its dims. */
export interface OutputSpan {
  readonly output: GpuTensor;
  readonly buffer: GpuBuffer;
  /** Bytes of its data (a constant output: as it lies in weights.bin, packed 4-bit values whole bytes). */
  readonly bytes: number;
  /** Byte offset in weights.bin (a constant output) or in the arena. */
  readonly offset: number;
  /** Byte offset in the read-back buffer (a multiple of 4). */
  readonly at: number;
  readonly dims: readonly number[];
  readonly count: number;
}

export interface Bound {
  readonly key: string;
  readonly bind: Readonly<Record<string, number>>;
  readonly plan: ArenaPlan;
  readonly half: ArenaPlan;
  readonly words: Uint32Array;
  readonly counts: readonly (readonly [number, number, number])[];
  readonly outputs: readonly OutputSpan[];
  /** Bytes the outputs take in the read-back buffer (the index status follows them). */
  readonly outputBytes: number;
}

export class Bindings {
  private readonly bound = new Map<string, Bound>();
  // Dims that size a buffer must not come out negative.
  readonly sizing: ReadonlySet<string>;
  private readonly maxDim: number;
  private arena: GBuffer | undefined;
  private halfArena: GBuffer | undefined;
  private current: string | undefined;
  private bindGroup: unknown;
  private disposed = false;

  constructor(private readonly device: WebGpuDevice, private readonly manifest: GpuManifest, private readonly res: GpuResources) {
    this.sizing = sizingDims(manifest.buffers);
    this.maxDim = device.limits.maxComputeWorkgroupsPerDimension;
  }

  /** The arena buffer (after bindInputs). */
  get arenaBuffer(): GBuffer {
    return this.arena!;
  }

  /** The bind group over the current arena buffers (after bindInputs). */
  get group(): unknown {
    return this.bindGroup;
  }

  /** Refuse every later run (the model is being disposed); false when it already was. */
  close(): boolean {
    if (this.disposed) return false;
    this.disposed = true;
    return true;
  }

  /** Check the feeds, bind their symbols, grow the arenas to fit and write the uniform words. */
  bindInputs(inputs: Readonly<Record<string, RunTensor>>): Bound {
    if (this.disposed) throw new TenthRuntimeError('E501', `tenth runtime: ${this.manifest.name} was disposed: load it again to run it`);
    const { device, res } = this;
    const b = this.planFor(inputs);
    const grow = (buf: GBuffer | undefined, bytes: number): GBuffer | undefined => {
      if (buf && buf.size >= bytes) return buf;
      buf?.destroy();
      return device.createBuffer({ size: Math.max(256, bytes), usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC });
    };
    const [a, h] = [grow(this.arena, b.plan.bytes), res.halves ? grow(this.halfArena, b.half.bytes) : undefined];
    if (a !== this.arena || h !== this.halfArena) {
      [this.arena, this.halfArena] = [a, h];
      this.bindGroup = device.createBindGroup({
        layout: res.layout,
        entries: [
          { binding: 0, resource: { buffer: res.uniforms } }, { binding: 1, resource: { buffer: a } }, { binding: 2, resource: { buffer: res.weights } },
          ...(h ? [{ binding: 3, resource: { buffer: h } }] : []),
          ...(res.status ? [{ binding: 4, resource: { buffer: res.status } }] : []),
        ],
      });
    }
    if (this.current !== b.key) {
      device.queue.writeBuffer(res.uniforms, 0, b.words);
      this.current = b.key;
    }
    return b;
  }

  /** Queue the writes of the inputs into the arena. */
  writeInputs(b: Bound, inputs: Readonly<Record<string, RunTensor>>): void {
    for (const inp of this.manifest.inputs) {
      const data = toArena(inp.dtype, inputs[inp.name]!.data);
      if (data.byteLength > 0) this.device.queue.writeBuffer(this.arena!, b.plan.offsets[inp.buffer]!, padded(data));
    }
  }

  /** Destroy the arena buffers and forget the bindings. */
  release(): void {
    for (const buf of [this.arena, this.halfArena]) buf?.destroy();
    [this.arena, this.halfArena] = [undefined, undefined];
    this.bound.clear();
  }

  private planFor(inputs: Readonly<Record<string, RunTensor>>): Bound {
    const { manifest, device, maxDim } = this;
    const bind = bindFeeds(manifest, inputs, this.sizing, (inp, data) => {
      if (inp.dtype === 'i64' || inp.dtype === 'u64') check32(inp.name, inp.dtype, data as BigInt64Array | BigUint64Array);
    });
    const key = manifest.symbols.map((s) => `${s}=${bind[s]}`).join(',');
    const known = this.bound.get(key);
    if (known) return known;
    // Counted dims are at their bounds here (dims.ts): the arena is placed for the largest counts.
    const plan = planArena(manifest.buffers, bind, manifest.alignment);
    const half = planArena(manifest.buffers, bind, manifest.alignment, 'half');
    // Past the device's limits Dawn only reports validation errors, and every dispatch after them
    // (checked once per binding: a binding that does not fit is never cached).
    const at = Object.entries(bind).map(([k, v]) => `${k}=${v}`).join(', ');
    checkFits(device, `the arena${at ? ` at ${at}` : ''}`, plan.bytes);
    if (this.res.halves) checkFits(device, `the half arena${at ? ` at ${at}` : ''}`, half.bytes);
    const b = this.derive(key, bind, plan, half);
    this.bound.set(key, b);
    return b;
  }

  /**
   * After a counting kernel (manifest `counted`): `placed` with the symbols bound as `bind` says
   * (the counts, and the dims derived from them), its arena places kept; the uniform words written.
   */
  rebind(placed: Bound, bind: Readonly<Record<string, number>>): Bound {
    // Not cached: counts vary run by run (detections per frame), and deriving is cheap.
    const key = `${placed.key}|${this.manifest.counted!.map((c) => bind[c.symbol]).join(',')}`;
    const b = this.derive(key, bind, placed.plan, placed.half);
    if (this.current !== key) {
      this.device.queue.writeBuffer(this.res.uniforms, 0, b.words);
      this.current = key;
    }
    return b;
  }

  /** The uniform words, workgroup counts and output spans of a binding whose arenas are placed. */
  private derive(key: string, bind: Readonly<Record<string, number>>, plan: ArenaPlan, half: ArenaPlan): Bound {
    const { manifest, maxDim } = this;
    const words = new Uint32Array(4 * Math.max(1, ceilDiv(manifest.uniforms.length, 4)));
    // Offsets in the unit the shaders index by: words of A, f16 elements of AH.
    const offset = (id: number): number => (inHalfArena(manifest.buffers[id]!) ? half.offsets[id]! / 2 : plan.offsets[id]! / 4);
    manifest.uniforms.forEach((u, i) => (words[i] = 'symbol' in u ? bind[u.symbol]! : offset(u.buffer)));
    const count = (c: CountExpr): number => ceilDiv(c.dims.reduce<number>((a, d) => a * (typeof d === 'number' ? d : bind[d]!), 1), c.div);
    const counts = manifest.kernels.map((k): [number, number, number] => {
      let [x, y, z] = k.dispatch.map(count) as [number, number, number];
      if (x > maxDim) {
        if (!k.fold || y !== 1) throw new TenthRuntimeError('E501', `tenth runtime: kernel ${k.name} needs ${x} workgroups in x (limit ${maxDim})`);
        y = ceilDiv(x, maxDim);
        x = ceilDiv(x, y);
      }
      if (y > maxDim || z > maxDim) throw new TenthRuntimeError('E501', `tenth runtime: kernel ${k.name} needs [${x},${y},${z}] workgroups (limit ${maxDim})`);
      return [x, y, z];
    });
    // The outputs one after another in the read-back buffer, each from a multiple of 4 bytes.
    let outputBytes = 0;
    const outputs = manifest.outputs.map((o): OutputSpan => {
      const buffer = manifest.buffers[o.buffer]!;
      const weight = buffer.kind === 'weight';
      const bytes = weight ? buffer.bytes! : bufferBytes(buffer, bind);
      const dims = o.shape.map((d) => (typeof d === 'number' ? d : bind[d]!));
      const span = { output: o, buffer, bytes, offset: weight ? buffer.offset! : plan.offsets[o.buffer]!, at: outputBytes, dims, count: dims.reduce((a, c) => a * c, 1) };
      outputBytes += ceilDiv(bytes, 4) * 4;
      return span;
    });
    return { key, bind, plan, half, words, counts, outputs, outputBytes };
  }
}
