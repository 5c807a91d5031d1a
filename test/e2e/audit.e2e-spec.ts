import { startGateway, TestGateway } from './support/gateway';
import { CONTOSO, SET_BUDGET, WOODGROVE_403 } from './support/ids';

/** Issue 4, point 7: every budget change emits one structured audit event. */
describe('audit trail', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  beforeEach(() => gateway.sandbox.reset());

  const auditEvents = () => gateway.logs().filter((line) => line.event === 'usage-budget.changed');

  it('records who changed which customer from what to what, under which correlation id', async () => {
    const correlationId = '0d9c8b7a-6f5e-4d3c-8b2a-19f0e8d7c6b5';
    const before = auditEvents().length;
    await gateway.http.patch(
      `/v1/customers/${CONTOSO}/usagebudget`,
      { amount: 640 },
      { headers: { 'MS-CorrelationId': correlationId } },
    );
    const events = auditEvents().slice(before);
    expect(events).toHaveLength(1);
    expect(events[0].audit).toEqual({
      caller: expect.objectContaining({ anonymous: true }),
      customerId: CONTOSO,
      // A write never waits on a read: with nothing fresh known, the old amount is said to be unknown.
      oldAmountKnown: false,
      newAmount: 640,
      correlationId,
      outcome: 'success',
    });
  });

  it('records a failed change with its error code', async () => {
    const before = auditEvents().length;
    const answer = await gateway.graphql(SET_BUDGET, { input: { customerId: WOODGROVE_403, amount: 5 } });
    expect(answer.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const events = auditEvents().slice(before);
    expect(events).toHaveLength(1);
    expect(events[0].audit).toMatchObject({
      customerId: WOODGROVE_403,
      newAmount: 5,
      outcome: 'failure',
      errorCode: 'FORBIDDEN',
    });
  });

  it('records nothing for a read or for input rejected before any change was attempted', async () => {
    const before = auditEvents().length;
    await gateway.http.get(`/v1/customers/${CONTOSO}/usagebudget`);
    await gateway.http.patch(`/v1/customers/${CONTOSO}/usagebudget`, { amount: -1 });
    expect(auditEvents().length).toBe(before);
  });
});
