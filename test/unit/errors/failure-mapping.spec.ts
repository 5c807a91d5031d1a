import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  MethodNotAllowedException,
  NotAcceptableException,
  NotFoundException,
  PayloadTooLargeException,
  RequestTimeoutException,
} from '@nestjs/common';
import { FailureKind, PartnerCenterError } from '../../../src/partner-center/errors/partner-center-error';
import { describeFailure } from '../../../src/problem/failure';
import { FAILURE_MAPPING } from '../../../src/problem/failure-mapping';
import { toProblemDetails } from '../../../src/problem/problem-details';
import { failureFromResponse } from '../../../src/partner-center/errors/failure-from-response';
import { InvalidInputError } from '../../../src/common/invalid-input.error';

const upstream = (kind: FailureKind, extra: Partial<PartnerCenterError> = {}) =>
  new PartnerCenterError({ kind, source: 'partner-center', attempts: 1, ...extra });

describe('failure mapping', () => {
  it.each([
    ['not-found', 'NOT_FOUND', 404],
    ['forbidden', 'FORBIDDEN', 403],
    ['unauthenticated', 'UNAUTHENTICATED', 401],
    ['rate-limited', 'RATE_LIMITED', 429],
    ['unavailable', 'UPSTREAM_UNAVAILABLE', 503],
    ['timeout', 'UPSTREAM_UNAVAILABLE', 504],
    ['rejected', 'UPSTREAM_ERROR', 502],
  ] as const)('maps the upstream kind %s to %s and %i', (kind, code, status) => {
    const failure = describeFailure(upstream(kind));
    expect(failure.kind).toBe(kind);
    expect(FAILURE_MAPPING[failure.kind]).toMatchObject({ code, status });
  });

  it.each([400, 409, 412])(
    "answers Partner Center's refusal of the caller's request (%i) with UPSTREAM_ERROR and that status",
    (status) => {
      const failure = describeFailure(upstream('refused', { status, code: status }));
      expect(failure).toMatchObject({ kind: 'refused', status });
      expect(toProblemDetails(failure, undefined)).toMatchObject({ status, code: 'UPSTREAM_ERROR' });
    },
  );

  it.each([
    [400, 'refused'],
    [409, 'refused'],
    [412, 'refused'],
    [405, 'rejected'],
    [406, 'rejected'],
    [302, 'rejected'],
  ] as const)('reads a final %i from Partner Center as %s', (status, kind) => {
    expect(failureFromResponse({ status, headers: {}, body: '' }, 'rid').kind).toBe(kind);
  });

  it('maps invalid input to BAD_USER_INPUT and 400 with its violations', () => {
    const failure = describeFailure(
      new InvalidInputError([{ field: 'amount', message: 'amount must not be negative' }]),
    );
    expect(FAILURE_MAPPING[failure.kind]).toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
    expect(failure.errors).toEqual([{ field: 'amount', message: 'amount must not be negative' }]);
  });

  it('keeps the Partner Center facts, with the code as given', () => {
    const failure = describeFailure(
      upstream('not-found', { status: 404, code: 60003, description: 'Tenant not found.', requestId: 'rid' }),
    );
    expect(failure.partnerCenter).toEqual({
      source: 'partner-center',
      status: 404,
      code: 60003,
      description: 'Tenant not found.',
      requestId: 'rid',
    });
  });

  it('says which service refused: Entra ID for identity failures', () => {
    expect(
      describeFailure(new PartnerCenterError({ kind: 'unavailable', source: 'entra-id', attempts: 3 }))
        .detail,
    ).toMatch(/^Entra ID/);
  });

  it('carries the Retry-After seconds of a throttled call', () => {
    expect(describeFailure(upstream('rate-limited', { retryAfterSeconds: 57 })).retryAfterSeconds).toBe(57);
  });

  it('carries the claims of a claims challenge', () => {
    expect(describeFailure(upstream('unauthenticated', { claims: '{"access_token":{}}' })).claims).toBe(
      '{"access_token":{}}',
    );
  });

  it.each([
    [new BadRequestException('Body is not valid JSON'), 'invalid-input'],
    [new NotFoundException('Cannot GET /nope'), 'route-not-found'],
    [new PayloadTooLargeException(), 'payload-too-large'],
    [new HttpException('Unsupported Media Type', 415), 'unsupported-media-type'],
    [new ForbiddenException(), 'forbidden'],
    [new MethodNotAllowedException(), 'method-not-allowed'],
    [new NotAcceptableException(), 'not-acceptable'],
    [new RequestTimeoutException(), 'request-timeout'],
    [new HttpException('Expectation Failed', 417), 'expectation-failed'],
    [new HttpException('Request Header Fields Too Large', 431), 'headers-too-large'],
  ])("maps Nest's %p to %s", (error, kind) => {
    expect(describeFailure(error).kind).toBe(kind);
  });

  it('quotes at most 64 characters of a field name the client sent, in the field and in its message', () => {
    const field = 'k'.repeat(5_000);
    const failure = describeFailure(
      new InvalidInputError([{ field, message: `property ${field} should not exist` }]),
    );
    expect(failure.errors).toEqual([
      { field: `${'k'.repeat(64)}…`, message: `property ${'k'.repeat(64)}… should not exist` },
    ]);
  });

  it.each([new Error('ECONNRESET at https://internal'), 'a string', new HttpException('db down', 500)])(
    'masks %p as an unexpected internal error',
    (error) => {
      const failure = describeFailure(error);
      expect(failure).toMatchObject({ kind: 'internal', unexpected: true });
      expect(failure.detail).not.toMatch(/ECONNRESET|internal|db down/);
      expect(FAILURE_MAPPING.internal).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', status: 500 });
    },
  );
});

describe('the wait a final Partner Center answer asks of the caller', () => {
  it('is bounded by the longest pause the throttle gate takes', () => {
    const throttled = { status: 429, headers: { 'retry-after': '86400' }, body: '' };
    expect(failureFromResponse(throttled, 'rid', 600).retryAfterSeconds).toBe(600);
    expect(
      failureFromResponse({ ...throttled, headers: { 'retry-after': '57' } }, 'rid', 600).retryAfterSeconds,
    ).toBe(57);
    const unavailable = { status: 503, headers: { 'retry-after': '7200' }, body: '' };
    expect(failureFromResponse(unavailable, 'rid', 600).retryAfterSeconds).toBe(600);
  });
});
