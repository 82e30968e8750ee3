import { fromTensorValue, toTensorValue, type TensorLayout, type TensorMap } from '../weights/tensor-map.js';
import type { SiteTensors } from './site-graph.js';

/**
 * Converts site tensors to the weights format's tensor map, the form a site uploads and the
 * aggregate module validates and sums (with `weighting: "uniform"`, which gives plain sums).
 */
export function siteTensorsToTensorMap(tensors: SiteTensors): TensorMap {
  const map: TensorMap = {};
  for (const name of Object.keys(tensors).sort()) {
    map[name] = fromTensorValue(name, tensors[name]!);
  }
  return map;
}

/** Converts a (summed) tensor map back to site tensors, for the summary functions. */
export function tensorMapToSiteTensors(map: TensorMap): SiteTensors {
  const tensors: SiteTensors = {};
  for (const [name, tensor] of Object.entries(map)) {
    tensors[name] = toTensorValue(tensor);
  }
  return tensors;
}

/** Builds a layout of float64 tensors from names and shapes. */
export function float64Layout(shapes: Record<string, number[]>): TensorLayout {
  const layout: TensorLayout = {};
  for (const name of Object.keys(shapes).sort()) {
    layout[name] = { dtype: 'F64', shape: [...shapes[name]!] };
  }
  return layout;
}
