import { randomBytes } from 'node:crypto';

/**
 * Prefixed, random identifiers (`org_3kq8…`). The prefix tells a reader and a support engineer
 * which table an id belongs to; the 20 random bytes (160 bits, base32) make ids unguessable, so
 * an id leaks nothing about how many rows another tenant has.
 */
export const ID_PREFIXES = {
  organization: 'org',
  apiKey: 'key',
  partnership: 'ptn',
  project: 'prj',
  gateway: 'gtw',
  enrolmentToken: 'enr',
  dataset: 'dst',
  datasetLink: 'dsl',
  model: 'mdl',
  modelApproval: 'mda',
  modelVersion: 'mdv',
  auditEvent: 'aud',
  job: 'job',
  round: 'rnd',
  task: 'tsk',
  result: 'res',
  request: 'req',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const RANDOM_BYTES = 20;
const ENCODED_LENGTH = 32;

function encodeBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let output = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) output += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return output;
}

/** Creates a new id such as `prj_` followed by 32 lowercase base32 characters. */
export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${encodeBase32(randomBytes(RANDOM_BYTES))}`;
}

/** Pattern of a well-formed id of one kind, for request validation. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[a-z2-7]{${ENCODED_LENGTH}}$`);
}
