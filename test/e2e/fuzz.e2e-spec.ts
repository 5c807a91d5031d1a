import { startSandbox } from 'partner-center-sandbox';
import { formatReport, runFuzz } from '../../fuzz/engine';
import { startGateway } from './support/gateway';

/** Issue 10, point 6: the short version of `npm run fuzz` (500 seeded cases), against the gateway as the tests run it. */
describe('fuzz', () => {
  it('answers 500 malformed REST and GraphQL requests with 4xx: no 5xx, no upstream call, no error logged', async () => {
    const sandbox = await startSandbox({ quiet: true });
    const gateway = await startGateway({
      sandbox,
      // Real caller tokens (so forged and expired ones are checked), and no rate limit hiding the other checks
      // (every case comes from 127.0.0.1: its forged tokens would reach the limit of failed tokens per address).
      env: {
        AUTH_ISSUER: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
        AUTH_AUDIENCE: sandbox.callerAudience,
        RATE_LIMIT_PER_MINUTE: '0',
        AUTH_FAILURES_PER_MINUTE: '0',
      },
    });
    try {
      const report = await runFuzz({ gatewayUrl: gateway.url, sandbox, seed: 500, cases: 500, seconds: 60 });
      const summary = formatReport(report);
      expect({ cases: report.cases, passed: report.passed }).toEqual({ cases: 500, passed: true });
      expect(report.serverErrors).toEqual([]);
      expect(report.internalCodes).toEqual([]);
      expect(report.accepted).toEqual([]);
      expect(report.unanswered).toEqual([]);
      expect(report.upstream).toMatchObject({ partnerCenter: 0, tokenRequests: 0 });
      expect(report.probes).toEqual({ before: 200, after: 200 });
      // Most families were drawn, and each was refused for its own reason, not all alike.
      expect(Object.keys(report.byFamily).length).toBeGreaterThanOrEqual(25);
      expect(Object.keys(report.statusCounts).length).toBeGreaterThanOrEqual(6);
      const errorLines = gateway.logs().filter((line) => line.level >= 50);
      expect(errorLines.map((line) => line.msg)).toEqual([]);
      expect(summary).toMatch(/result: PASS/);
    } finally {
      await gateway.close();
      await sandbox.close();
    }
  });
});
