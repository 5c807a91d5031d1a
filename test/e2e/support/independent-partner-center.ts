import { HostilePartnerCenter, startHostilePartnerCenter } from '../../support/hostile-partner-center';
import { startGateway, type StartOptions, type TestGateway } from './gateway';

/**
 * For one describe block: the gateway in front of the Partner Center written from the public contract alone
 * (test/support/hostile-partner-center.ts), both running from before the first test to after the last (the gateway
 * failing then if a log line holds a secret). Before each test the Partner Center forgets what it was sent and how a
 * test told it to answer, and holds `customerId`'s budget at 100.
 */
export function gatewayBeforeIndependentPartnerCenter(
  customerId: string,
  options: Omit<StartOptions, 'partnerCenter' | 'secrets'> = {},
) {
  let partnerCenter: HostilePartnerCenter | undefined;
  let gateway: TestGateway | undefined;

  beforeAll(async () => {
    partnerCenter = await startHostilePartnerCenter();
    gateway = await startGateway({
      ...options,
      partnerCenter: partnerCenter.connection(),
      secrets: [partnerCenter.clientSecret],
    });
  });
  afterAll(async () => {
    try {
      await gateway?.close();
    } finally {
      await partnerCenter?.close(); // also when the gateway's logs held a secret: the run must not hang on it
    }
  });
  beforeEach(() => {
    partnerCenter!.reset();
    partnerCenter!.amounts.set(customerId, 100);
  });

  return {
    get partnerCenter(): HostilePartnerCenter {
      return partnerCenter!;
    },
    get gateway(): TestGateway {
      return gateway!;
    },
  };
}
