import { generateKeyPairSync } from 'node:crypto';
import { createLogScrubber } from '../../../src/observability/log-scrubber';
import { createLogger, prettyStream } from '../../../src/observability/logger';
import { findSecret } from '../../e2e/support/secret-forms';

const CLIENT_SECRET = 'pc-Qx8~v1.tk_Z3f+/9aLmN0pQrStUvWxYz012345';
const REDIS_PASSWORD = 'r3dis"pass\\word-with-quotes';
const SECRETS = [CLIENT_SECRET, REDIS_PASSWORD];
const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiYXVkIjoiaHR0cHM6Ly9hcGkifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

const leaked = (text: string) =>
  findSecret(text, { 'client secret': CLIENT_SECRET, 'Redis password': REDIS_PASSWORD, JWT });

/** A line as pino writes it: one JSON object, a line feed. */
const pinoLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 40, time: 1, pid: 7, hostname: 'h', ...fields, msg: 'm' }) + '\n';

/** Each line of a chunk parses as JSON (it throws otherwise). */
const parsed = (chunk: string) =>
  chunk
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);

describe('the log scrubber, on a line with nothing to cut', () => {
  const scrubber = createLogScrubber(SECRETS);

  it('passes the very same text on (the completion line costs one test)', () => {
    const line = pinoLine({
      req: { id: 'c0ffee00-0000-4000-8000-000000000001', method: 'GET', url: '/v1/customers/x/usagebudget' },
      outcome: 'OK',
      status: 200,
    });
    expect(scrubber.line(line)).toBe(line);
  });

  it('leaves the redaction markers and a client secret that is not the one held as they are', () => {
    const line = pinoLine({ req: { url: '/nope?access_token=[REDACTED]' }, description: 'secret sauce' });
    expect(parsed(scrubber.line(line))).toEqual(parsed(line));
  });
});

describe('the log scrubber, fields named for a credential', () => {
  const scrubber = createLogScrubber([]);

  it('cuts their values whole at any depth, whatever they hold, and says where they were', () => {
    const line = pinoLine({
      req: { headers: { Authorization: 'Basic dXNlcjpwYXNzd29yZA==', cookie: 'session=abc' } },
      redis: { options: { connection: { password: 'hunter2-hunter2' } } },
      msal: [{ auth: { clientSecret: 'opaque', clientCertificate: { privateKey: { kty: 'RSA' } } } }],
      tokenAnswer: { access_token: 'opaque-token', expires_in: 3600 },
    });
    const [entry] = parsed(scrubber.line(line));
    expect(entry.req.headers).toEqual({ Authorization: '[REDACTED]', cookie: '[REDACTED]' });
    expect(entry.redis.options.connection.password).toBe('[REDACTED]');
    expect(entry.msal[0].auth).toEqual({
      clientSecret: '[REDACTED]',
      clientCertificate: { privateKey: '[REDACTED]' },
    });
    expect(entry.tokenAnswer).toEqual({ access_token: '[REDACTED]', expires_in: 3600 });
  });
});

describe('the log scrubber, tokens by their shape at any depth', () => {
  const scrubber = createLogScrubber([]);

  it.each([
    [
      'a bearer token in an error stack',
      { err: { message: 'x', stack: `Error: sent Bearer ${'A1b2'.repeat(8)}\n    at f (a.js:1:1)` } },
    ],
    ['a JWT in an array', { upstream: { attempts: [{ echoed: [JWT] }] } }],
    ['a JWT cut short in a description', { partnerCenter: { description: `bad token ${JWT.slice(0, 40)}` } }],
    [
      'a form secret in a nested option object',
      { options: { body: `grant_type=x&client_secret=${CLIENT_SECRET}` } },
    ],
    ['a private key PEM', { options: { key: generatePem() } }],
  ])('cuts %s', (_what, fields) => {
    const line = pinoLine(fields);
    const out = scrubber.line(line);
    expect(out).not.toBe(line);
    expect(parsed(out)).toHaveLength(1);
    expect(out).not.toContain('A1b2A1b2A1b2A1b2');
    expect(out).not.toContain(CLIENT_SECRET);
    expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]{10}/);
    expect(out).not.toContain('PRIVATE KEY-----');
  });

  it('cuts a bearer token inside a JSON-escaped string, and the line stays valid JSON', () => {
    // An upstream body quoted as text: its quotes are escaped once by the upstream, once more in the line.
    const quoted = JSON.stringify({ headers: { authorization: `Bearer ${'Zz9_'.repeat(8)}` } });
    const line = pinoLine({ partnerCenter: { description: JSON.stringify({ body: quoted }) } });
    expect(line).toContain('\\\\\\"Bearer ');
    const out = scrubber.line(line);
    expect(out).not.toContain('Zz9_Zz9_Zz9_Zz9_');
    expect(parsed(out)[0].partnerCenter.description).toContain('Bearer [REDACTED]');
  });

  it('cuts a token used as a key', () => {
    const out = scrubber.line(pinoLine({ body: { [JWT]: 1 } }));
    expect(leaked(out)).toBeUndefined();
    expect(Object.keys(parsed(out)[0].body)).toEqual(['[REDACTED-JWT]']);
  });
});

