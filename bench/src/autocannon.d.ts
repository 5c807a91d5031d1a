// The part of autocannon 8 the bench uses (it ships no types; @types/autocannon would be a dependency for a few fields).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  function autocannon(
    options: autocannon.Options,
    done: (error: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  namespace autocannon {
    interface RawRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }

    interface Options {
      url: string;
      connections: number;
      /** Seconds; or */
      duration?: number;
      /** requests in all, then the run ends. */
      amount?: number;
      requests?: { setupRequest?: (request: RawRequest) => RawRequest }[];
      tlsOptions?: { ca?: string };
      /** Seconds. */
      timeout?: number;
    }

    interface Result {
      /** sent: requests written, answered or not (those in flight when the run stops are never answered). */
      requests: { sent: number };
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
    }

    interface Instance extends EventEmitter {
      stop(): void;
      on(
        event: 'response',
        listener: (client: unknown, status: number, bytes: number, ms: number) => void,
      ): this;
    }
  }

  export = autocannon;
}
