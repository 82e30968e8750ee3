import { describe, expect, it } from 'vitest';

import { parseTensorMapJson, tensorMapToJson } from './tensor-json.js';

describe('parseTensorMapJson', () => {
  it('reads back what tensorMapToJson writes', () => {
    const json = {
      a: { dtype: 'F64', shape: [2], data: [0.1, -2.5] },
      b: { dtype: 'F32', shape: [1, 2], data: [0.5, 3] },
      c: { dtype: 'I32', shape: [1], data: [-7] },
      d: { dtype: 'I64', shape: [2], data: ['9007199254740993', '-1'] },
    };

    expect(tensorMapToJson(parseTensorMapJson(json, 'options.weights'))).toEqual(json);
  });

  it('accepts the largest float32 as usually printed', () => {
    const tensors = parseTensorMapJson({ a: { dtype: 'F32', shape: [1], data: [3.4028235e38] } }, 'options.weights');

    expect(tensors.a?.data[0]).toBe(3.4028234663852886e38);
  });

  it.each([
    ['an unknown dtype', { a: { dtype: 'F16', shape: [1], data: [0] } }, /options.weights\["a"\].dtype is "F16"; use one of "F64", "F32", "I32", "I64"/],
    ['a fractional dimension', { a: { dtype: 'F64', shape: [1.5], data: [0] } }, /shape is \[1.5\]; use an array of whole numbers/],
    ['a fractional I32 value', { a: { dtype: 'I32', shape: [1], data: [1.5] } }, /data\[0\] is 1.5; I32 values are whole numbers/],
    ['an I64 number', { a: { dtype: 'I64', shape: [1], data: [1] } }, /data\[0\] is 1; I64 values are decimal strings/],
    ['an I64 beyond 64 bits', { a: { dtype: 'I64', shape: [1], data: ['9223372036854775808'] } }, /I64 values are decimal strings of 64-bit integers/],
    ['a tensor that is not an object', { a: 3 }, /options.weights\["a"\] must be an object with dtype, shape and data/],
    ['an unknown tensor field', { a: { dtype: 'F64', shape: [1], data: [0], foo: 1 } }, /options.weights\["a"\] has unknown field\(s\) "foo"/],
    ['one value for two', { a: { dtype: 'F64', shape: [2], data: [0] } }, /data is 1 value; shape \[2\] needs an array of 2 values/],
    ['a value beyond float32', { a: { dtype: 'F32', shape: [1], data: [3.5e38] } }, /data\[0\] is 3.5e\+38; F32 values must lie within/],
  ])('rejects %s', (_case, json, message) => {
    expect(() => parseTensorMapJson(json, 'options.weights')).toThrow(message);
  });
});
