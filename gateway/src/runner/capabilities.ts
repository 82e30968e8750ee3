import { COMPUTATION_NAMES, type ComputationName } from '@onsite/compute';
import * as ort from 'onnxruntime-web';

import type { GatewayReport } from '../cloud/gateway-cloud.js';
import type { ComputationLookup } from './run-task.js';

/** Lists the computations the lookup provides, in protocol order. */
export function supportedComputations(computations: ComputationLookup): ComputationName[] {
  return COMPUTATION_NAMES.filter((name) => {
    try {
      computations(name);
      return true;
    } catch {
      return false;
    }
  });
}

/** Builds the version and capabilities the gateway reports at enrolment and in each heartbeat. */
export function gatewayReport(version: string, computations: ComputationLookup): GatewayReport {
  return {
    version,
    capabilities: {
      computations: supportedComputations(computations),
      onnxruntimeWeb: ort.env.versions.web ?? 'unknown',
      node: process.versions.node,
    },
  };
}
