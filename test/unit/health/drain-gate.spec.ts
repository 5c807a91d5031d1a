import Fastify from 'fastify';
import { registerDrainGate } from '../../../src/health/drain.hook';
import { ShutdownState } from '../../../src/health/shutdown-state';

async function drainingGateway() {
  const fastify = Fastify();
  const state = new ShutdownState();
  registerDrainGate(fastify, state, { graphqlPath: '/graphql' });
  fastify.get('/v1/customers/:customerId/usagebudget', () => ({ amount: 100 }));
  fastify.post('/graphql', () => ({ data: {} }));
  await fastify.ready();
  state.beginDrain();
  return fastify;
}

describe('the drain gate', () => {
  it('refuses a REST request with the problem every other refusal has: its type, code and retryAfterSeconds beside Retry-After', async () => {
    const fastify = await drainingGateway();
    try {
      const answer = await fastify.inject({
        method: 'GET',
        url: '/v1/customers/c0000001-0000-4000-8000-000000000001/usagebudget',
      });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.headers.connection).toBe('close');
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.json()).toEqual({
        type: 'https://usage-budget-gateway/problems/shutting-down',
        title: 'The gateway is shutting down',
        status: 503,
        detail: expect.any(String),
        code: 'SHUTTING_DOWN',
        retryAfterSeconds: 1,
      });
    } finally {
      await fastify.close();
    }
  });

  it('refuses a GraphQL request GraphQL-shaped, with retryAfterSeconds as REST has it', async () => {
    const fastify = await drainingGateway();
    try {
      const answer = await fastify.inject({
        method: 'POST',
        url: '/graphql',
        payload: { query: '{ __typename }' },
      });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.json()).toEqual({
        errors: [
          { message: expect.any(String), extensions: { code: 'SHUTTING_DOWN', retryAfterSeconds: 1 } },
        ],
      });
    } finally {
      await fastify.close();
    }
  });
});
