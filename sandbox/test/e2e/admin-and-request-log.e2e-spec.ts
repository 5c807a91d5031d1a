import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { decodeJwt } from 'jose';
import { SANDBOX_USER, startSandbox, type RunningSandbox } from '../../src';
import { appToken, budgetPath, sandboxHttp } from './support/sandbox-http';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';

describe('sandbox admin endpoints and request log', () => {
  let sandbox: RunningSandbox;
  let http: AxiosInstance;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    http = sandboxHttp(sandbox, 3000);
  });
  beforeEach(async () => {
    sandbox.reset();
    token = await appToken(sandbox, http);
  });
  afterAll(() => sandbox.close());

  const patch = (amount: number, headers: Record<string, string> = {}) =>
    http.patch(budgetPath(CONTOSO), JSON.stringify({ Amount: amount }), {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    });

  it('logs every request with lowercased headers, raw body, status and fault', async () => {
    sandbox.faults.add({ kind: 'status', status: 503, count: 1 });
    await patch(5, { 'MS-CorrelationId': 'abc' });
    await patch(6);
    const [faulted, applied] = sandbox.requestLog.entries({ target: 'partner-center' });
    expect(faulted).toMatchObject({
      method: 'PATCH',
      path: budgetPath(CONTOSO),
      body: '{"Amount":5}',
      status: 503,
      fault: 'status:503',
      attempt: 1,
    });
    expect(faulted.headers['ms-correlationid']).toBe('abc');
    expect(faulted.headers.authorization).toBe(`Bearer ${token}`);
    expect(applied).toMatchObject({ status: 200, seq: faulted.seq + 1 });
    expect(applied.fault).toBeUndefined();
  });

  it('counts attempts per MS-RequestId', async () => {
    const requestId = randomUUID();
    sandbox.faults.add({ kind: 'status', status: 500, count: 2 });
    for (let i = 0; i < 3; i++) await patch(9, { 'MS-RequestId': requestId });
    await patch(9, { 'MS-RequestId': randomUUID() });
    expect(
      sandbox.requestLog.entries({ target: 'partner-center' }).map((e) => [e.attempt, e.status]),
    ).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
      [1, 200],
    ]);
  });

  it('serves the log over GET /_sandbox/requests, filtered by target, and clears it on DELETE', async () => {
    await patch(1);
    const response = await http.get('/_sandbox/requests?target=token');
    expect(response.data).toHaveLength(1);
    expect(response.data[0]).toMatchObject({ target: 'token', method: 'POST' });
    expect((await http.delete('/_sandbox/requests')).status).toBe(204);
    expect(sandbox.requestLog.entries({ target: 'partner-center' })).toEqual([]);
  });

  it('adds, lists and clears faults over /_sandbox/faults', async () => {
    const added = await http.post('/_sandbox/faults', {
      kind: 'status',
      status: 429,
      customerId: CONTOSO,
      count: 1,
    });
    expect(added.status).toBe(201);
    expect((await http.get('/_sandbox/faults')).data).toEqual([
      expect.objectContaining({ id: added.data.id, kind: 'status', status: 429, target: 'partner-center' }),
    ]);
    expect((await patch(1)).status).toBe(429);
    await http.post('/_sandbox/faults', [{ kind: 'hang' }, { kind: 'reset', target: 'token' }]);
    expect((await http.delete('/_sandbox/faults')).status).toBe(204);
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('deletes one fault by id', async () => {
    const { id } = (await http.post('/_sandbox/faults', { kind: 'status', status: 500 })).data;
    expect((await http.delete(`/_sandbox/faults/${id}`)).status).toBe(204);
    expect((await patch(1)).status).toBe(200);
  });

  it('answers an invalid fault with 400 and the reason', async () => {
    const response = await http.post('/_sandbox/faults', { kind: 'explode' });
    expect(response.status).toBe(400);
    expect(response.data.error).toMatch(/kind/);
  });

  it('reports token requests in /_sandbox/stats', async () => {
    await appToken(sandbox, http);
    expect((await http.get('/_sandbox/stats')).data).toMatchObject({ tokenRequests: 2 });
    expect(sandbox.tokenRequests()).toBe(2);
  });

  it('resets budgets, log, faults and counters on POST /_sandbox/reset', async () => {
    await patch(3);
    sandbox.faults.add({ kind: 'status', status: 500 });
    expect((await http.post('/_sandbox/reset')).status).toBe(204);
    expect(sandbox.tokenRequests()).toBe(0);
    expect(sandbox.faults.list()).toEqual([]);
    expect(
      (await http.get('/_sandbox/customers')).data.find((c: { id: string }) => c.id === CONTOSO).amount,
    ).toBe(100);
  });

  it('revokes issued tokens on POST /_sandbox/revoke-tokens', async () => {
    expect((await http.post('/_sandbox/revoke-tokens')).status).toBe(204);
    expect((await patch(1)).status).toBe(401);
  });

  it('issues caller tokens over POST /_sandbox/caller-tokens', async () => {
    const response = await http.post('/_sandbox/caller-tokens', {
      roles: ['UsageBudget.Write'],
      expiresInSeconds: 120,
    });
    expect(response.data).toMatchObject({ token_type: 'Bearer', expires_in: 120 });
    expect(decodeJwt(response.data.access_token)).toMatchObject({
      iss: `${sandbox.url}/${sandbox.tenantId}/v2.0`,
      aud: 'api://usage-budget-gateway',
      tid: sandbox.tenantId,
      oid: SANDBOX_USER.oid,
      sub: SANDBOX_USER.oid,
      roles: ['UsageBudget.Write'],
      ver: '2.0',
    });
  });

  it('registers a client over POST /_sandbox/clients', async () => {
    await http.post('/_sandbox/clients', { clientId: 'e2e-app', clientSecret: 's3cret' });
    const response = await http.post(
      `/${sandbox.tenantId}/oauth2/v2.0/token`,
      'grant_type=client_credentials&client_id=e2e-app&client_secret=s3cret&scope=https%3A%2F%2Fapi.partnercenter.microsoft.com%2F.default',
    );
    expect(response.status).toBe(200);
  });

  it('answers an unknown admin endpoint with 404', async () => {
    expect((await http.get('/_sandbox/nope')).status).toBe(404);
  });
});
