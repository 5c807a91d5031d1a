import type { FaultSpec } from './types';

const KINDS = ['status', 'latency', 'hang', 'reset', 'drop-after-apply', 'slow-answer'];
/** The kinds that delay an answer by latencyMs (plus jitterMs). */
const DELAYS = ['latency', 'slow-answer'];
const TARGETS = ['partner-center', 'token'];
const METHODS = ['GET', 'PATCH', 'POST'];

/** Checks a fault spec from JSON or code, so a typo fails loudly instead of silently never matching. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new Error('a fault spec must be a JSON object');
  const spec = input as Record<string, unknown>;
  const fail = (why: string): never => {
    throw new Error(`invalid fault spec: ${why}`);
  };
  if (!KINDS.includes(spec.kind as string)) fail(`kind must be one of ${KINDS.join(', ')}`);
  if (spec.target !== undefined && !TARGETS.includes(spec.target as string))
    fail(`target must be one of ${TARGETS.join(', ')}`);
  if (spec.method !== undefined && !METHODS.includes(spec.method as string))
    fail(`method must be one of ${METHODS.join(', ')}`);
  if (spec.customerId !== undefined && typeof spec.customerId !== 'string')
    fail('customerId must be a string');
  if (spec.kind === 'status' && !isInteger(spec.status, 200, 599))
    fail('kind status needs status between 200 and 599');
  // A success or redirect status only makes sense with the body to send (e.g. a 200 whose body is not a SpendingBudget).
  if (spec.kind === 'status' && (spec.status as number) < 400 && spec.body === undefined)
    fail('kind status with a status below 400 needs a body');
  if (spec.kind === 'drop-after-apply') {
    if (spec.target !== undefined && spec.target !== 'partner-center')
      fail('kind drop-after-apply only applies to target partner-center');
    if (spec.method !== undefined && spec.method !== 'PATCH')
      fail('kind drop-after-apply only applies to method PATCH');
  }
  if (DELAYS.includes(spec.kind as string) && !isInteger(spec.latencyMs, 0, 600_000))
    fail(`kind ${spec.kind as string} needs latencyMs (0..600000)`);
  if (
    spec.jitterMs !== undefined &&
    (!DELAYS.includes(spec.kind as string) || !isInteger(spec.jitterMs, 0, 600_000))
  )
    fail('jitterMs goes with kind latency or slow-answer (0..600000)');
  if (spec.count !== undefined && !isInteger(spec.count, 1, Number.MAX_SAFE_INTEGER))
    fail('count must be a positive integer');
  if (spec.rate !== undefined && !(typeof spec.rate === 'number' && spec.rate >= 0 && spec.rate <= 1))
    fail('rate must be between 0 and 1');
  for (const key of ['description', 'body', 'retryAfter'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'string') fail(`${key} must be a string`);
  }
  if (spec.code !== undefined && typeof spec.code !== 'string' && typeof spec.code !== 'number')
    fail('code must be a number or a string');
  const parsed: FaultSpec = {
    ...(spec as unknown as FaultSpec),
    target: (spec.target as FaultSpec['target']) ?? 'partner-center',
  };
  return spec.kind === 'drop-after-apply' ? { ...parsed, method: 'PATCH' } : parsed;
}

/** How long a latency (or slow-answer) fault delays one request: latencyMs, plus a uniform 0..jitterMs when it has one. */
export function latencyFaultDelayMs(fault: FaultSpec, random: () => number = Math.random): number {
  return (fault.latencyMs ?? 0) + Math.floor(random() * ((fault.jitterMs ?? 0) + 1));
}

function isInteger(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
