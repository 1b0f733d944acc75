// The metadata_props of an ONNX file (key -> value strings), read from its bytes.
// onnxruntime-web does not expose a model's custom metadata, so the page reads it itself: an ONNX
// file is a protobuf ModelProto whose field 14 holds the entries (key: field 1, value: field 2).

function varint(bytes, at) {
  let value = 0, shift = 1;
  for (;;) {
    const byte = bytes[at.i++];
    value += (byte & 0x7f) * shift; // no bit operators past 31 bits: lengths may reach 2^53
    if (byte < 0x80) return value;
    shift *= 128;
  }
}

function fields(bytes, start, end, visit) {
  const at = { i: start };
  while (at.i < end) {
    const tag = varint(bytes, at), field = Math.floor(tag / 8), wire = tag % 8;
    if (wire === 0) varint(bytes, at);
    else if (wire === 1) at.i += 8;
    else if (wire === 5) at.i += 4;
    else if (wire === 2) {
      const length = varint(bytes, at);
      visit(field, at.i, at.i + length);
      at.i += length;
    } else throw new Error(`not an ONNX file (protobuf wire type ${wire})`);
  }
}

export function readMetadata(buffer) {
  const bytes = new Uint8Array(buffer), text = new TextDecoder(), metadata = {};
  fields(bytes, 0, bytes.length, (field, start, end) => {
    if (field !== 14) return;
    const entry = {};
    fields(bytes, start, end, (f, s, e) => { entry[f] = text.decode(bytes.subarray(s, e)); });
    metadata[entry[1]] = entry[2];
  });
  return metadata;
}
