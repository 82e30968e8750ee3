import type { Command } from 'commander';

import { enrollGateway } from '../cloud/enroll-gateway.js';
import { gatewayReport } from '../runner/capabilities.js';
import { GATEWAY_VERSION } from '../runner/start-gateway.js';
import { gatewayComputations } from '../runner/computations.js';
import { CommandInputError, type CommandRegistration } from './context.js';

interface EnrollOptions {
  api: string;
  token: string;
  json?: boolean;
}

/** Registers `enroll`, which connects this gateway to the cloud with a one-time token. */
export const registerEnrollCommand: CommandRegistration = (program, context) => {
  program
    .command('enroll')
    .description('enrol this gateway with the cloud: generate its key pair, send the public key with the one-time token, store the credential')
    .requiredOption('--api <url>', 'root URL of the cloud API, for example https://api.onsite.example')
    .requiredOption('--token <token>', "one-time enrolment token from the data officer's console (valid once)")
    .option('--json', 'print the result as JSON')
    .action(async (options: EnrollOptions, command: Command) => {
      let apiUrl: string;
      try {
        apiUrl = new URL(options.api).toString().replace(/\/+$/, '');
      } catch {
        throw new CommandInputError(`--api "${options.api}" is not a URL; give the API's root, for example https://api.onsite.example`);
      }

      const stateDir = context.stateDir(command);
      const enrolled = await enrollGateway({
        stateDir,
        apiUrl,
        token: options.token,
        report: gatewayReport(GATEWAY_VERSION, gatewayComputations),
        now: () => context.now(),
      });

      if (options.json === true) {
        context.output.json({ stateDir, apiUrl, ...enrolled });
        return;
      }
      context.output.line(`Enrolled as gateway ${enrolled.gatewayId} ("${enrolled.name}") of organization ${enrolled.organizationId}.`);
      context.output.line(`Public key fingerprint (SHA-256): ${enrolled.publicKeyFingerprint}`);
      context.output.line(`The credential is stored in ${stateDir}/config.json (mode 0600). Start the gateway with "onsite-gateway run".`);
    });
};
