import { createHash } from 'node:crypto';

import * as ort from 'onnxruntime-web';

import { ensureOnnxRuntimeConfigured } from './ort-env.js';
import { shapeSize, type TensorDtype } from './tensor-bytes.js';

/** A tensor passed to or returned by `runGraph`. Bool tensors hold one byte (0 or 1) per element. */
export interface TensorValue {
  dtype: TensorDtype;
  dims: number[];
  data: Float64Array | Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** SHA-256 of bytes as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Maximum number of cached sessions. A training job uses a handful of graphs (step, loss,
 * evaluation), so 32 covers several jobs in one gateway process; older idle sessions are released.
 */
export const MAX_CACHED_SESSIONS = 32;

interface CachedSession {
  session: Promise<ort.InferenceSession>;
  /** Runs in progress; a session is released only when none are. */
  inUse: number;
  lastUsed: number;
}

const sessions = new Map<string, CachedSession>();
let useClock = 0;

const DATA_CONSTRUCTORS: Record<TensorDtype, { name: string; check: (data: unknown) => boolean }> = {
  float64: { name: 'Float64Array', check: (data) => data instanceof Float64Array },
  float32: { name: 'Float32Array', check: (data) => data instanceof Float32Array },
  int64: { name: 'BigInt64Array', check: (data) => data instanceof BigInt64Array },
  int32: { name: 'Int32Array', check: (data) => data instanceof Int32Array },
  bool: { name: 'Uint8Array', check: (data) => data instanceof Uint8Array },
};

/**
 * Runs an ONNX model with onnxruntime-web (WebAssembly) and returns the requested outputs (all
 * graph outputs by default). Sessions are cached by the model's SHA-256, so running the same graph
 * again skips parsing and optimisation. Feeds are checked against their dtype and dims first, so a
 * mistake names the input instead of surfacing as a native error code.
 */
export async function runGraph(
  model: Uint8Array,
  feeds: Record<string, TensorValue>,
  outputNames?: string[],
): Promise<Record<string, TensorValue>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, value] of Object.entries(feeds)) {
    ortFeeds[name] = toOrtTensor(name, value);
  }

  const key = sha256Hex(model);
  const entry = acquireSession(key, model);
  try {
    const session = await entry.session;
    checkFeedNames(session, Object.keys(feeds), key);
    const requested = outputNames ?? [...session.outputNames];
    for (const name of requested) {
      if (!session.outputNames.includes(name)) {
        throw new Error(
          `runGraph: the model (sha256 ${key.slice(0, 12)}…) has no output "${name}"; ` +
            `its outputs are ${session.outputNames.join(', ')}`,
        );
      }
    }

    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      // Runs go one at a time: every session shares the one WebAssembly instance, and several
      // gateways (or rounds) in one process could otherwise start runs that overlap.
      const run = runQueue.then(() => session.run(ortFeeds, requested));
      runQueue = run.catch(() => undefined);
      results = await run;
    } catch (error) {
      throw new Error(`runGraph: onnxruntime-web failed to run the model (sha256 ${key.slice(0, 12)}…)`, {
        cause: error,
      });
    }

    const outputs: Record<string, TensorValue> = {};
    for (const name of requested) {
      const tensor = results[name];
      if (tensor === undefined) {
        throw new Error(`runGraph: onnxruntime-web returned no value for output "${name}"`);
      }
      outputs[name] = fromOrtTensor(name, tensor as ort.Tensor);
    }
    return outputs;
  } finally {
    entry.inUse -= 1;
    await evictIdleSessions();
  }
}

/** Releases every cached session; for tests and clean shutdown. Sessions in use are kept. */
export async function releaseCachedSessions(): Promise<void> {
  for (const [key, entry] of [...sessions]) {
    if (entry.inUse === 0) {
      sessions.delete(key);
      await releaseQuietly(entry);
    }
  }
}

/** Number of sessions currently cached. */
export function cachedSessionCount(): number {
  return sessions.size;
}

