export * from './graph-builder.js';
export * from './run-graph.js';
export { configureOnnxRuntime, MAX_DEFAULT_THREADS, type OnnxRuntimeOptions } from './ort-env.js';
export { DTYPE_ITEM_SIZE, shapeSize, TENSOR_DTYPES } from './tensor-bytes.js';
export { ONNX_DATA_TYPE } from './onnx-schema.js';
