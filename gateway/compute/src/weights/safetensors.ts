import { sha256Hex } from '../onnx/run-graph.js';
import {
  WEIGHT_DTYPES,
  WEIGHT_ITEM_SIZE,
  type NamedTensor,
  type TensorMap,
  type WeightDtype,
} from './tensor-map.js';

/**
 * The weights and updates format uses the safetensors layout, so files open in other safetensors
 * readers (Python `safetensors`, Hugging Face tools):
 *
 * - bytes 0..8: the header length N, unsigned 64-bit little-endian.
 * - bytes 8..8+N: the UTF-8 JSON header, padded with spaces so the data starts on an 8-byte
 *   boundary. It maps each name to `{"dtype": "F64", "shape": [2, 3], "data_offsets": [begin,
 *   end]}`, and the optional key `__metadata__` to an object of strings.
 * - the rest: tensor data, little-endian and row-major. Offsets count from its first byte.
 *
 * Onsite writes tensors sorted by name with contiguous offsets, so equal tensors and metadata
 * always give the same bytes and the same SHA-256.
 */

/** Largest header accepted, as in the reference safetensors implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';
const TENSOR_ENTRY_KEYS = ['data_offsets', 'dtype', 'shape'];

export interface DecodedTensors {
  tensors: TensorMap;
  metadata: Record<string, string>;
}

/** Error raised for a weights file that cannot be read; the message names the tensor and the problem. */
export class WeightsFormatError extends Error {
  override readonly name = 'WeightsFormatError';
}

const DATA_ARRAY: Record<WeightDtype, { name: string; check: (data: unknown) => boolean }> = {
  F64: { name: 'Float64Array', check: (data) => data instanceof Float64Array },
  F32: { name: 'Float32Array', check: (data) => data instanceof Float32Array },
  I64: { name: 'BigInt64Array', check: (data) => data instanceof BigInt64Array },
  I32: { name: 'Int32Array', check: (data) => data instanceof Int32Array },
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes named tensors and optional string metadata in the safetensors layout. */
export function encodeTensors(tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};

  const metadataKeys = Object.keys(metadata).sort();
  if (metadataKeys.length > 0) {
    const sortedMetadata: Record<string, string> = {};
    for (const key of metadataKeys) {
      const value = metadata[key];
      if (typeof value !== 'string') {
        throw new WeightsFormatError(`encodeTensors: metadata "${key}" is ${typeof value}; metadata values must be strings`);
      }
      if (key === '__proto__') {
        throw new WeightsFormatError('encodeTensors: metadata key "__proto__" is reserved; rename it');
      }
      sortedMetadata[key] = value;
    }
    header[METADATA_KEY] = sortedMetadata;
  }

  let offset = 0;
  for (const name of names) {
    checkTensorName(name, 'encodeTensors');
    const tensor = tensors[name] as NamedTensor;
    checkTensor(name, tensor);
    const byteLength = tensor.data.length * WEIGHT_ITEM_SIZE[tensor.dtype];
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);

  let position = 8 + headerLength;
  for (const name of names) {
    const tensor = tensors[name] as NamedTensor;
    writeLittleEndian(tensor, bytes, position);
    position += tensor.data.length * WEIGHT_ITEM_SIZE[tensor.dtype];
  }

  return bytes;
}

/** Encodes tensors and returns the bytes with their SHA-256 (lowercase hex). */
export function encodeTensorsWithHash(
  tensors: TensorMap,
  metadata: Record<string, string> = {},
): { bytes: Uint8Array; sha256: string } {
  const bytes = encodeTensors(tensors, metadata);
  return { bytes, sha256: sha256Hex(bytes) };
}

/**
 * Decodes a safetensors file strictly: header length in bounds, valid UTF-8 JSON object, no
 * duplicate names, known dtypes, shapes whose size matches the byte range, and offsets that cover
 * the data section contiguously with no gap or overlap. Tensor data is copied into fresh, aligned
 * typed arrays, so the input may be reused.
 */
