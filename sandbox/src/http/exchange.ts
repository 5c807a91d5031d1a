import type { IncomingHttpHeaders } from 'node:http';

/** A fully read request, as every handler sees it. */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
}

/** A response not yet written, so it can be stored (idempotency) or decorated (correlation id). */
export interface SandboxReply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; a string is sent as is ('' = empty body). */
  body?: unknown;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SandboxReply {
  return { status, body, headers };
}

export function lowercaseHeaders(raw: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
