// CDK entry point: `npx cdk synth -c env=prod` (run from infra/) builds the production stacks.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { selectConfig } from './config.js';
import { FEATURE_FLAGS } from './feature-flags.js';
import { buildOnsiteStacks } from './onsite-app.js';

const app = new App({ context: FEATURE_FLAGS });
const config = selectConfig(app.node.tryGetContext('env'), app.node.tryGetContext('operatorTokenSha256'));

buildOnsiteStacks(app, config);

// Every synthesis, including the one `cdk deploy` runs, fails on an unsuppressed cdk-nag error.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

app.synth();
