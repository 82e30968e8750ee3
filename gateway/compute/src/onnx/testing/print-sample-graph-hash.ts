// Prints the SHA-256 of the sample graphs, so a test can compare hashes built in separate processes.
import { sha256Hex } from '../run-graph.js';
import { buildSampleGraph } from './sample-graph.js';

process.stdout.write(`${sha256Hex(buildSampleGraph('float64'))} ${sha256Hex(buildSampleGraph('float32'))}\n`);
