export * from './safetensors.js';
export * from './tensor-map.js';
