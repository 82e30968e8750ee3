import { describe, expect, it } from 'vitest';

import { sha256Hex } from '../onnx/run-graph.js';
import { decodeTensors, encodeTensors, encodeTensorsWithHash, MAX_HEADER_BYTES } from './safetensors.js';
import type { TensorMap } from './tensor-map.js';

const SAMPLE: TensorMap = {
  'layer.1.bias': { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) },
  'counts': { dtype: 'I64', shape: [3], data: new BigInt64Array([0n, 5n, -(2n ** 62n)]) },
  'layer.0.weight': { dtype: 'F64', shape: [2, 3], data: new Float64Array([0.1, 0.2, 0.3, -1e-300, 1e300, 0]) },
  'events': { dtype: 'I32', shape: [], data: new Int32Array([42]) },
  'empty': { dtype: 'F64', shape: [0, 4], data: new Float64Array(0) },
};

/** Builds a file by hand from a header string and data bytes, padding the header as the format requires. */
function buildFile(headerJson: string, data: Uint8Array = new Uint8Array(0), pad = true): Uint8Array {
  const json = new TextEncoder().encode(headerJson);
  const headerLength = pad ? Math.ceil((8 + json.length) / 8) * 8 - 8 : json.length;
  const bytes = new Uint8Array(8 + headerLength + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  bytes.set(data, 8 + headerLength);
  return bytes;
}

describe('encodeTensors', () => {
  it('writes the safetensors layout byte for byte', () => {
    const bytes = encodeTensors(
      {
        b: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) },
        a: { dtype: 'I32', shape: [1], data: new Int32Array([7]) },
      },
      { format: 'onsite' },
    );

    // Expected bytes written from the format description: sorted names, contiguous offsets,
    // little-endian data, header padded with spaces to an 8-byte boundary.
    const header =
      '{"__metadata__":{"format":"onsite"},' +
      '"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    const data = Uint8Array.from([0x07, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(buildFile(header, data)).toString('hex'));
  });

  it('pads the header so data starts on an 8-byte boundary', () => {
    for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
      const bytes = encodeTensors({ [name]: { dtype: 'F64', shape: [1], data: new Float64Array([1]) } });
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));

      expect((8 + headerLength) % 8, name).toBe(0);
      expect(bytes.length, name).toBe(8 + headerLength + 8);
    }
  });

  it('gives the same bytes whatever the key order', () => {
    const reversed = Object.fromEntries(Object.entries(SAMPLE).reverse());

    expect(sha256Hex(encodeTensors(reversed, { b: '2', a: '1' }))).toBe(sha256Hex(encodeTensors(SAMPLE, { a: '1', b: '2' })));
  });

  it('returns the SHA-256 of the bytes', () => {
    const { bytes, sha256 } = encodeTensorsWithHash(SAMPLE);

    expect(sha256).toBe(sha256Hex(bytes));
  });

  it.each([
    {
      case: 'data length differing from the shape',
      tensors: { w: { dtype: 'F64', shape: [2, 2], data: new Float64Array(3) } },
      message: /tensor "w" has shape \[2, 2\] \(4 elements\) but 3 values/,
    },
    {
      case: 'data array not matching the dtype',
      tensors: { w: { dtype: 'F64', shape: [2], data: new Float32Array(2) } },
      message: /tensor "w" is F64, so its data must be a Float64Array/,
    },
    {
      case: 'unknown dtype',
      tensors: { w: { dtype: 'BF16', shape: [1], data: new Uint16Array(1) } },
      message: /tensor "w" has dtype "BF16"/,
    },
    {
      case: 'negative dimension',
      tensors: { w: { dtype: 'F64', shape: [-1], data: new Float64Array(0) } },
      message: /tensor "w" has dimension 0 = -1/,
    },
    {
      case: 'reserved name',
      tensors: { __metadata__: { dtype: 'F64', shape: [1], data: new Float64Array(1) } },
      message: /"__metadata__" is reserved/,
    },
    {
      case: 'empty name',
      tensors: { '': { dtype: 'F64', shape: [1], data: new Float64Array(1) } },
      message: /empty name/,
    },
  ])('rejects $case', ({ tensors, message }) => {
    expect(() => encodeTensors(tensors as unknown as TensorMap)).toThrow(message);
  });

  it('rejects metadata values that are not strings', () => {
    expect(() => encodeTensors(SAMPLE, { round: 3 as unknown as string })).toThrow(
      /metadata "round" is number; metadata values must be strings/,
    );
  });
});

