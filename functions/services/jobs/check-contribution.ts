import { decodeTensors, isFloatDtype, WeightsFormatError, type TensorLayout, type TensorMap } from '@onsite/compute';

export type ContributionCheck = { ok: true; tensors: TensorMap } | { ok: false; reason: string };

/**
 * Decodes an uploaded update and applies the checks that apply to every computation. The file must
 * be readable safetensors, and its floating-point values finite, because a NaN or an infinity
 * makes every sum it enters useless. It must also match the computation's `contributionLayout`
 * when it has one (Kaplan–Meier has none, because its length depends on the data).
 */
export function checkContribution(bytes: Uint8Array, layout: TensorLayout | undefined): ContributionCheck {
  let tensors: TensorMap;
  try {
    tensors = decodeTensors(bytes).tensors;
  } catch (error) {
    if (error instanceof WeightsFormatError) return { ok: false, reason: `the update is not a valid safetensors file: ${error.message}` };
    throw error;
  }

  if (layout) {
    const problem = findLayoutProblem(tensors, layout);
    if (problem) return { ok: false, reason: problem };
  }

  for (const name of Object.keys(tensors).sort()) {
    const tensor = tensors[name];
    if (!tensor || !isFloatDtype(tensor.dtype)) continue;
    const data = tensor.data as Float64Array | Float32Array;
    const index = data.findIndex((value) => !Number.isFinite(value));
    if (index >= 0) return { ok: false, reason: `tensor "${name}" has a non-finite value ${data[index]} at index ${index}` };
  }
  return { ok: true, tensors };
}

function findLayoutProblem(tensors: TensorMap, layout: TensorLayout): string | undefined {
  const missing = Object.keys(layout).filter((name) => !Object.hasOwn(tensors, name)).sort();
  if (missing.length > 0) return `tensors ${missing.map((name) => `"${name}"`).join(', ')} are missing from the update`;
  const extra = Object.keys(tensors).filter((name) => !Object.hasOwn(layout, name)).sort();
  if (extra.length > 0) return `tensors ${extra.map((name) => `"${name}"`).join(', ')} are not part of this computation's update`;

  for (const name of Object.keys(layout).sort()) {
    const expected = layout[name];
    const actual = tensors[name];
    if (!expected || !actual) continue;
    if (actual.dtype !== expected.dtype) return `tensor "${name}" is ${actual.dtype} but ${expected.dtype} is expected`;
    const sameShape = actual.shape.length === expected.shape.length && actual.shape.every((dim, axis) => dim === expected.shape[axis]);
    if (!sameShape) return `tensor "${name}" has shape [${actual.shape.join(', ')}] but [${expected.shape.join(', ')}] is expected`;
  }
  return undefined;
}
