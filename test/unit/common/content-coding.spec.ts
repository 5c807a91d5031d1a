import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { DecodedTooLargeError, decodeContent } from '../../../src/common/http/content-coding';

const BODY = Buffer.from('{"amount":100}');
const LIMIT = 1024;

describe('decodeContent', () => {
  it('leaves a body without a coding, or with identity, as it is', () => {
    expect(decodeContent(BODY, undefined, LIMIT)).toBe(BODY);
    expect(decodeContent(BODY, 'identity', LIMIT).toString()).toBe('{"amount":100}');
  });

  it('leaves an empty body empty whatever coding its headers name (a 204, an empty 404)', () => {
    expect(decodeContent(Buffer.alloc(0), 'gzip', LIMIT)).toHaveLength(0);
  });

  it.each([
    ['gzip', gzipSync(BODY)],
    ['x-gzip', gzipSync(BODY)],
    ['GZIP', gzipSync(BODY)],
    ['br', brotliCompressSync(BODY)],
    ['deflate', deflateSync(BODY)],
    ['deflate (raw, as some servers send it)', deflateRawSync(BODY)],
  ])('decodes %s', (coding, encoded) => {
    expect(decodeContent(encoded, coding.split(' ')[0], LIMIT).toString()).toBe('{"amount":100}');
  });

  it('undoes several codings in the reverse of the order they were applied', () => {
    expect(decodeContent(brotliCompressSync(gzipSync(BODY)), 'gzip, br', LIMIT).toString()).toBe(
      '{"amount":100}',
    );
  });

  it.each([
    ['a coding it does not know', BODY, 'zstd'],
    ['a charset where a coding belongs', BODY, 'UTF-8'],
    ['plain text labelled gzip', BODY, 'gzip'],
    ['one coding of two it does not know', gzipSync(BODY), 'gzip, zstd'],
  ])('leaves %s as received, for its parser to read or refuse', (_name, received, coding) => {
    expect(decodeContent(received, coding, LIMIT)).toBe(received);
  });

  it('refuses a body that decodes past the limit', () => {
    expect(() => decodeContent(gzipSync(Buffer.alloc(LIMIT + 1)), 'gzip', LIMIT)).toThrow(
      DecodedTooLargeError,
    );
  });
});
