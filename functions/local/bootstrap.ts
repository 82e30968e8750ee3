import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { localStatePaths } from './local-state.js';

/**
 * `npm run bootstrap`: creates an organization and its first owner key through the operator route
 * of a running API (the local one by default), and prints the owner secret once.
 */
const program = new Command('bootstrap')
  .description('Create an organization and its first owner key on a running Onsite API (operator only).')
  .requiredOption('--name <name>', 'organization name, e.g. "Centre Léon Bérard"')
  .addOption(new Option('--kind <kind>', 'kind of organization').choices(['hospital', 'research_lab', 'company']).default('hospital'))
  .option('--api <url>', 'base URL of the API', 'http://127.0.0.1:8787')
  .option('--operator-token <token>', 'operator token; defaults to ONSITE_OPERATOR_TOKEN, then to the local state folder')
  .action(async (options: { name: string; kind: string; api: string; operatorToken?: string }) => {
    const token = options.operatorToken ?? process.env.ONSITE_OPERATOR_TOKEN ?? readLocalOperatorToken();
    const response = await fetch(new URL('/v1/organizations', options.api), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: options.name, kind: options.kind }),
    }).catch((error: unknown) => {
      throw new Error(`could not reach the API at ${options.api} (${error instanceof Error ? error.message : String(error)}); start it with npm start`);
    });

    const body = (await response.json()) as {
      organization?: { id: string };
      ownerKey?: { secret: string };
      detail?: string;
      errors?: Array<{ path: string; message: string }>;
    };
    if (response.status !== 201 || !body.organization || !body.ownerKey) {
      const fields = (body.errors ?? []).map((error) => `${error.path}: ${error.message}`).join('; ');
      throw new Error(`the API rejected the request (${response.status}): ${body.detail ?? JSON.stringify(body)}${fields ? ` (${fields})` : ''}`);
    }

    process.stdout.write(
      [
        `Organization   ${body.organization.id} (${options.name}, ${options.kind})`,
        `Owner key      ${body.ownerKey.secret}`,
        '',
        'Store the owner key now: it is not shown again. Use it as "Authorization: Bearer <key>".',
        '',
      ].join('\n'),
    );
  });

function readLocalOperatorToken(): string {
  const { operatorTokenFile } = localStatePaths();
  try {
    return readFileSync(operatorTokenFile, 'utf8').trim();
  } catch {
    throw new Error(
      `no operator token in ${operatorTokenFile}: pass --operator-token, set ONSITE_OPERATOR_TOKEN, ` +
        'or, if the local API runs with ONSITE_HOME set, set the same ONSITE_HOME here (npm start creates the token there)',
    );
  }
}

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`bootstrap failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
