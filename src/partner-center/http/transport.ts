import axios, { AxiosInstance } from 'axios';
import type { Agent } from 'node:https';
import { PipelineRequest, PipelineResponse, SendRequest } from '../pipeline/pipeline';

/** The largest body read from an upstream answer; a budget is a few hundred bytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A request that got no HTTP answer: refused, reset, DNS, TLS, or aborted by a timeout. */
export class TransportError extends Error {
  /** Attempts made for the logical call, set by the retry policy when it gives up. */
  attempts = 1;

  constructor(
    readonly reason: 'connection' | 'aborted',
    readonly causeCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * The last step of the pipeline: one HTTP exchange over the shared keep-alive agent. Every status is an answer
 * here (the policies decide what a 429 or 503 means); only the absence of an answer throws.
 */
export function createTransport(agent: Agent, instance: AxiosInstance = axios.create()): SendRequest {
  return async (request: PipelineRequest): Promise<PipelineResponse> => {
    try {
      const response = await instance.request<string>({
        url: request.url,
        method: request.method,
        headers: request.headers,
        data: request.body,
        signal: request.signal,
        httpsAgent: agent,
        responseType: 'text',
        transformResponse: [(data: string) => data],
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: MAX_RESPONSE_BYTES,
        decompress: true,
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined && value !== null)
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      return {
        status: response.status,
        headers,
        body: typeof response.data === 'string' ? response.data : '',
      };
    } catch (error) {
      throw toTransportError(error, request.signal);
    }
  };
}

function toTransportError(error: unknown, signal: AbortSignal | undefined): TransportError {
  const code = (error as { code?: string }).code;
  if (signal?.aborted || code === 'ERR_CANCELED') {
    return new TransportError('aborted', code, 'the request was aborted before an answer arrived');
  }
  // Only the code: axios error messages can carry the full URL, and nothing of the request is logged from here.
  return new TransportError('connection', code, `no answer from upstream (${code ?? 'connection error'})`);
}
