import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One HTTPS (or HTTP) call with a JSON or form body, trusting the given CA; the body parsed as JSON when it is. */
export function callJson(
  url: string,
  options: {
    method?: string;
    ca?: string;
    headers?: Record<string, string>;
    body?: unknown;
    /** A body already serialized (sent as it is, with the headers given). */
    rawBody?: string;
    form?: Record<string, string>;
    timeoutMs?: number;
    /** The connection pool to use (Node's global agent otherwise). */
    agent?: Agent;
  },
): Promise<JsonResponse> {
  const payload =
    options.rawBody !== undefined
      ? options.rawBody
      : options.form !== undefined
        ? new URLSearchParams(options.form).toString()
        : options.body !== undefined
          ? JSON.stringify(options.body)
          : undefined;
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined && options.rawBody === undefined) {
    headers['content-type'] ??= options.form ? 'application/x-www-form-urlencoded' : 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers,
        ca: options.ca,
        timeout: options.timeoutMs ?? 30_000,
        ...(options.agent && { agent: options.agent }),
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout calling ${target.pathname}`)));
    req.on('error', reject);
    req.end(payload);
  });
}