describe('the log scrubber, the secrets the process holds', () => {
  const scrubber = createLogScrubber(SECRETS);

  it.each([
    ['as it is', (s: string) => `refused ${s}`],
    ['URL-encoded', (s: string) => `Location: /x?t=${encodeURIComponent(s)}&y=1`],
    ['form-encoded', (s: string) => new URLSearchParams({ password: s, x: 'y' }).toString()],
    // Escaped once in the value (a quoted JSON body), once more in the line.
    ['JSON-escaped', (s: string) => JSON.stringify({ echoed: s })],
    ...[0, 1, 2].map((offset): [string, (s: string) => string] => [
      `base64 at offset ${offset}`,
      (s) => `blob ${Buffer.from('ab'.slice(0, offset) + `AUTH ${s} and more`).toString('base64')}`,
    ]),
    ['base64url', (s: string) => Buffer.from(`authorization: Basic ${s}`).toString('base64url')],
    ['cut short', (s: string) => `description clipped at ${s.slice(0, 22)}`],
  ])('cuts each, quoted %s in a nested field', (_form, quote) => {
    for (const secret of SECRETS) {
      const line = pinoLine({
        partnerCenter: { status: 400, description: quote(secret) },
        tags: [quote(secret)],
      });
      expect(leaked(quote(secret))).toBeDefined();
      const out = scrubber.line(line);
      const [entry] = parsed(out);
      // Searched in the line as written, and in its values as a reader decodes them.
      for (const text of [out, entry.partnerCenter.description, entry.tags[0]])
        expect(leaked(text)).toBeUndefined();
      expect(entry.partnerCenter.description).toContain('[REDACTED]');
    }
  });

  it('cuts one in an error message and stack written by pino itself', () => {
    let out = '';
    const logger = createLogger(
      { level: 'info', format: 'json' },
      { write: (s: string) => void (out += s) },
      scrubber,
    );
    const error = new Error(`Redis refused AUTH ${REDIS_PASSWORD}`);
    logger.error(
      { err: error, context: 'SharedState', redis: { options: { password: REDIS_PASSWORD } } },
      'failed',
    );
    logger.warn(`client secret ${CLIENT_SECRET} expired`);
    expect(leaked(out)).toBeUndefined();
    const [errorLine, warnLine] = parsed(out);
    expect(errorLine.err.message).toBe('Redis refused AUTH [REDACTED]');
    expect(errorLine.err.stack).toContain('Redis refused AUTH [REDACTED]');
    expect(warnLine.msg).toBe('client secret [REDACTED] expired');
  });

  it('cuts one from the pretty format too (LOG_FORMAT=pretty)', () => {
    let out = '';
    const logger = createLogger(
      { level: 'info', format: 'pretty' },
      prettyStream({ write: (s: string) => void (out += s) }),
      scrubber,
    );
    logger.warn(
      { context: 'PartnerCenter', upstream: { echoed: [CLIENT_SECRET] } },
      `sent ${encodeURIComponent(CLIENT_SECRET)}`,
    );
    expect(out).toMatch(
      / WARN \[PartnerCenter\] sent \[REDACTED\] {2}upstream=\{"echoed":\["\[REDACTED\]"\]\}\n$/,
    );
    expect(leaked(out)).toBeUndefined();
  });

  it('cuts one from plain text (a notice on stderr)', () => {
    expect(scrubber.text(`Gateway failed to start: AUTH ${REDIS_PASSWORD} refused`)).toBe(
      'Gateway failed to start: AUTH [REDACTED] refused',
    );
    expect(scrubber.text('SIGTERM received: draining')).toBe('SIGTERM received: draining');
  });

  it('searches for no secret too short to be told from other text', () => {
    const line = pinoLine({ status: 'ok', note: 'abc' });
    expect(createLogScrubber(['abc', 'ok']).line(line)).toBe(line);
  });
});

function generatePem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}
