import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { startSandbox, type RunningSandbox } from '../../src';
import { appToken, budgetPath, sandboxHttp } from './support/sandbox-http';

const CONTOSO = 'c0000001-0000-4000-8000-000000000001';
const ADVENTURE_WORKS = 'c0000006-0000-4000-8000-000000000006';

describe('sandbox: answers lost after apply, exactly-once counting, revocation across reset, 2xx faults', () => {
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

  const auth = (headers: Record<string, string> = {}) => ({
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  const patch = (customerId: string, amount: number, headers: Record<string, string> = {}) =>
    http.patch(
      budgetPath(customerId),
      JSON.stringify({ Amount: amount }),
      auth({ 'content-type': 'application/json', ...headers }),
    );
  const amountOf = async (customerId: string) => (await http.get(budgetPath(customerId), auth())).data.amount;

  describe("drop-after-apply ('applied, answer lost')", () => {
    it('applies the PATCH, drops the connection, and replays the stored answer to a retry with the same MS-RequestId', async () => {
      sandbox.faults.add({ kind: 'drop-after-apply', count: 1 });
      const requestId = randomUUID();
      await expect(patch(CONTOSO, 42, { 'MS-RequestId': requestId })).rejects.toMatchObject({
        code: expect.stringMatching(/ECONNRESET|ERR_SOCKET|ECONNABORTED/),
      });
      expect(await amountOf(CONTOSO)).toBe(42);

      const retry = await patch(CONTOSO, 42, { 'MS-RequestId': requestId });
      expect(retry.status).toBe(200);
      expect(retry.data).toMatchObject({ amount: 42 });
      expect(sandbox.patchesApplied(CONTOSO)).toBe(1);
      expect(
        sandbox.requestLog
          .entries({ target: 'partner-center' })
          .filter((e) => e.method === 'PATCH')
          .map((e) => [e.attempt, e.status, e.fault]),
      ).toEqual([
        [1, undefined, 'drop-after-apply'],
        [2, 200, undefined],
      ]);
    });

    it('counts a retry with a new MS-RequestId as a second application', async () => {
      sandbox.faults.add({ kind: 'drop-after-apply', count: 1 });
      await expect(patch(CONTOSO, 5, { 'MS-RequestId': randomUUID() })).rejects.toBeDefined();
      expect((await patch(CONTOSO, 5, { 'MS-RequestId': randomUUID() })).status).toBe(200);
      expect(sandbox.patchesApplied(CONTOSO)).toBe(2);
    });

    it('is accepted by the admin endpoint, defaults to PATCH and leaves GETs alone', async () => {
      const added = await http.post('/_sandbox/faults', { kind: 'drop-after-apply', customerId: CONTOSO });
      expect(added.status).toBe(201);
      expect(sandbox.faults.list()).toEqual([
        expect.objectContaining({ kind: 'drop-after-apply', method: 'PATCH', target: 'partner-center' }),
      ]);
      expect((await http.get(budgetPath(CONTOSO), auth())).status).toBe(200);
      expect((await patch(ADVENTURE_WORKS, 1)).status).toBe(200);
      expect(
        (await http.post('/_sandbox/faults', { kind: 'drop-after-apply', target: 'token' })).status,
      ).toBe(400);
    });
  });

  describe('patchesApplied', () => {
    it('counts applied PATCHes per customer and in total, excluding replays and rejected PATCHes, in /_sandbox/stats too', async () => {
      const requestId = randomUUID();
      await patch(CONTOSO, 10, { 'MS-RequestId': requestId });
      await patch(CONTOSO, 10, { 'MS-RequestId': requestId });
      await patch(CONTOSO, 11);
      await patch(ADVENTURE_WORKS, 12);
      await http.patch(budgetPath(CONTOSO), '{"Amount": -1}', auth({ 'content-type': 'application/json' }));
      await http.patch(budgetPath(CONTOSO), '{"Amount": 1}', {
        headers: { 'content-type': 'application/json' },
      });
      expect(sandbox.patchesApplied(CONTOSO)).toBe(2);
      expect(sandbox.patchesApplied(ADVENTURE_WORKS.toUpperCase())).toBe(1);
      expect(sandbox.patchesApplied()).toBe(3);
      expect((await http.get('/_sandbox/stats')).data).toMatchObject({
        patchesApplied: 3,
        patchesAppliedByCustomer: { [CONTOSO]: 2, [ADVENTURE_WORKS]: 1 },
      });
      sandbox.reset();
      expect(sandbox.patchesApplied()).toBe(0);
    });
  });

  describe('revocation across a reset', () => {
    it('revokes a token issued before a reset (still cached by a client) and accepts one issued after', async () => {
      const cached = token;
      sandbox.reset();
      sandbox.revokeTokens();
      const response = await http.get(budgetPath(CONTOSO), {
        headers: { authorization: `Bearer ${cached}` },
      });
      expect(response.status).toBe(401);
      expect(response.data.description).toMatch(/revoked/);
      token = await appToken(sandbox, http);
      expect((await http.get(budgetPath(CONTOSO), auth())).status).toBe(200);
    });

    it('does the same over POST /_sandbox/reset and /_sandbox/revoke-tokens', async () => {
      const cached = token;
      expect((await http.post('/_sandbox/reset')).status).toBe(204);
      expect((await http.post('/_sandbox/revoke-tokens')).status).toBe(204);
      expect(
        (await http.get(budgetPath(CONTOSO), { headers: { authorization: `Bearer ${cached}` } })).status,
      ).toBe(401);
    });

    it('keeps a revoked token revoked after a reset', async () => {
      sandbox.revokeTokens();
      sandbox.reset();
      expect((await http.get(budgetPath(CONTOSO), auth())).status).toBe(401);
    });
  });

  describe('a 2xx status fault with a raw body', () => {
    it('answers 200 with the given body once, then normally', async () => {
      expect(
        (
          await http.post('/_sandbox/faults', {
            kind: 'status',
            status: 200,
            body: '<html>maintenance</html>',
            count: 1,
          })
        ).status,
      ).toBe(201);
      const faulted = await http.get(budgetPath(CONTOSO), { ...auth(), responseType: 'text' });
      expect(faulted.status).toBe(200);
      expect(faulted.data).toBe('<html>maintenance</html>');
      expect((await http.get(budgetPath(CONTOSO), auth())).data).toMatchObject({ amount: 100 });
    });

    it('still refuses senseless statuses and a 2xx without body', async () => {
      for (const spec of [
        { kind: 'status', status: 199, body: 'x' },
        { kind: 'status', status: 600, body: 'x' },
        { kind: 'status', status: 200 },
      ]) {
        expect((await http.post('/_sandbox/faults', spec)).status).toBe(400);
      }
    });
  });
});
