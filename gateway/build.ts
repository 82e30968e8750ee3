// Bundles the gateway CLI into one ES module for hospitals that run plain `node`, with
// onnxruntime-web's WebAssembly files beside it. Run it with `npx tsx gateway/build.ts`.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const gatewayDir = dirname(fileURLToPath(import.meta.url));
const outDir = join(gatewayDir, 'dist');
const outFile = join(outDir, 'onsite-gateway.mjs');

/**
 * onnxruntime-web 1.31.1 (its Node entry, `ort.node.min.mjs`) loads its WebAssembly build at run
 * time from the folder of the importing module: the Emscripten loader (`.mjs`, also the worker
 * script of the threaded build) and the binary (`.wasm`). Bundling cannot inline them, so they
 * are copied next to the bundle.
 */
const ONNX_RUNTIME_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

await build({
  entryPoints: [join(gatewayDir, 'src', 'cli.ts')],
  outfile: outFile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'linked',
  // Some dependencies are CommonJS and call `require` for Node built-ins, which an ES module lacks.
  banner: { js: "import { createRequire as __onsiteCreateRequire } from 'node:module'; const require = __onsiteCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

const require = createRequire(import.meta.url);
const onnxRuntimeDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
for (const file of ONNX_RUNTIME_FILES) {
  await copyFile(join(onnxRuntimeDist, file), join(outDir, file));
}

process.stdout.write(`wrote ${outFile} and ${ONNX_RUNTIME_FILES.join(', ')}\n`);
