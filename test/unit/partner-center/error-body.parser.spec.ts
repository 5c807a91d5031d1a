import { parseErrorBody } from '../../../src/partner-center/errors/error-body.parser';

describe("parsing Partner Center's error bodies", () => {
  it('reads the documented body with a numeric code', () => {
    const body = '{"code": 60003, "description": "Tenant not found", "data": [], "source": "PartnerFD"}';
    expect(parseErrorBody(body)).toEqual({ code: 60003, description: 'Tenant not found' });
  });

  it('reads a string code', () => {
    expect(parseErrorBody('{"code":"2000","description":"Tenant Id must be a GUID"}')).toMatchObject({
      code: '2000',
    });
  });

  it('reads the newer shape with errorName and isRetryable', () => {
    const body = { errorName: 'ServiceUnavailable', isRetryable: true, message: 'try later', parameters: {} };
    expect(parseErrorBody(body)).toEqual({
      errorName: 'ServiceUnavailable',
      isRetryable: true,
      description: 'try later',
    });
  });

  it("reads the 429 body's message", () => {
    expect(
      parseErrorBody('{"statusCode":429,"message":"Rate limit is exceeded. Try again in 57 seconds."}'),
    ).toEqual({
      description: 'Rate limit is exceeded. Try again in 57 seconds.',
    });
  });

  it('reads property names in any case', () => {
    expect(parseErrorBody('{"Code":800003,"Description":"Unexpected"}')).toEqual({
      code: 800003,
      description: 'Unexpected',
    });
  });

  it('returns nothing for an empty 404 body', () => expect(parseErrorBody('')).toEqual({}));
  it('returns nothing for an HTML error page', () =>
    expect(parseErrorBody('<html><body>502</body></html>')).toEqual({}));
  it('keeps plain text as the description', () =>
    expect(parseErrorBody('Bad Gateway')).toEqual({ description: 'Bad Gateway' }));
  it('does not throw on a JSON array or null', () => {
    expect(parseErrorBody('[1,2]')).toEqual({});
    expect(parseErrorBody('null')).toEqual({});
  });
  it('clips an oversized description', () => {
    expect(parseErrorBody({ description: 'x'.repeat(5000) }).description!.length).toBeLessThanOrEqual(501);
  });
});
