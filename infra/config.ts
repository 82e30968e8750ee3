// Typed deployment settings for each environment. The CDK app picks one with `-c env=dev|prod`,
// so deploying to production never needs a code change.
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Largest request body the API accepts, in bytes (1 MiB). The API reads it from MAX_REQUEST_BYTES.
 * Bigger payloads (model updates, ONNX files) go straight to S3 through presigned URLs.
 */
export const MAX_REQUEST_BYTES = 1_048_576;

/** Tag that the blob store puts on site updates; the lifecycle rule expires tagged objects. */
export { ROUND_UPDATE_TAG } from '../functions/services/jobs/job-blob-keys.js';

export const ENVIRONMENT_NAMES = ['dev', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export interface ThrottleLimits {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed above the rate in a burst. */
  readonly burstLimit: number;
}

export interface DatabaseConfig {
  /** Name of the PostgreSQL database the functions use (DATABASE_NAME). */
  readonly databaseName: string;
  /** Availability zones of the isolated subnets, listed so that synthesis needs no AWS lookup. */
  readonly availabilityZones: readonly string[];
  /** Aurora capacity units (1 ACU is about 2 GiB of memory). 0 lets the cluster pause when idle. */
  readonly minCapacityAcu: number;
  readonly maxCapacityAcu: number;
  /** Idle minutes before a cluster whose minimum is 0 ACU pauses (Aurora allows 5 to 1440). */
  readonly autoPauseMinutes?: number;
  readonly backupRetentionDays: number;
  readonly secretRotationDays: number;
  /** Deletion protection on, and a final snapshot when the stack deletes the cluster. */
  readonly protectFromDeletion: boolean;
}

export interface ArtifactsConfig {
  /** Browser origins allowed to PUT and GET through presigned URLs. Empty: no CORS rule. */
  readonly corsAllowedOrigins: readonly string[];
  /** Days after which objects tagged with ROUND_UPDATE_TAG expire. */
  readonly roundUpdateExpirationDays: number;
  readonly noncurrentVersionExpirationDays: number;
  readonly incompleteMultipartUploadDays: number;
  readonly accessLogExpirationDays: number;
  /** Keep the buckets and the key when their stack is deleted. */
  readonly retainOnDelete: boolean;
}

export interface ApiConfig {
  /** Public address of the API; omitted, the functions get the HTTP API's default endpoint. */
  readonly publicBaseUrl?: string;
  /** Limits for every route not listed in `routeThrottles`. */
  readonly defaultThrottle: ThrottleLimits;
  /**
   * Limits per HTTP API route key ("METHOD /path"). Each key becomes its own route in front of
   * the same function, so its path must match a route of the Hono app.
   */
  readonly routeThrottles: Readonly<Record<string, ThrottleLimits>>;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  /**
   * SHA-256 (hex) of the platform operator's token (`npm run operator-token` prints both), from
   * `-c operatorTokenSha256=…`. Without it the operator routes, which create organisations, are closed.
   */
  readonly operatorTokenSha256?: string;
}

export interface WorkersConfig {
  readonly aggregationBatchSize: number;
  /** Receives of one message before SQS moves it to the dead-letter queue. */
  readonly aggregationMaxReceiveCount: number;
  readonly aggregationTimeoutSeconds: number;
  readonly aggregationMemorySizeMb: number;
  readonly sweepTimeoutSeconds: number;
  readonly deadLetterRetentionDays: number;
}

export interface ObservabilityConfig {
  readonly logRetention: RetentionDays;
  /** Percentage of API responses with a 5xx status, over 5 minutes, above which the alarm goes off. */
  readonly api5xxRatePercent: number;
  /** Address subscribed to the alarm topic; omitted, subscribe by hand after deploying. */
  readonly alarmEmail?: string;
}

export interface OnsiteConfig {
  readonly envName: EnvironmentName;
  /** Target account and region, fixed here so that synthesis never reads them from the machine. */
  readonly account: string;
  readonly region: string;
  /** Prefix of every stack name, for example `Onsite-dev`. */
  readonly stackPrefix: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly database: DatabaseConfig;
  readonly artifacts: ArtifactsConfig;
  readonly api: ApiConfig;
  readonly workers: WorkersConfig;
  readonly observability: ObservabilityConfig;
}

// Paris (eu-west-3): the first users are French cancer centres, and health data hosted for them
// must stay in France.
const REGION = 'eu-west-3';
const AVAILABILITY_ZONES = ['eu-west-3a', 'eu-west-3b'];

// Unauthenticated enrolment spends a one-time token, so it gets a tight limit against guessing.
// config.test.ts checks that each throttled route is an operation of openapi.yaml.
const ENROLMENT_THROTTLE: ThrottleLimits = { rateLimit: 1, burstLimit: 5 };

const CONFIGS: Record<EnvironmentName, OnsiteConfig> = {
  dev: {
    envName: 'dev',
    // NOTE: set the real account ids before the first deploy. `cdk deploy` stops when the
    // credentials in use belong to another account, so these values cannot deploy by mistake.
    account: '000000000000',
    region: REGION,
    stackPrefix: 'Onsite-dev',
    logLevel: 'debug',
    database: {
      databaseName: 'onsite',
      availabilityZones: AVAILABILITY_ZONES,
      // NOTE: the sweep queries the database every minute, so the cluster pauses only while the
      // sweep's schedule rule is disabled.
      minCapacityAcu: 0,
      maxCapacityAcu: 2,
      autoPauseMinutes: 30,
      backupRetentionDays: 1,
      secretRotationDays: 30,
      protectFromDeletion: false,
    },
    artifacts: {
      corsAllowedOrigins: ['http://localhost:5173'],
      roundUpdateExpirationDays: 7,
      noncurrentVersionExpirationDays: 7,
      incompleteMultipartUploadDays: 1,
      accessLogExpirationDays: 30,
      retainOnDelete: false,
    },
    api: {
      defaultThrottle: { rateLimit: 20, burstLimit: 40 },
      routeThrottles: { 'POST /v1/gateways/enroll': ENROLMENT_THROTTLE },
      memorySizeMb: 1024,
      timeoutSeconds: 29,
    },
    workers: {
      aggregationBatchSize: 1,
      aggregationMaxReceiveCount: 3,
      aggregationTimeoutSeconds: 120,
      aggregationMemorySizeMb: 1024,
      sweepTimeoutSeconds: 50,
      deadLetterRetentionDays: 14,
    },
    observability: {
      logRetention: RetentionDays.TWO_WEEKS,
      api5xxRatePercent: 5,
    },
  },
  prod: {
    envName: 'prod',
    account: '000000000000',
    region: REGION,
    stackPrefix: 'Onsite-prod',
    logLevel: 'info',
    database: {
      databaseName: 'onsite',
      availabilityZones: AVAILABILITY_ZONES,
      minCapacityAcu: 0.5,
      maxCapacityAcu: 8,
      backupRetentionDays: 14,
      secretRotationDays: 30,
      protectFromDeletion: true,
    },
    artifacts: {
      corsAllowedOrigins: [],
      roundUpdateExpirationDays: 30,
      noncurrentVersionExpirationDays: 30,
      incompleteMultipartUploadDays: 2,
      accessLogExpirationDays: 365,
      retainOnDelete: true,
    },
    api: {
      defaultThrottle: { rateLimit: 100, burstLimit: 200 },
      routeThrottles: { 'POST /v1/gateways/enroll': ENROLMENT_THROTTLE },
      memorySizeMb: 1024,
      timeoutSeconds: 29,
    },
    workers: {
      aggregationBatchSize: 1,
      aggregationMaxReceiveCount: 5,
      aggregationTimeoutSeconds: 300,
      aggregationMemorySizeMb: 2048,
      sweepTimeoutSeconds: 50,
      deadLetterRetentionDays: 14,
    },
    observability: {
      logRetention: RetentionDays.THREE_MONTHS,
      api5xxRatePercent: 1,
    },
  },
};

function isEnvironmentName(value: unknown): value is EnvironmentName {
  return typeof value === 'string' && (ENVIRONMENT_NAMES as readonly string[]).includes(value);
}

/**
 * Returns the configuration named by the `env` context value (`-c env=prod`). No value selects
 * `dev`, so a bare `cdk synth` never targets production.
 */
export function selectConfig(envContext: unknown, operatorTokenSha256Context?: unknown): OnsiteConfig {
  const config = selectEnvironmentConfig(envContext);
  if (operatorTokenSha256Context === undefined) return config;

  if (typeof operatorTokenSha256Context !== 'string' || !/^[0-9a-f]{64}$/.test(operatorTokenSha256Context)) {
    throw new Error(
      'Invalid context value operatorTokenSha256: expected 64 lowercase hex digits, the SHA-256 that `npm run operator-token` prints.',
    );
  }
  return { ...config, api: { ...config.api, operatorTokenSha256: operatorTokenSha256Context } };
}

function selectEnvironmentConfig(envContext: unknown): OnsiteConfig {
  if (envContext === undefined) {
    return CONFIGS.dev;
  }

  if (!isEnvironmentName(envContext)) {
    throw new Error(
      `Invalid context value env=${JSON.stringify(envContext)}: expected one of ${ENVIRONMENT_NAMES.join(', ')} (cdk synth -c env=dev).`,
    );
  }

  return CONFIGS[envContext];
}
