import { startGateway } from '../support/gateway';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const WRONG_SECRET = 'wrong-secret-value-for-the-log-test';

/**
 * A failed token request is the first sign of an expiring or wrong credential, and while the held token serves no
 * caller sees it: the metric says that renewals fail, the log line must say why.
 */
describe('a failed Partner Center token request', () => {
  it("is logged at warn with Entra ID's error code and description, never the secret", async () => {
    const gateway = await startGateway({
      partnerCenter: { credential: { kind: 'secret', clientSecret: WRONG_SECRET } },
      secrets: [WRONG_SECRET],
    });
    try {
      await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
      const failures = gateway.logs().filter((l) => l.msg === 'Partner Center token request failed');
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({
        level: 40,
        source: 'entra-id',
        kind: 'rejected',
        code: 'invalid_client',
      });
      expect(failures[0].description).toEqual(expect.stringContaining('AADSTS'));
    } finally {
      await gateway.close(); // fails if the secret reached any line
    }
  });
});