describe('decodeTensors', () => {
  it('round-trips tensors and metadata exactly', () => {
    const metadata = { job: 'job_123', round: '7', note: 'é ✓' };
    const { tensors, metadata: decodedMetadata } = decodeTensors(encodeTensors(SAMPLE, metadata));

    expect(Object.keys(tensors)).toEqual(Object.keys(SAMPLE).sort());
    for (const [name, tensor] of Object.entries(SAMPLE)) {
      expect(tensors[name]?.dtype, name).toBe(tensor.dtype);
      expect(tensors[name]?.shape, name).toEqual(tensor.shape);
      expect(tensors[name]?.data, name).toEqual(tensor.data);
    }
    expect(decodedMetadata).toEqual(metadata);
  });

  it('reads tensors at offsets that are not aligned', () => {
    const bytes = encodeTensors({
      a: { dtype: 'I32', shape: [1], data: new Int32Array([3]) },
      b: { dtype: 'F64', shape: [2], data: new Float64Array([0.5, -0.25]) },
    });
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);

    const { tensors } = decodeTensors(shifted);

    expect(Array.from(tensors.b?.data as Float64Array)).toEqual([0.5, -0.25]);
  });

  it('reads a header without padding', () => {
    const header = '{"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}';
    const { tensors } = decodeTensors(buildFile(header, Uint8Array.from([1, 0, 0, 0]), false));

    expect(Array.from(tensors.x?.data as Int32Array)).toEqual([1]);
  });

  const tensorX = (offsets: string, dtype = 'F32', shape = '[1]') =>
    `"x":{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}`;
  const fourBytes = new Uint8Array(4);

  it.each([
    { case: 'a file shorter than 8 bytes', bytes: new Uint8Array(5), message: /5 bytes is too short/ },
    {
      case: 'a header length past the end of the file',
      bytes: (() => {
        const bytes = buildFile('{}');
        new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
        return bytes;
      })(),
      message: /header length 1000 is invalid for a 16-byte file/,
    },
    {
      case: 'a header length above the 100 MB limit',
      bytes: (() => {
        const bytes = new Uint8Array(16);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES) + 1n, true);
        return bytes;
      })(),
      message: /header length 100000001 is invalid/,
    },
    {
      case: 'a header length of 2^64 - 1',
      bytes: (() => {
        const bytes = new Uint8Array(16);
        new DataView(bytes.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
        return bytes;
      })(),
      message: /header length 18446744073709551615 is invalid/,
    },
    {
      case: 'a header that is not UTF-8',
      bytes: (() => {
        const bytes = buildFile('{"\u00e9":1}');
        bytes[10] = 0xff;
        return bytes;
      })(),
      message: /not valid UTF-8/,
    },
    { case: 'a header not starting with {', bytes: buildFile(' {}'), message: /does not start with "\{"/ },
    { case: 'a header that is not JSON', bytes: buildFile('{"x":'), message: /not valid JSON/ },
    { case: 'a header that is an array', bytes: buildFile('[1]'), message: /does not start with "\{"/ },
    {
      case: 'a duplicated tensor name',
      bytes: buildFile(`{${tensorX('[0,4]')},${tensorX('[4,8]')}}`, new Uint8Array(8)),
      message: /tensor "x" appears twice/,
    },
    {
      case: 'an unknown dtype',
      bytes: buildFile(`{${tensorX('[0,2]', 'BF16')}}`, new Uint8Array(2)),
      message: /tensor "x" has dtype "BF16"; Onsite reads F64, F32, I64, I32/,
    },
    {
      case: 'a shape that is not an array',
      bytes: buildFile(`{${tensorX('[0,4]', 'F32', '4')}}`, fourBytes),
      message: /tensor "x" has no shape array/,
    },
    {
      case: 'a fractional dimension',
      bytes: buildFile(`{${tensorX('[0,4]', 'F32', '[1.5]')}}`, fourBytes),
      message: /tensor "x" has dimension 0 = 1.5/,
    },
    {
      case: 'offsets that are not a pair',
      bytes: buildFile(`{${tensorX('[0]')}}`, fourBytes),
      message: /tensor "x" has data_offsets \[0\]; expected \[begin, end\]/,
    },
    {
      case: 'offsets past the data section',
      bytes: buildFile(`{${tensorX('[0,8]', 'F32', '[2]')}}`, fourBytes),
      message: /tensor "x" has data_offsets \[0, 8\] outside the 4-byte data section/,
    },
    {
      case: 'a byte range not matching the shape',
      bytes: buildFile(`{${tensorX('[0,4]', 'F64')}}`, fourBytes),
      message: /tensor "x" has shape \[1\] of F64, which needs 8 bytes, but its data_offsets span 4/,
    },
    {
      case: 'a gap between tensors',
      bytes: buildFile(
        `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},${tensorX('[8,12]')}}`,
        new Uint8Array(12),
      ),
      message: /tensor "x" starts at byte 8 and leaves a gap before it \(expected 4\)/,
    },
    {
      case: 'overlapping tensors',
      bytes: buildFile(
        `{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},${tensorX('[4,8]')}}`,
        new Uint8Array(8),
      ),
      message: /tensor "x" starts at byte 4 and overlaps the previous tensor/,
    },
    {
      case: 'trailing bytes after the last tensor',
      bytes: buildFile(`{${tensorX('[0,4]')}}`, new Uint8Array(6)),
      message: /tensors cover 4 bytes but the data section has 6/,
    },
    {
      case: 'an unknown field in a tensor entry',
      bytes: buildFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offsets":[0,4]}}', fourBytes),
      message: /tensor "x" has unknown fields offsets/,
    },
    {
      case: 'metadata with a non-string value',
      bytes: buildFile('{"__metadata__":{"round":3}}'),
      message: /metadata "round" is 3; metadata values must be strings/,
    },
    {
      case: 'a tensor named __proto__',
      bytes: buildFile(`{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, fourBytes),
      message: /"__proto__" is reserved/,
    },
  ])('rejects $case', ({ bytes, message }) => {
    expect(() => decodeTensors(bytes)).toThrow(message);
  });

  it('accepts duplicate keys inside nested objects but not at the top level', () => {
    const nested = buildFile('{"__metadata__":{"a":"1","b":"{\\"x\\":1}"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', fourBytes);

    expect(decodeTensors(nested).metadata).toEqual({ a: '1', b: '{"x":1}' });
  });
});
