import { describe, expect, it } from 'vitest';

import { compileDescriptiveSiteGraph } from './descriptive-site.js';
import { addSiteTensors, float64Vector, runSummingGraphInChunks } from './site-graph.js';

describe('runSummingGraphInChunks', () => {
  const graph = compileDescriptiveSiteGraph({ numeric: [{ column: 'x', binEdges: [0, 1, 2, 3] }] });
  const x = Float64Array.from({ length: 103 }, (_, i) => (i % 7) * 0.5);

  it('adds chunk outputs to the single-run outputs', async () => {
    const feeds = (start: number, end: number) => ({ x: float64Vector(x.subarray(start, end)) });
    const whole = await runSummingGraphInChunks(graph, x.length, x.length, feeds);
    const chunked = await runSummingGraphInChunks(graph, x.length, 10, feeds);

    expect(chunked).toEqual(whole);
  });

  it('runs once on an empty table and returns zeros', async () => {
    const empty = await runSummingGraphInChunks(graph, 0, 10, () => ({ x: float64Vector(new Float64Array(0)) }));
    expect(Array.from(empty['stats/x/histogram']!.data as Float64Array)).toEqual([0, 0, 0, 0, 0]);
  });

  it.each([0, 1.5, -3])('rejects a chunk size of %s', async (chunkRows) => {
    await expect(runSummingGraphInChunks(graph, 1, chunkRows, () => ({}))).rejects.toThrow(/use a positive integer/);
  });
});

describe('addSiteTensors', () => {
  it('rejects tensors with different dims', () => {
    const a = { t: { dtype: 'float64' as const, dims: [2], data: new Float64Array(2) } };
    const b = { t: { dtype: 'float64' as const, dims: [3], data: new Float64Array(3) } };
    expect(() => addSiteTensors(a, b)).toThrow(/dims \[2\] and \[3\] differ/);
  });

  it('rejects names present on one side only', () => {
    const a = { t: { dtype: 'float64' as const, dims: [1], data: new Float64Array(1) } };
    expect(() => addSiteTensors(a, {})).toThrow(/one side only/);
  });
});
