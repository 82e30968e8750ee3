import { createHash, randomBytes } from 'node:crypto';

/**
 * `npm run operator-token`: prints a new random operator token and its SHA-256. A deployment gets
 * only the hash (`-c operatorTokenSha256=…` for the CDK app, or OPERATOR_TOKEN_SHA256), so the
 * token itself stays with the platform operator.
 */
const token = `onop_${randomBytes(32).toString('base64url')}`;
const sha256 = createHash('sha256').update(token).digest('hex');

process.stdout.write(
  [
    `Operator token   ${token}`,
    `SHA-256          ${sha256}`,
    '',
    'Keep the token secret (a password manager); give the API only the SHA-256.',
    '',
  ].join('\n'),
);
