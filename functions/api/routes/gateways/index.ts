import type { ApiApp } from '../../app.js';
import * as createEnrolmentToken from './create-enrolment-token.js';
import * as createGateway from './create-gateway.js';
import * as enrollGateway from './enroll-gateway.js';
import * as getCurrentGateway from './get-current-gateway.js';
import * as getGateway from './get-gateway.js';
import * as listGateways from './list-gateways.js';
import * as recordHeartbeat from './record-heartbeat.js';
import * as revokeGateway from './revoke-gateway.js';

export function registerGatewayRoutes(app: ApiApp): void {
  createGateway.register(app);
  enrollGateway.register(app);
  listGateways.register(app);
  getGateway.register(app);
  revokeGateway.register(app);
  createEnrolmentToken.register(app);
  getCurrentGateway.register(app);
  recordHeartbeat.register(app);
}
