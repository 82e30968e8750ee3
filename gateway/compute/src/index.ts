// Public interface of @onsite/compute: the model spec, the graph compiler, the weights format and
// the aggregation maths shared by the Onsite cloud and gateway.
export * from './spec/index.js';
export * from './onnx/index.js';
export * from './weights/index.js';
export * from './protocol/computation.js';
export * from './aggregate/index.js';
export * from './cox/index.js';
export * from './logistic/index.js';
export * from './mlp/index.js';
export * from './stats/index.js';
export * from './survival/index.js';
export * from './metrics/index.js';
export * from './protocol/registry.js';
export * from './protocol/feature-layout.js';
export * from './protocol/tensor-json.js';
