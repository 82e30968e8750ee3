import type { ApiApp } from '../app.js';

export const API_TITLE = 'Onsite API';
export const API_VERSION = '1.0.0';

const API_DESCRIPTION = [
  'Federated learning for cancer research. The cloud keeps metadata only (organizations, partnerships,',
  'projects, dataset descriptions, models, jobs and results); hospital gateways pull tasks, compute on',
  'local data and return only sums and model weights.',
  '',
  'Authentication: `Authorization: Bearer <secret>` with an organization API key (`onsk_…`), a gateway',
  'credential (`ongw_…`) or, for operator routes, the operator token. Errors are RFC 9457 problem',
  'details. Lists use cursor pagination (`limit`, `cursor`). POST requests honour `Idempotency-Key`.',
].join('\n');

/** Registers the security schemes that route definitions refer to by name. */
export function registerSecuritySchemes(app: ApiApp): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Organization API key (`onsk_…`), shown once at creation.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'gatewayCredential', {
    type: 'http',
    scheme: 'bearer',
    description: 'Gateway credential (`ongw_…`) received at enrolment.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'operatorToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'Platform operator token, set with OPERATOR_TOKEN on the server.',
  });
}

/** The OpenAPI 3.1 document generated from the route definitions. */
export function buildOpenApiDocument(app: ApiApp, serverUrl?: string) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description: API_DESCRIPTION,
      license: { name: 'Proprietary' },
    },
    servers: serverUrl ? [{ url: serverUrl, description: 'This server' }] : [{ url: 'http://127.0.0.1:8787', description: 'Local development server (npm start)' }],
    tags: [
      { name: 'organizations', description: 'The calling organization (tenant).' },
      { name: 'api-keys', description: 'API keys of the calling organization.' },
      { name: 'partnerships', description: 'Collaborations between organizations.' },
      { name: 'projects', description: 'Research questions inside a partnership.' },
      { name: 'gateways', description: 'Hospital gateways: enrolment, heartbeat.' },
      { name: 'datasets', description: 'Dataset descriptions registered by gateways (never rows).' },
      { name: 'dataset-links', description: 'Requests to use a dataset in a project, and their approval.' },
      { name: 'models', description: 'Model specs, their approval and versions.' },
      { name: 'jobs', description: 'Federated jobs, rounds and results.' },
      { name: 'tasks', description: 'Work handed to gateways.' },
      { name: 'audit', description: 'The hash-chained audit trail.' },
    ],
  });
}
