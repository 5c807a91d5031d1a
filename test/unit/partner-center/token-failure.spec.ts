import { ServerError } from '@azure/msal-node';
import { tokenFailure } from '../../../src/partner-center/credentials/token-provider';

/** MSAL's ServerError message, as it builds it from Entra ID's error answer. */
const msalMessage = (codes: string, description: string) =>
  `Error(s): ${codes} - Timestamp: 2026-12-07 12:00:00Z - Description: ${description} - Correlation ID: c0ffee - Trace ID: 7ace`;

describe("a failed token request in the gateway's words", () => {
  it("keeps Entra ID's own description, not MSAL's wrapping of it", () => {
    const error = new ServerError(
      'invalid_client',
      'c0ffee',
      msalMessage(
        '7000222',
        "AADSTS7000222: The provided client secret keys for app '2d6c' are expired.\r\nTrace ID: 7ace\r\nCorrelation ID: c0ffee",
      ),
      undefined,
      '7000222',
      401,
    );
    expect(tokenFailure(error)).toMatchObject({
      kind: 'rejected',
      source: 'entra-id',
      status: 401,
      code: 'invalid_client',
      description: "AADSTS7000222: The provided client secret keys for app '2d6c' are expired.",
    });
  });

  it('says nothing rather than "Not Available" when Entra ID gave no description', () => {
    const error = new ServerError(
      'temporarily_unavailable',
      'c0ffee',
      msalMessage('Not Available', 'Not Available'),
      undefined,
      undefined,
      503,
    );
    expect(tokenFailure(error).description).toBeUndefined();
  });

  it.each([
    [400, 'invalid_resource', 'rejected'],
    [401, 'invalid_client', 'rejected'],
    [400, 'temporarily_unavailable', 'unavailable'],
    [408, 'timeout', 'unavailable'],
    [429, 'too_many_requests', 'rate-limited'],
    [503, 'invalid_client', 'unavailable'],
  ])('classifies HTTP %s %s as %s', (status, code, kind) => {
    const error = new ServerError(
      code,
      'c0ffee',
      msalMessage('1', 'AADSTS1: x'),
      undefined,
      undefined,
      status,
    );
    expect(tokenFailure(error).kind).toBe(kind);
  });
});
