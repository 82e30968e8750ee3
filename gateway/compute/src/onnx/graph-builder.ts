import { ModelProtoType, ONNX_ATTRIBUTE_TYPE, ONNX_DATA_TYPE } from './onnx-schema.js';
import {
  checkStaticShape,
  encodeTensorValues,
  shapeSize,
  TENSOR_DTYPES,
  type TensorDtype,
} from './tensor-bytes.js';

export type { TensorDtype } from './tensor-bytes.js';

/**
 * IR version written into every model. IR 8 is the lowest that opset 17 allows and is read by
 * onnxruntime 1.31 (which reads IR versions up to 11).
 */
export const ONNX_IR_VERSION = 8;

/** Default ONNX operator set for the standard domain. */
export const DEFAULT_OPSET = 17;

/**
 * Producer name and version stored in every model. They are fixed strings (not the package
 * version) so that a release that changes no graph keeps every model hash.
 */
export const ONNX_PRODUCER_NAME = 'onsite-compute';
export const ONNX_PRODUCER_VERSION = '1';

/** A tensor-valued attribute, used by `Constant` and `ConstantOfShape`. */
export interface TensorAttribute {
  type: 'tensor';
  dtype: TensorDtype;
  shape: number[];
  values: ArrayLike<number | bigint>;
}

/**
 * A node attribute. Plain values map as follows: an integer number or a bigint is INT, any other
 * number is FLOAT, a string is STRING, and arrays map element-wise to INTS, FLOATS or STRINGS (an
 * empty array is INTS). Because `1.0 === 1` in JavaScript, a FLOAT attribute with a whole value
 * must be tagged: `{ type: 'float', value: 1 }`.
 */
export type AttributeValue =
  | number
  | bigint
  | string
  | readonly number[]
  | readonly bigint[]
  | readonly string[]
  | { type: 'int'; value: number | bigint }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: ReadonlyArray<number | bigint> }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'string'; value: string }
  | TensorAttribute;

/** Shorthands for attributes whose type plain values cannot express. */
export const attr = {
  float: (value: number) => ({ type: 'float', value }) as const,
  floats: (value: readonly number[]) => ({ type: 'floats', value }) as const,
  int: (value: number | bigint) => ({ type: 'int', value }) as const,
  ints: (value: ReadonlyArray<number | bigint>) => ({ type: 'ints', value }) as const,
  tensor: (dtype: TensorDtype, shape: number[], values: ArrayLike<number | bigint>): TensorAttribute => ({
    type: 'tensor',
    dtype,
    shape,
    values,
  }),
};

export interface GraphBuilderOptions {
  /** Opset of the standard ONNX domain; default 17. */
  opset?: number;
  /** Stored as the model's and the graph's `doc_string`. */
  docString?: string;
  /** Opset versions of other domains used by `op(..., { domain })`; a domain not listed gets 1. */
  domainOpsets?: Record<string, number>;
}

export interface OpOptions {
  /** Number of outputs the node produces; default 1. */
  outputs?: number;
  /**
   * Name of the output value (and of the node). With several outputs, they are named
   * `<name>_0`, `<name>_1`, ... Without a name, names come from a counter, which keeps them stable.
   */
  name?: string;
  /** Operator domain; default the standard ONNX domain (""). */
  domain?: string;
}

interface ValueInfo {
  name: string;
  dtype: TensorDtype;
  shape: Array<number | string>;
}

interface TensorRecord {
  name: string;
  dtype: TensorDtype;
  shape: number[];
  rawData: Uint8Array;
}

interface NodeRecord {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Array<Record<string, unknown>>;
}

/**
 * Builds an ONNX model in memory and serialises it deterministically. The same sequence of calls
 * always gives the same bytes, because node and value names come from a counter and initializers
 * are written as little-endian `raw_data` in insertion order. Attributes are sorted by name, and
 * the model carries no timestamp or random id. A site can therefore rebuild a graph from an
 * approved spec and compare its SHA-256 with the cloud's.
 *
 * The builder checks names as it goes (every node input must already exist, no value is defined
 * twice, every graph output exists), so a wiring mistake fails at the call that made it rather
 * than as an onnxruntime load error.
 */
