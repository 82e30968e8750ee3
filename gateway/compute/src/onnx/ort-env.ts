import { availableParallelism } from 'node:os';

import * as ort from 'onnxruntime-web';

/**
 * The one place that sets `ort.env.wasm`. onnxruntime-web reads these options when it first
 * initialises its WebAssembly module (at the first session) and ignores later changes, so they are
 * applied once, before any session exists.
 *
 * Threads: onnxruntime-web 1.31.1 runs its multi-threaded WebAssembly build in Node 20 (worker
 * threads, no cross-origin isolation needed), and results match the single-threaded build. On a
 * 2-core machine, an 800×800 float32 MatMul repeated 10 times took about 380 ms with 1 thread,
 * 220 ms with 2 and 300 ms with 4, so more threads than cores costs time. The default is therefore
 * one thread per available core, capped at `MAX_DEFAULT_THREADS`.
 */
export interface OnnxRuntimeOptions {
  /** WebAssembly threads; default one per available core, at most 8. 1 disables threading. */
  numThreads?: number;
}

/** Upper bound of the default thread count; past it, gains for Onsite's small graphs are unmeasured. */
export const MAX_DEFAULT_THREADS = 8;

let applied: Required<OnnxRuntimeOptions> | undefined;

/**
 * Sets the onnxruntime-web options for this process. Call it before the first `runGraph` to
 * override the defaults; `runGraph` applies the defaults itself otherwise. Calling it again with
 * different values after they were applied throws, because onnxruntime-web would silently keep the
 * first ones.
 */
export function configureOnnxRuntime(options: OnnxRuntimeOptions = {}): Required<OnnxRuntimeOptions> {
  const numThreads = options.numThreads ?? Math.min(availableParallelism(), MAX_DEFAULT_THREADS);
  if (!Number.isInteger(numThreads) || numThreads < 1) {
    throw new RangeError(`configureOnnxRuntime: numThreads is ${numThreads}; use a positive integer`);
  }

  if (applied !== undefined) {
    if (applied.numThreads !== numThreads) {
      throw new Error(
        `configureOnnxRuntime: onnxruntime-web already runs with ${applied.numThreads} threads and cannot ` +
          `switch to ${numThreads}; configure it once at start-up, before the first graph runs`,
      );
    }
    return applied;
  }

  ort.env.wasm.numThreads = numThreads;
  // SIMD is detected by onnxruntime-web itself; the proxy worker is a browser feature.
  ort.env.wasm.proxy = false;
  applied = { numThreads };
  return applied;
}

/** Returns the options in force, applying the defaults if nothing was configured yet. */
export function ensureOnnxRuntimeConfigured(): Required<OnnxRuntimeOptions> {
  return applied ?? configureOnnxRuntime();
}
