import { runChaos } from '../../chaos/run';

/**
 * Issue 10, point 6: the short chaos run (20 s). Correctness is asserted as the brief sets it: no write lost, none
 * applied twice, no crash. A write reported failed yet applied (answer lost after the PATCH, then the retries
 * refused) is the OUTCOME_UNKNOWN case of point 4: the full run counts it as a missed target, this test does not yet.
 * Reads are held to 50% only: on this shared 2-core machine under load, attempts run into their timeouts, the
 * retry budget (20% by default) refuses the retries and the breaker opens; and a 30% fault rate asks for more
 * retries than that budget grants anyway (README, "Upstream calls"). The 120 s run reports the real figure.
 */
describe('chaos (short run)', () => {
  it('loses no write, doubles none, and does not crash while Partner Center and Entra ID misbehave', async () => {
    const report = await runChaos({
      seed: 7,
      seconds: 20,
      clients: 20,
      retry: { attemptTimeoutMs: 5_000, deadlineMs: 15_000 },
    });
    expect(report.writes.total).toBeGreaterThan(20);
    expect(report.writes.lost).toBe(0);
    expect(report.writes.doubled).toBe(0);
    expect(report.crashes).toBe(0);
    expect(report.unhandledRejections).toBe(0);
    expect(report.reads.total).toBeGreaterThan(20);
    expect(report.reads.okPercent).toBeGreaterThanOrEqual(50);
  }, 90_000);
});