export class GraphBuilder {
  private readonly name: string;
  private readonly opset: number;
  private readonly docString: string | undefined;
  private readonly domainOpsets: Record<string, number>;

  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly initializers: TensorRecord[] = [];
  private readonly nodes: NodeRecord[] = [];
  private readonly usedDomains = new Set<string>();

  /** Every value name defined so far: graph inputs, initializers and node outputs. */
  private readonly defined = new Set<string>();
  /** Auto-named constants by content, so a repeated constant is stored once. */
  private readonly constantsByContent = new Map<string, string>();
  private counter = 0;

  constructor(name: string, options: GraphBuilderOptions = {}) {
    if (name.length === 0) {
      throw new TypeError('GraphBuilder: the graph name is empty; pass a descriptive name');
    }
    const opset = options.opset ?? DEFAULT_OPSET;
    if (!Number.isInteger(opset) || opset < 1) {
      throw new RangeError(`GraphBuilder: opset ${opset} is invalid; use a positive integer such as 17`);
    }

    this.name = name;
    this.opset = opset;
    this.docString = options.docString;
    this.domainOpsets = { ...options.domainOpsets };
  }

  /** Declares a graph input and returns its name. String dimensions are symbolic (for example 'n'). */
  input(name: string, dtype: TensorDtype, shape: Array<number | string>): string {
    this.define(name, 'input');
    checkDtype(dtype, `input "${name}"`);
    checkSymbolicShape(shape, `input "${name}"`);
    this.inputs.push({ name, dtype, shape: [...shape] });
    return name;
  }

  /** Adds a named constant tensor (an initializer) and returns its name. */
  initializer(name: string, dtype: TensorDtype, shape: number[], values: ArrayLike<number | bigint>): string {
    this.define(name, 'initializer');
    this.initializers.push(makeTensorRecord(name, dtype, shape, values));
    return name;
  }

  /**
   * Adds a constant with a generated name and returns that name. Identical constants (same dtype,
   * shape and bytes) share one initializer.
   */
  constant(dtype: TensorDtype, shape: number[], values: ArrayLike<number | bigint>): string {
    const context = 'constant';
    checkDtype(dtype, context);
    checkStaticShape(shape, context);
    const rawData = encodeTensorValues(dtype, values, context);
    const key = `${dtype}|${shape.join(',')}|${Buffer.from(rawData).toString('base64')}`;

    const existing = this.constantsByContent.get(key);
    if (existing !== undefined) {
      return existing;
    }

    const name = this.freshName('const');
    this.define(name, 'constant');
    this.initializers.push(makeTensorRecord(name, dtype, shape, values));
    this.constantsByContent.set(key, name);
    return name;
  }

  /**
   * Appends a node and returns its output names. An empty string in `inputs` marks an omitted
   * optional input, as ONNX specifies.
   */
  op(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    options: OpOptions = {},
  ): string[] {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(opType)) {
      throw new TypeError(`GraphBuilder.op: operator type "${opType}" is invalid; use an ONNX operator name such as "MatMul"`);
    }
    for (const [index, input] of inputs.entries()) {
      if (input !== '' && !this.defined.has(input)) {
        throw new ReferenceError(
          `GraphBuilder.op: input ${index} of ${opType} is "${input}", which is not defined yet; ` +
            'declare it with input(), initializer(), constant() or an earlier op()',
        );
      }
    }

    const outputCount = options.outputs ?? 1;
    if (!Number.isInteger(outputCount) || outputCount < 1) {
      throw new RangeError(`GraphBuilder.op: ${opType} asks for ${outputCount} outputs; use a positive integer`);
    }

    const id = this.counter;
    this.counter += 1;
    const base = options.name ?? `${opType.toLowerCase()}_${id}`;
    const outputs =
      outputCount === 1 ? [base] : Array.from({ length: outputCount }, (_, index) => `${base}_${index}`);
    for (const output of outputs) {
      this.define(output, `output of ${opType}`);
    }

    const domain = options.domain ?? '';
    if (domain !== '') {
      this.usedDomains.add(domain);
    }

    const attributeNames = Object.keys(attributes).sort();
    this.nodes.push({
      name: options.name === undefined ? `node_${id}_${opType}` : `node_${options.name}`,
      opType,
      domain,
      inputs: [...inputs],
      outputs,
      attributes: attributeNames.map((attributeName) =>
        encodeAttribute(attributeName, attributes[attributeName] as AttributeValue, opType),
      ),
    });

