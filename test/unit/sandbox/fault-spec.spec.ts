import { parseFaultSpec } from '../../../src/sandbox/fault-spec';

describe('parseFaultSpec', () => {
  it('defaults the target to partner-center', () => {
    expect(parseFaultSpec({ kind: 'hang' }).target).toBe('partner-center');
  });

  it.each([
    [{ kind: 'boom' }, /kind/],
    [{ kind: 'status' }, /status/],
    [{ kind: 'status', status: 200 }, /status/],
    [{ kind: 'latency' }, /latencyMs/],
    [{ kind: 'hang', rate: 2 }, /rate/],
    [{ kind: 'hang', count: 0 }, /count/],
    [{ kind: 'hang', target: 'graph' }, /target/],
    [[], /object/],
  ])('rejects %j', (spec, reason) => {
    expect(() => parseFaultSpec(spec)).toThrow(reason);
  });
});
