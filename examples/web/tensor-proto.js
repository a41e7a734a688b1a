// A tiny reader for serialised onnx.TensorProto (the input_K.pb / output_K.pb files of ONNX test
// data), enough for the page to feed a model: dims, data type, name and the data in raw_data or
// in the typed repeated fields. External data and strings are refused.

const DTYPES = {
  1: ['f32', Float32Array], 2: ['u8', Uint8Array], 3: ['i8', Int8Array], 4: ['u16', Uint16Array], 5: ['i16', Int16Array],
  6: ['i32', Int32Array], 7: ['i64', BigInt64Array], 9: ['bool', Uint8Array], 11: ['f64', Float64Array],
  12: ['u32', Uint32Array], 13: ['u64', BigUint64Array],
};

/** Protobuf wire reader over one message. */
class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }
  done() { return this.pos >= this.b.length; }
  varint() {
    let v = 0n, shift = 0n, byte;
    do {
      byte = this.b[this.pos++];
      if (byte === undefined) throw new Error('TensorProto: truncated varint');
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    return v;
  }
  bytes() {
    const n = Number(this.varint());
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`TensorProto: unsupported wire type ${wire}`);
  }
}

// Repeated scalar fields arrive packed (wire type 2) or one element per tag.
function readRepeated(r, wire, kind, into) {
  const one = (rd) => {
    if (kind === 'f32') return rd.view.getFloat32((rd.pos += 4) - 4, true);
    if (kind === 'f64') return rd.view.getFloat64((rd.pos += 8) - 8, true);
    return rd.varint();
  };
  if (wire !== 2) return void into.push(one(r));
  const sub = new Reader(r.bytes());
  while (!sub.done()) into.push(one(sub));
}

/** Decode a TensorProto: { name, dtype, dims, data } with data a typed array. */
export function decodeTensorProto(bytes) {
  // A plain Uint8Array view even of a Node Buffer, whose slice() would not copy.
  const r = new Reader(ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes));
  const dims = [], floats = [], doubles = [], ints = [];
  let dataType = 0, name = '', raw = null;
  while (!r.done()) {
    const tag = Number(r.varint());
    const field = tag >>> 3, wire = tag & 7;
    if (field === 1) readRepeated(r, wire, 'varint', dims);
    else if (field === 2) dataType = Number(r.varint());
    else if (field === 4) readRepeated(r, wire, 'f32', floats);
    else if (field === 5 || field === 7 || field === 11) readRepeated(r, wire, 'varint', ints);
    else if (field === 8) name = new TextDecoder().decode(r.bytes());
    else if (field === 9) raw = r.bytes();
    else if (field === 10) readRepeated(r, wire, 'f64', doubles);
    else if (field === 6) throw new Error(`TensorProto '${name}': string tensors are not supported`);
    else if (field === 13) throw new Error(`TensorProto '${name}': external data is not supported`);
    else r.skip(wire);
  }
  const entry = DTYPES[dataType];
  if (!entry) throw new Error(`TensorProto '${name}': data type ${dataType} is not supported`);
  const [dtype, Ctor] = entry;
  const shape = dims.map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  let data;
  if (raw) {
    // raw_data may sit at any offset: copy to an aligned buffer before viewing it.
    data = new Ctor(raw.slice().buffer, 0, n);
  } else {
    const list = dtype === 'f32' ? floats : dtype === 'f64' ? doubles : ints;
    const big = Ctor === BigInt64Array || Ctor === BigUint64Array;
    // int32_data holds small types as int32, uint64_data and int64_data as 64-bit varints.
    data = Ctor.from(list, (v) => (big ? (Ctor === BigInt64Array ? BigInt.asIntN(64, v) : v) : typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v));
  }
  if (data.length !== n) throw new Error(`TensorProto '${name}': ${data.length} elements for dims [${shape}]`);
  return { name, dtype, dims: shape, data };
}