    return outputs;
  }

  /** Appends a single-output node and returns its output name. */
  op1(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.op(opType, inputs, attributes)[0] as string;
  }

  /** Declares an existing value (a node output, input or initializer) as a graph output. */
  output(name: string, dtype: TensorDtype, shape: Array<number | string>): void {
    if (!this.defined.has(name)) {
      throw new ReferenceError(`GraphBuilder.output: "${name}" is not defined; produce it with op() first`);
    }
    if (this.outputs.some((output) => output.name === name)) {
      throw new Error(`GraphBuilder.output: "${name}" is already a graph output`);
    }
    checkDtype(dtype, `output "${name}"`);
    checkSymbolicShape(shape, `output "${name}"`);
    this.outputs.push({ name, dtype, shape: [...shape] });
  }

  /** Serialises the model as ONNX `ModelProto` bytes; the same calls always give the same bytes. */
  toBytes(): Uint8Array {
    if (this.outputs.length === 0) {
      throw new Error(`GraphBuilder.toBytes: graph "${this.name}" has no outputs; declare them with output()`);
    }

    const opsetImport = [{ domain: '', version: this.opset }];
    for (const domain of [...this.usedDomains].sort()) {
      opsetImport.push({ domain, version: this.domainOpsets[domain] ?? 1 });
    }

    const graph = {
      name: this.name,
      node: this.nodes.map((node) => ({
        name: node.name,
        opType: node.opType,
        domain: node.domain === '' ? undefined : node.domain,
        input: node.inputs,
        output: node.outputs,
        attribute: node.attributes,
      })),
      initializer: this.initializers.map((tensor) => encodeTensorProto(tensor)),
      input: this.inputs.map((value) => encodeValueInfo(value)),
      output: this.outputs.map((value) => encodeValueInfo(value)),
      docString: this.docString,
    };

    const model = {
      irVersion: ONNX_IR_VERSION,
      producerName: ONNX_PRODUCER_NAME,
      producerVersion: ONNX_PRODUCER_VERSION,
      docString: this.docString,
      graph,
      opsetImport,
    };

    return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
  }

  private define(name: string, role: string): void {
    if (name.length === 0) {
      throw new TypeError(`GraphBuilder: the ${role} name is empty; value names must be non-empty`);
    }
    if (this.defined.has(name)) {
      throw new Error(`GraphBuilder: value "${name}" (${role}) is already defined; pick another name`);
    }
    this.defined.add(name);
  }

  private freshName(prefix: string): string {
    const name = `${prefix}_${this.counter}`;
    this.counter += 1;
    return name;
  }
}

function checkDtype(dtype: TensorDtype, context: string): void {
  if (!TENSOR_DTYPES.includes(dtype)) {
    throw new TypeError(`${context}: dtype "${dtype}" is not supported; use one of ${TENSOR_DTYPES.join(', ')}`);
  }
}

function checkSymbolicShape(shape: Array<number | string>, context: string): void {
  for (const [index, dim] of shape.entries()) {
    if (typeof dim === 'string') {
      if (dim.length === 0) {
        throw new TypeError(`${context}: dimension ${index} is an empty symbol; name it (for example "n")`);
      }
    } else if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(`${context}: dimension ${index} is ${dim}; use a non-negative integer or a symbol`);
    }
  }
}

function makeTensorRecord(
  name: string,
  dtype: TensorDtype,
  shape: number[],
  values: ArrayLike<number | bigint>,
): TensorRecord {
  const context = `initializer "${name}"`;
  checkDtype(dtype, context);
  checkStaticShape(shape, context);
  const expected = shapeSize(shape);
  if (values.length !== expected) {
    throw new RangeError(`${context}: shape [${shape.join(', ')}] needs ${expected} values but ${values.length} were given`);
  }
  return { name, dtype, shape: [...shape], rawData: encodeTensorValues(dtype, values, context) };
}

function encodeTensorProto(tensor: TensorRecord): Record<string, unknown> {
  return {
    name: tensor.name,
    dims: tensor.shape,
    dataType: ONNX_DATA_TYPE[tensor.dtype],
    rawData: tensor.rawData,
  };
}

