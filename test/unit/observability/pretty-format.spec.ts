import { prettyStream } from '../../../src/observability/logger';

describe('LOG_FORMAT=pretty', () => {
  it('writes one human line per JSON line: time, level, context, message, then the fields', () => {
    let out = '';
    const stream = prettyStream({ write: (text: string) => (out += text) });
    stream.write(
      '{"level":30,"time":0,"pid":1,"hostname":"h","context":"Gateway","msg":"request completed","status":200,"upstream":{"attempts":1}}\n',
    );
    expect(out).toBe('00:00:00.000 INFO [Gateway] request completed  status=200 upstream={"attempts":1}\n');
  });
});
