import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Caller } from '../auth/caller';
import { isGuid } from '../common/guid';

export interface CorrelationContext {
  /** Groups one logical operation across the gateway's and Partner Center's logs (MS-CorrelationId). */
  correlationId: string;
  /** Set by inbound authentication. */
  caller?: Caller;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** The caller's id when it is a GUID (Partner Center only accepts GUIDs), otherwise a new one. */
export function correlationIdFrom(...candidates: Array<string | string[] | undefined>): string {
  for (const candidate of candidates) {
    const value = (Array.isArray(candidate) ? candidate[0] : candidate)?.trim();
    if (isGuid(value)) return value.toLowerCase();
  }
  return randomUUID();
}

export function runWithCorrelation<T>(context: CorrelationContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
