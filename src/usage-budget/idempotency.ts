import { createHash } from 'node:crypto';
import { isGuid } from '../common/guid';
import { assertNoViolations, FieldViolation } from '../common/invalid-input.error';
import type { Caller } from '../request-context/caller';

/** The request headers that carry a caller's idempotency key: Partner Center's, and the IETF draft's. */
export const IDEMPOTENCY_KEY_HEADERS = ['MS-RequestId', 'Idempotency-Key'] as const;

/** The namespace of the gateway's derived MS-RequestIds (a fixed random UUID: only its stability matters). */
const REQUEST_ID_NAMESPACE = '6f1d7e2a-9c4b-4e8f-a1d3-5b7c9e0f2a4d';

/**
 * The caller's idempotency key, from whichever of MS-RequestId (a service written against Partner Center),
 * Idempotency-Key (the IETF draft) and, on GraphQL, the mutation's `idempotencyKey` was sent. A key that is not a
 * GUID is refused on a write rather than ignored: a caller who believes its retries are safe must not find out
 * otherwise by a doubled change.
 */
export function idempotencyKeyFrom(candidates: KeySource[]): string | undefined {
  const { key, violations } = readIdempotencyKey(candidates);
  assertNoViolations(violations);
  return key;
}

/** Where a key may come from (a header, or the mutation's argument), and what was sent there. */
export interface KeySource {
  header: string;
  value: string | undefined;
}

/** The key, or what is wrong with what was sent. */
export interface KeyReading {
  key?: string;
  violations: FieldViolation[];
}

/** The same reading without throwing: the key, or what is wrong with what was sent (a document's checks collect it). */
export function readIdempotencyKey(candidates: KeySource[]): KeyReading {
  const sent = candidates.filter((candidate) => candidate.value !== undefined && candidate.value !== '');
  const violations = sent.flatMap(({ header, value }) => idempotencyKeyViolations(header, value));
  if (violations.length > 0) return { violations };
  const keys = new Set(sent.map(({ value }) => value!.toLowerCase()));
  if (keys.size > 1) {
    const names = sent.map(({ header }) => header);
    return {
      violations: [
        {
          field: names[names.length - 1],
          message: `${names.join(' and ')} must be the same GUID when more than one is sent`,
        },
      ],
    };
  }
  return { key: keys.values().next().value, violations: [] };
}

/** A key that was sent must be a GUID (nothing sent, or an empty one, is no key); `field` names where it came from. */
export function idempotencyKeyViolations(field: string, value: unknown): FieldViolation[] {
  if (value === undefined || value === null || value === '' || isGuid(value)) return [];
  return [{ field, message: `${field} must be a GUID` }];
}

/** What one idempotency key names: one customer's new amount. */
export interface KeyedChange {
  customerId: string;
  amount: number;
}

/** Whether a key's second use asks for the same change (replayed, applied once) or for another one (refused). */
export function sameChange(recorded: KeyedChange, asked: KeyedChange): boolean {
  return (
    recorded.customerId.toLowerCase() === asked.customerId.toLowerCase() && recorded.amount === asked.amount
  );
}

/**
 * The MS-RequestId sent to Partner Center for a caller's key: a UUIDv5 over the caller's identity and the key, so
 * one caller's retries map to one upstream id (Partner Center applies the change once) and two callers that happen
 * to send the same key can never collide with each other's changes. A read under the same key is another logical
 * call, and gets another id (the contract: a new call, a new MS-RequestId), or Partner Center could answer a change
 * with the read's recorded answer. A change's id stays what it always was: retries that span a deploy keep theirs.
 */
export function upstreamRequestId(
  caller: Caller | undefined,
  idempotencyKey: string,
  call: 'change' | 'read' = 'change',
): string {
  const identity = caller
    ? [caller.issuer ?? '', caller.subject, caller.appId ?? ''].join('\n')
    : 'anonymous';
  const name = `${identity}\n${idempotencyKey.toLowerCase()}`;
  return uuidV5(call === 'read' ? `${name}\nread` : name, REQUEST_ID_NAMESPACE);
}

/** RFC 9562 §5.5: SHA-1 over namespace and name, version 5, variant 10. */
function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
