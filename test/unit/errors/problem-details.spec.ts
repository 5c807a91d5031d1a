import { PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import { describeFailure } from '../../../src/problem/failure';
import { InvalidInputError } from '../../../src/common/invalid-input.error';
import { toProblemDetails } from '../../../src/problem/problem-details';

describe('problem details (RFC 9457)', () => {
  it('renders an upstream failure with its stable type, code and Partner Center facts', () => {
    const error = new PartnerCenterError({
      kind: 'not-found',
      source: 'partner-center',
      status: 404,
      code: 60003,
      description: 'Tenant not found.',
      requestId: 'rid',
      attempts: 1,
    });
    expect(toProblemDetails(describeFailure(error), 'corr')).toEqual({
      type: 'https://usage-budget-gateway/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'Partner Center does not know this customer or its usage budget.',
      code: 'NOT_FOUND',
      correlationId: 'corr',
      partnerCenter: {
        source: 'partner-center',
        status: 404,
        code: 60003,
        description: 'Tenant not found.',
        requestId: 'rid',
      },
    });
  });

  it('lists field-level errors for invalid input', () => {
    const problem = toProblemDetails(
      describeFailure(new InvalidInputError([{ field: 'customerId', message: 'customerId must be a GUID' }])),
      'corr',
    );
    expect(problem).toMatchObject({
      status: 400,
      code: 'BAD_USER_INPUT',
      errors: [{ field: 'customerId', message: 'customerId must be a GUID' }],
    });
  });

  it('gives retryAfterSeconds for 429', () => {
    const error = new PartnerCenterError({
      kind: 'rate-limited',
      source: 'partner-center',
      status: 429,
      retryAfterSeconds: 30,
      attempts: 2,
    });
    expect(toProblemDetails(describeFailure(error), 'corr')).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      retryAfterSeconds: 30,
    });
  });

  it('adds no empty members', () => {
    const problem = toProblemDetails(describeFailure(new Error('x')), undefined);
    expect(Object.keys(problem).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
  });
});