function encodeValueInfo(value: ValueInfo): Record<string, unknown> {
  return {
    name: value.name,
    type: {
      tensorType: {
        elemType: ONNX_DATA_TYPE[value.dtype],
        shape: {
          dim: value.shape.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })),
        },
      },
    },
  };
}

function encodeAttribute(name: string, value: AttributeValue, opType: string): Record<string, unknown> {
  const context = `attribute "${name}" of ${opType}`;

  if (typeof value === 'bigint') {
    return { name, type: ONNX_ATTRIBUTE_TYPE.int, i: checkInt64(value, context) };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new RangeError(`${context} is ${value}; attributes must be finite`);
    }
    return Number.isInteger(value)
      ? { name, type: ONNX_ATTRIBUTE_TYPE.int, i: checkInt64(value, context) }
      : { name, type: ONNX_ATTRIBUTE_TYPE.float, f: value };
  }
  if (typeof value === 'string') {
    return { name, type: ONNX_ATTRIBUTE_TYPE.string, s: Buffer.from(value, 'utf8') };
  }
  if (Array.isArray(value)) {
    return encodeArrayAttribute(name, value as ReadonlyArray<number | bigint | string>, context);
  }

  const tagged = value as Exclude<AttributeValue, number | bigint | string | readonly unknown[]>;
  switch (tagged.type) {
    case 'int':
      return { name, type: ONNX_ATTRIBUTE_TYPE.int, i: checkInt64(tagged.value, context) };
    case 'float':
      if (!Number.isFinite(tagged.value)) {
        throw new RangeError(`${context} is ${tagged.value}; attributes must be finite`);
      }
      return { name, type: ONNX_ATTRIBUTE_TYPE.float, f: tagged.value };
    case 'ints':
      return { name, type: ONNX_ATTRIBUTE_TYPE.ints, ints: tagged.value.map((item) => checkInt64(item, context)) };
    case 'floats':
      return { name, type: ONNX_ATTRIBUTE_TYPE.floats, floats: tagged.value.map((item) => checkFloat(item, context)) };
    case 'string':
      return { name, type: ONNX_ATTRIBUTE_TYPE.string, s: Buffer.from(tagged.value, 'utf8') };
    case 'tensor':
      return {
        name,
        type: ONNX_ATTRIBUTE_TYPE.tensor,
        t: encodeTensorProto(makeTensorRecord(name, tagged.dtype, tagged.shape, tagged.values)),
      };
    default:
      throw new TypeError(`${context} has an unknown form; see AttributeValue for the accepted forms`);
  }
}

function encodeArrayAttribute(
  name: string,
  values: ReadonlyArray<number | bigint | string>,
  context: string,
): Record<string, unknown> {
  if (values.every((item) => typeof item === 'string')) {
    if (values.length > 0) {
      return {
        name,
        type: ONNX_ATTRIBUTE_TYPE.strings,
        strings: (values as string[]).map((item) => Buffer.from(item, 'utf8')),
      };
    }
  }
  if (values.some((item) => typeof item === 'string')) {
    throw new TypeError(`${context} mixes strings and numbers; use one element type`);
  }

  const numbers = values as ReadonlyArray<number | bigint>;
  const allIntegers = numbers.every((item) => typeof item === 'bigint' || Number.isInteger(item));
  if (allIntegers) {
    return { name, type: ONNX_ATTRIBUTE_TYPE.ints, ints: numbers.map((item) => checkInt64(item, context)) };
  }
  if (numbers.some((item) => typeof item === 'bigint')) {
    throw new TypeError(`${context} mixes bigints and fractional numbers; use attr.floats() or attr.ints()`);
  }
  return { name, type: ONNX_ATTRIBUTE_TYPE.floats, floats: (numbers as number[]).map((item) => checkFloat(item, context)) };
}

/** Returns an int64 attribute value in the form protobufjs encodes exactly (number or decimal string). */
function checkInt64(value: number | bigint, context: string): number | string {
  if (typeof value === 'bigint') {
    if (value < -(2n ** 63n) || value >= 2n ** 63n) {
      throw new RangeError(`${context}: ${value} is outside int64`);
    }
    return value.toString();
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${context}: ${value} is not a safe integer; pass a bigint for large int64 values`);
  }
  return value;
}

function checkFloat(value: number, context: string): number {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${context}: ${value} is not finite; attributes must be finite`);
  }
  return value;
}
