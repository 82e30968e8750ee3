
import { appendAuditEvent, ensureKeyPair, ensureStateDir, readConfig, updateConfig } from '../state/index.js';

import { createApiClient, dataOrThrow } from './api-client.js';
import type { FetchFunction, GatewayReport } from './gateway-cloud.js';

export interface EnrollGatewayRequest {
  stateDir: string;
  /** Root URL of the cloud API, for example `https://api.onsite.example`. */
  apiUrl: string;
  /** The one-time enrolment token the data officer created for this gateway. */
  token: string;
  report: GatewayReport;
  fetch?: FetchFunction;
  now?: () => Date;
}

export interface EnrolledGateway {
  gatewayId: string;
  name: string;
  organizationId: string;
  publicKeyFingerprint: string;
}

/**
 * Enrols this gateway: loads or generates its Ed25519 key pair, sends the public key with the
 * one-time token, and stores the API URL, gateway id and credential in `config.json` (mode 0600).
 * The credential is written before anything else happens, because the token cannot be used again.
 */
export async function enrollGateway(request: EnrollGatewayRequest): Promise<EnrolledGateway> {
  const now = request.now ?? (() => new Date());
  await ensureStateDir(request.stateDir);

  const existing = await readConfig(request.stateDir);
  if (existing.gatewayId !== undefined && existing.credential !== undefined) {
    throw new Error(
      `this state folder is already enrolled as gateway ${existing.gatewayId}; ` +
        'use another --state folder, or move config.json away to enrol again',
    );
  }

  const keyPair = await ensureKeyPair(request.stateDir);
  const publicKey = keyPair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  // The enrolment route is authenticated by the token in the body. The API rejects any
  // Authorization header it cannot resolve, so this client sends none.
  const client = createApiClient({ baseUrl: request.apiUrl, ...(request.fetch === undefined ? {} : { fetch: request.fetch }) });
  const enrolled = dataOrThrow(
    await client.POST('/v1/gateways/enroll', { body: { token: request.token, publicKey, ...request.report } }),
  );

  await updateConfig(request.stateDir, {
    apiUrl: request.apiUrl,
    gatewayId: enrolled.gateway.id,
    credential: enrolled.credential,
  });
  await appendAuditEvent(
    request.stateDir,
    {
      type: 'gateway.enrolled',
      details: { gatewayId: enrolled.gateway.id, apiUrl: request.apiUrl, publicKeyFingerprint: keyPair.fingerprint },
    },
    now(),
  );

  return {
    gatewayId: enrolled.gateway.id,
    name: enrolled.gateway.name,
    organizationId: enrolled.gateway.organizationId,
    publicKeyFingerprint: keyPair.fingerprint,
  };
}