export function decodeTensors(bytes: Uint8Array): DecodedTensors {
  if (bytes.length < 8) {
    throw new WeightsFormatError(`decodeTensors: ${bytes.length} bytes is too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declaredLength = view.getBigUint64(0, true);
  if (declaredLength < 2n || declaredLength > BigInt(MAX_HEADER_BYTES) || declaredLength > BigInt(bytes.length - 8)) {
    throw new WeightsFormatError(
      `decodeTensors: header length ${declaredLength} is invalid for a ${bytes.length}-byte file ` +
        `(it must be between 2 and ${Math.min(MAX_HEADER_BYTES, bytes.length - 8)})`,
    );
  }
  const headerLength = Number(declaredLength);

  const headerText = decodeHeaderText(bytes.subarray(8, 8 + headerLength));
  const header = parseHeader(headerText);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const metadata = readMetadata(header[METADATA_KEY]);
  const entries: Array<{ name: string; dtype: WeightDtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      continue;
    }
    checkTensorName(name, 'decodeTensors');
    entries.push({ name, ...readEntry(name, entry, dataLength) });
  }

  checkContiguous(entries, dataLength);

  const tensors: TensorMap = {};
  entries.sort((a, b) => compareNames(a.name, b.name));
  for (const entry of entries) {
    tensors[entry.name] = readTensor(entry.dtype, entry.shape, bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
  }
  return { tensors, metadata };
}

function compareNames(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

function checkTensorName(name: string, operation: string): void {
  if (name.length === 0) {
    throw new WeightsFormatError(`${operation}: a tensor has an empty name; name every tensor`);
  }
  if (name === METADATA_KEY || name === '__proto__') {
    throw new WeightsFormatError(`${operation}: "${name}" is reserved and cannot name a tensor`);
  }
}

function checkTensor(name: string, tensor: NamedTensor): void {
  const expected = DATA_ARRAY[tensor.dtype];
  if (expected === undefined) {
    throw new WeightsFormatError(
      `encodeTensors: tensor "${name}" has dtype "${tensor.dtype}"; use one of ${WEIGHT_DTYPES.join(', ')}`,
    );
  }
  if (!expected.check(tensor.data)) {
    throw new WeightsFormatError(`encodeTensors: tensor "${name}" is ${tensor.dtype}, so its data must be a ${expected.name}`);
  }
  const size = shapeSize(name, tensor.shape, 'encodeTensors');
  if (size !== tensor.data.length) {
    throw new WeightsFormatError(
      `encodeTensors: tensor "${name}" has shape [${tensor.shape.join(', ')}] (${size} elements) but ${tensor.data.length} values`,
    );
  }
}

function shapeSize(name: string, shape: unknown, operation: string): number {
  if (!Array.isArray(shape)) {
    throw new WeightsFormatError(`${operation}: tensor "${name}" has no shape array`);
  }
  let size = 1;
  for (const [index, dim] of shape.entries()) {
    if (!Number.isSafeInteger(dim) || (dim as number) < 0) {
      throw new WeightsFormatError(
        `${operation}: tensor "${name}" has dimension ${index} = ${JSON.stringify(dim)}; use a non-negative integer`,
      );
    }
    size *= dim as number;
  }
  if (!Number.isSafeInteger(size)) {
    throw new WeightsFormatError(`${operation}: tensor "${name}" has shape [${shape.join(', ')}], which is too large`);
  }
  return size;
}

function writeLittleEndian(tensor: NamedTensor, target: Uint8Array, position: number): void {
  const source = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  target.set(source, position);
  if (!LITTLE_ENDIAN_HOST) {
    reverseElementBytes(target.subarray(position, position + source.length), WEIGHT_ITEM_SIZE[tensor.dtype]);
  }
}

function decodeHeaderText(headerBytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (error) {
    throw new WeightsFormatError('decodeTensors: the header is not valid UTF-8', { cause: error });
  }
  if (!text.startsWith('{')) {
    throw new WeightsFormatError('decodeTensors: the header does not start with "{"; this is not a safetensors file');
  }
  return text;
}

function parseHeader(text: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new WeightsFormatError(`decodeTensors: the header is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new WeightsFormatError('decodeTensors: the header is not a JSON object');
  }

  // JSON.parse keeps only the last of two equal keys, so duplicates are found on the raw text.
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) {
      throw new WeightsFormatError(`decodeTensors: tensor "${key}" appears twice in the header`);
    }
    seen.add(key);
  }
  return header as Record<string, unknown>;
}

