import { Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { withCorrelationId } from '../../../src/graphql/graphql-correlation.hook';
import { createGraphqlErrorFormatter } from '../../../src/graphql/graphql-error.formatter';
import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';

const resolverError = (original: unknown) =>
  new GraphQLError('raw', { path: ['customerUsageBudget'], originalError: original as Error });
const formatted = (code: string) => ({
  message: 'raw',
  path: ['customerUsageBudget'],
  extensions: { code, stacktrace: ['Error: raw', '    at secret.ts:1'] },
});

describe('GraphQL error formatter', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(true));
  const production = createGraphqlErrorFormatter({ production: true });
  const development = createGraphqlErrorFormatter({ production: false });

  it('gives an upstream failure its stable code, the Partner Center facts and the correlation id', () => {
    const error = new PartnerCenterError({
      kind: 'timeout',
      source: 'partner-center',
      attempts: 3,
      requestId: 'rid',
    });
    // The formatter maps; the correlation id is added where the request is known (graphql-correlation.hook.ts).
    const result = JSON.parse(
      withCorrelationId(
        JSON.stringify({ errors: [production(formatted('INTERNAL_SERVER_ERROR'), resolverError(error))] }),
        'corr',
      ),
    ).errors[0];
    expect(result).toEqual({
      message: 'Partner Center did not answer in time; retry later.',
      path: ['customerUsageBudget'],
      extensions: {
        code: 'UPSTREAM_UNAVAILABLE',
        correlationId: 'corr',
        partnerCenter: { source: 'partner-center', requestId: 'rid' },
      },
    });
  });

  it("turns Nest's BAD_REQUEST into BAD_USER_INPUT", async () => {
    const { BadRequestException } = await import('@nestjs/common');
    expect(
      production(formatted('BAD_REQUEST'), resolverError(new BadRequestException('bad'))).extensions?.code,
    ).toBe('BAD_USER_INPUT');
  });

  it("keeps graphql-js's own errors and their code, without a stack trace in production", () => {
    const coercion = new GraphQLError('Variable "$input" got invalid value', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const result = production(
      { message: coercion.message, extensions: { code: 'BAD_USER_INPUT', stacktrace: ['x'] } },
      coercion,
    );
    expect(result.message).toBe('Variable "$input" got invalid value');
    expect(result.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('masks an unexpected error and strips its stack trace in production', () => {
    const result = production(
      formatted('INTERNAL_SERVER_ERROR'),
      resolverError(new Error('GET https://api.partnercenter.microsoft.com failed')),
    );
    expect(result.message).not.toMatch(/https|failed/);
    expect(result.extensions).not.toHaveProperty('stacktrace');
    expect(result.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('keeps the stack trace outside production', () => {
    expect(
      development(formatted('INTERNAL_SERVER_ERROR'), resolverError(new Error('x'))).extensions,
    ).toHaveProperty('stacktrace');
  });
});
