import type { ConfidentialClientApplication } from '@azure/msal-node';
import {
  DEFAULT_TOKEN_CYCLER_OPTIONS,
  TokenObserver,
} from '../../../src/partner-center/credentials/token-cycler';
import { TokenProvider } from '../../../src/partner-center/credentials/token-provider';
import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';

/** An MSAL application standing in for Entra ID: counts the token requests it answers. */
function entraId() {
  let requests = 0;
  const application = {
    acquireTokenByClientCredential: async () => {
      requests += 1;
      return { accessToken: `token-${requests}`, expiresOn: new Date(Date.now() + 3_600_000) };
    },
  } as unknown as ConfidentialClientApplication;
  return { application: () => application, requests: () => requests };
}

/** What gateway_token_acquisitions_total counts on one replica (the observer telemetry wires to the metric). */
function counted(): TokenObserver & { acquisitions: number } {
  const observer = {
    acquisitions: 0,
    async acquisition<T>(acquire: () => Promise<T>): Promise<T> {
      const token = await acquire();
      observer.acquisitions += 1;
      return token;
    },
    servedHeld: () => undefined,
  };
  return observer;
}

describe('token acquisitions across a fleet sharing its token', () => {
  it("counts on each replica only its own Entra ID requests, not the fleet's token it took", async () => {
    const shared = new MemorySharedState();
    const upstream = entraId();
    const [first, second] = [counted(), counted()];
    const replica = (observer: TokenObserver) =>
      new TokenProvider(upstream.application, shared, 'tenant|client', undefined, {
        ...DEFAULT_TOKEN_CYCLER_OPTIONS,
        observer,
      });
    expect(await replica(first).getToken()).toBe('token-1');
    expect(await replica(second).getToken()).toBe('token-1');
    expect(upstream.requests()).toBe(1);
    expect([first.acquisitions, second.acquisitions]).toEqual([1, 0]);
  });
});
