import { latencyFaultDelayMs, parseFaultSpec } from '../../src/fault-spec';

describe('parseFaultSpec', () => {
  it('defaults the target to partner-center', () => {
    expect(parseFaultSpec({ kind: 'hang' }).target).toBe('partner-center');
  });

  it.each([
    [{ kind: 'boom' }, /kind/],
    [{ kind: 'status' }, /status/],
    [{ kind: 'status', status: 200 }, /body/],
    [{ kind: 'status', status: 199, body: 'x' }, /between 200 and 599/],
    [{ kind: 'status', status: 600, body: 'x' }, /between 200 and 599/],
    [{ kind: 'status', status: 304 }, /body/],
    [{ kind: 'drop-after-apply', method: 'GET' }, /PATCH/],
    [{ kind: 'drop-after-apply', target: 'token' }, /partner-center/],
    [{ kind: 'latency' }, /latencyMs/],
    [{ kind: 'latency', latencyMs: 50, jitterMs: -1 }, /jitterMs/],
    [{ kind: 'latency', latencyMs: 50, jitterMs: 1.5 }, /jitterMs/],
    [{ kind: 'hang', jitterMs: 10 }, /jitterMs goes with kind latency/],
    [{ kind: 'slow-answer' }, /latencyMs/],
    [{ kind: 'hang', rate: 2 }, /rate/],
    [{ kind: 'hang', count: 0 }, /count/],
    [{ kind: 'hang', target: 'graph' }, /target/],
    [[], /object/],
  ])('rejects %j', (spec, reason) => {
    expect(() => parseFaultSpec(spec)).toThrow(reason);
  });

  it('accepts a 2xx status with a raw body, to test clients against a 200 that is not a SpendingBudget', () => {
    expect(
      parseFaultSpec({ kind: 'status', status: 200, body: '<html>maintenance</html>', count: 1 }),
    ).toMatchObject({ status: 200, body: '<html>maintenance</html>' });
    expect(parseFaultSpec({ kind: 'status', status: 204, body: '' })).toMatchObject({
      status: 204,
      body: '',
    });
  });

  it('accepts drop-after-apply, for Partner Center PATCH only', () => {
    expect(parseFaultSpec({ kind: 'drop-after-apply', count: 1 })).toEqual({
      kind: 'drop-after-apply',
      count: 1,
      target: 'partner-center',
      method: 'PATCH',
    });
  });

  it('accepts slow-answer with a latency and a jitter, as latency', () => {
    const fault = parseFaultSpec({ kind: 'slow-answer', latencyMs: 50, jitterMs: 10, method: 'GET' });
    expect(fault).toMatchObject({
      kind: 'slow-answer',
      latencyMs: 50,
      jitterMs: 10,
      target: 'partner-center',
    });
    expect(latencyFaultDelayMs(fault, () => 0.5)).toBe(55);
  });

  it('delays a latency fault by latencyMs plus a uniform 0..jitterMs', () => {
    const fault = parseFaultSpec({ kind: 'latency', latencyMs: 50, jitterMs: 10 });
    expect(latencyFaultDelayMs(fault, () => 0)).toBe(50);
    expect(latencyFaultDelayMs(fault, () => 0.5)).toBe(55);
    expect(latencyFaultDelayMs(fault, () => 0.999999)).toBe(60);
    expect(latencyFaultDelayMs(parseFaultSpec({ kind: 'latency', latencyMs: 50 }), () => 0.999999)).toBe(50);
  });
});
