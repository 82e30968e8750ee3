import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createContractApp } from './contract-app.js';
import { buildOpenApiDocument } from './document.js';

/** Renders openapi.yaml exactly as committed: the contract test compares against this output. */
export function renderOpenApiYaml(): string {
  const document = buildOpenApiDocument(createContractApp());
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

const outputPath = fileURLToPath(new URL('../../../openapi.yaml', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(outputPath, renderOpenApiYaml());
  process.stdout.write(`wrote ${outputPath}\n`);
}