/** Tail of the run queue: each run starts after the previous one settled. */
let runQueue: Promise<unknown> = Promise.resolve();

function acquireSession(key: string, model: Uint8Array): CachedSession {
  useClock += 1;
  let entry = sessions.get(key);
  if (entry === undefined) {
    ensureOnnxRuntimeConfigured();
    // The session gets its own copy: onnxruntime-web may transfer or retain the buffer.
    const session = ort.InferenceSession.create(model.slice(), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      // Native log lines would bypass the caller's logger; failures reach it as thrown errors.
      logSeverityLevel: 4,
    }).catch((error: unknown) => {
      sessions.delete(key);
      throw new Error(
        `runGraph: onnxruntime-web could not load the model (sha256 ${key.slice(0, 12)}…); ` +
          'check the graph with the ONNX checker or rebuild it',
        { cause: error },
      );
    });
    entry = { session, inUse: 0, lastUsed: useClock };
    sessions.set(key, entry);
  }
  entry.inUse += 1;
  entry.lastUsed = useClock;
  return entry;
}

async function evictIdleSessions(): Promise<void> {
  while (sessions.size > MAX_CACHED_SESSIONS) {
    let oldestKey: string | undefined;
    let oldest: CachedSession | undefined;
    for (const [key, entry] of sessions) {
      if (entry.inUse === 0 && (oldest === undefined || entry.lastUsed < oldest.lastUsed)) {
        oldestKey = key;
        oldest = entry;
      }
    }
    if (oldestKey === undefined || oldest === undefined) {
      return;
    }
    sessions.delete(oldestKey);
    await releaseQuietly(oldest);
  }
}

async function releaseQuietly(entry: CachedSession): Promise<void> {
  // A session that failed to load has nothing to release; its error already reached its caller.
  const session = await entry.session.catch(() => undefined);
  await session?.release();
}

function checkFeedNames(session: ort.InferenceSession, feedNames: string[], key: string): void {
  const missing = session.inputNames.filter((name) => !feedNames.includes(name));
  if (missing.length > 0) {
    throw new Error(`runGraph: missing feeds ${missing.join(', ')} for the model (sha256 ${key.slice(0, 12)}…)`);
  }
  const unknown = feedNames.filter((name) => !session.inputNames.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `runGraph: the model (sha256 ${key.slice(0, 12)}…) has no input ${unknown.join(', ')}; ` +
        `its inputs are ${session.inputNames.join(', ')}`,
    );
  }
}

function toOrtTensor(name: string, value: TensorValue): ort.Tensor {
  const expected = DATA_CONSTRUCTORS[value.dtype];
  if (expected === undefined) {
    throw new TypeError(`runGraph: feed "${name}" has unsupported dtype "${value.dtype}"`);
  }
  if (!expected.check(value.data)) {
    throw new TypeError(`runGraph: feed "${name}" is ${value.dtype}, so its data must be a ${expected.name}`);
  }
  for (const [index, dim] of value.dims.entries()) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(`runGraph: feed "${name}" has dimension ${index} = ${dim}; use a non-negative integer`);
    }
  }
  const size = shapeSize(value.dims);
  if (value.data.length !== size) {
    throw new RangeError(
      `runGraph: feed "${name}" has dims [${value.dims.join(', ')}] (${size} elements) but ${value.data.length} values`,
    );
  }

  return new ort.Tensor(value.dtype, value.data, value.dims);
}

function fromOrtTensor(name: string, tensor: ort.Tensor): TensorValue {
  const dims = [...tensor.dims];
  switch (tensor.type) {
    case 'float64':
    case 'float32':
    case 'int64':
    case 'int32':
    case 'bool':
      return { dtype: tensor.type, dims, data: tensor.data as TensorValue['data'] };
    default:
      throw new TypeError(
        `runGraph: output "${name}" has dtype "${tensor.type}", which Onsite does not read; cast it in the graph`,
      );
  }
}
