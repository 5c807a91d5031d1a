import { QuotaShaper } from '../../../src/partner-center/quota/quota-shaper';
import { MemorySharedState } from '../../../src/shared-state/memory-shared-state';

const OPTIONS = { minConcurrency: 1, maxConcurrency: 8, initialConcurrency: 4, maxRequestsPerSecond: 0 };
const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const FABRIKAM = 'c0000002-0000-4000-8000-000000000002';
const NEVER_THROTTLED = 'c0000006-0000-4000-8000-000000000006';

/** A shaper on a clock the test moves. */
function shaperAt(start: number) {
  let now = start;
  const shaper = new QuotaShaper(OPTIONS, new MemorySharedState(), () => now);
  return { shaper, advance: (ms: number) => (now += ms) };
}

describe('a 429 pauses the whole partner only when customers are throttled at once', () => {
  it('pauses the partner when two customers are throttled while their pauses overlap', () => {
    const { shaper, advance } = shaperAt(1_000_000);
    shaper.throttled(CONTOSO, 30_000);
    advance(5_000);
    shaper.throttled(FABRIKAM, 30_000);
    expect(shaper.pauseFor(NEVER_THROTTLED)).toBe(30_000);
  });

  it('pauses only that customer when the other customer’s pause ended before', () => {
    // Contoso's 1 s pause is long over when Fabrikam's customer limit asks for a minute: nothing says the partner's
    // own limit is reached, and every other customer would be refused for a minute without a request.
    const { shaper, advance } = shaperAt(1_000_000);
    shaper.throttled(CONTOSO, 1_000);
    advance(5_000);
    shaper.throttled(FABRIKAM, 60_000);
    expect(shaper.pauseFor(FABRIKAM)).toBe(60_000);
    expect(shaper.pauseFor(NEVER_THROTTLED)).toBe(0);
  });

  it('counts two short 429s within a second as at once', () => {
    const { shaper, advance } = shaperAt(1_000_000);
    shaper.throttled(CONTOSO, 0);
    advance(500);
    shaper.throttled(FABRIKAM, 1_000);
    expect(shaper.pauseFor(NEVER_THROTTLED)).toBe(1_000);
  });
});