/** Lists the keys of the outermost object of a JSON text that `JSON.parse` has already accepted. */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let index = 0;

  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      const start = index;
      index += 1;
      while (text[index] !== '"') {
        index += text[index] === '\\' ? 2 : 1;
      }
      index += 1;
      const literal = text.slice(start, index);

      let next = index;
      while (next < text.length && /\s/.test(text[next] as string)) {
        next += 1;
      }
      if (depth === 1 && text[next] === ':') {
        keys.push(JSON.parse(literal) as string);
      }
      continue;
    }
    if (char === '{' || char === '[') {
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
    }
    index += 1;
  }
  return keys;
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined) {
    return {};
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new WeightsFormatError('decodeTensors: "__metadata__" is not an object of strings');
  }
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw new WeightsFormatError(`decodeTensors: metadata "${key}" is ${JSON.stringify(item)}; metadata values must be strings`);
    }
    if (key === '__proto__') {
      throw new WeightsFormatError('decodeTensors: metadata key "__proto__" is reserved');
    }
    metadata[key] = item;
  }
  return metadata;
}

function readEntry(
  name: string,
  entry: unknown,
  dataLength: number,
): { dtype: WeightDtype; shape: number[]; begin: number; end: number } {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new WeightsFormatError(`decodeTensors: tensor "${name}" is not described by an object`);
  }
  const fields = entry as Record<string, unknown>;
  const unknownKeys = Object.keys(fields).filter((key) => !TENSOR_ENTRY_KEYS.includes(key));
  if (unknownKeys.length > 0) {
    throw new WeightsFormatError(`decodeTensors: tensor "${name}" has unknown fields ${unknownKeys.join(', ')}`);
  }

  const dtype = fields.dtype;
  if (typeof dtype !== 'string' || !WEIGHT_DTYPES.includes(dtype as WeightDtype)) {
    throw new WeightsFormatError(
      `decodeTensors: tensor "${name}" has dtype ${JSON.stringify(dtype)}; Onsite reads ${WEIGHT_DTYPES.join(', ')}`,
    );
  }
  const size = shapeSize(name, fields.shape, 'decodeTensors');

  const offsets = fields.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0)
  ) {
    throw new WeightsFormatError(
      `decodeTensors: tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with non-negative integers`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin || end > dataLength) {
    throw new WeightsFormatError(
      `decodeTensors: tensor "${name}" has data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data section`,
    );
  }
  const expectedBytes = size * WEIGHT_ITEM_SIZE[dtype as WeightDtype];
  if (end - begin !== expectedBytes) {
    throw new WeightsFormatError(
      `decodeTensors: tensor "${name}" has shape [${(fields.shape as number[]).join(', ')}] of ${dtype}, ` +
        `which needs ${expectedBytes} bytes, but its data_offsets span ${end - begin}`,
    );
  }

  return { dtype: dtype as WeightDtype, shape: [...(fields.shape as number[])], begin, end };
}

function checkContiguous(entries: Array<{ name: string; begin: number; end: number }>, dataLength: number): void {
  const ordered = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const entry of ordered) {
    if (entry.begin !== expectedBegin) {
      const problem = entry.begin < expectedBegin ? 'overlaps the previous tensor' : 'leaves a gap before it';
      throw new WeightsFormatError(
        `decodeTensors: tensor "${entry.name}" starts at byte ${entry.begin} and ${problem} (expected ${expectedBegin})`,
      );
    }
    expectedBegin = entry.end;
  }
  if (expectedBegin !== dataLength) {
    throw new WeightsFormatError(
      `decodeTensors: tensors cover ${expectedBegin} bytes but the data section has ${dataLength}; the file has trailing bytes`,
    );
  }
}

function readTensor(dtype: WeightDtype, shape: number[], source: Uint8Array): NamedTensor {
  // Copying first gives an aligned buffer whatever the data offset within the file.
  const copy = source.slice();
  if (!LITTLE_ENDIAN_HOST) {
    reverseElementBytes(copy, WEIGHT_ITEM_SIZE[dtype]);
  }

  switch (dtype) {
    case 'F64':
      return { dtype, shape, data: new Float64Array(copy.buffer) };
    case 'F32':
      return { dtype, shape, data: new Float32Array(copy.buffer) };
    case 'I64':
      return { dtype, shape, data: new BigInt64Array(copy.buffer) };
    case 'I32':
      return { dtype, shape, data: new Int32Array(copy.buffer) };
  }
}

/** Converts between little-endian and host byte order on a big-endian host, in place. */
function reverseElementBytes(bytes: Uint8Array, itemSize: number): void {
  for (let start = 0; start < bytes.length; start += itemSize) {
    bytes.subarray(start, start + itemSize).reverse();
  }
}
