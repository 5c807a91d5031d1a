import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** An answer whose body decodes past the size limit: a small compressed body must not expand in memory. */
export class DecodedTooLargeError extends Error {
  constructor() {
    super('the upstream answer decodes past the size limit');
    this.name = 'DecodedTooLargeError';
  }
}

/**
 * The body of an answer without its Content-Encoding. The gateway sends no Accept-Encoding, which by HTTP (RFC 9110
 * §12.5.3) leaves the server free to choose any coding, and front doors do gzip JSON: such an answer is still the
 * answer. Codings are undone in the reverse of the order applied; the decoded size is bounded like the received one.
 * A coding not known here, or a stream that is not in the coding named (a proxy labelling plain JSON "gzip", or a
 * charset put in Content-Encoding), leaves the body as received: if it is no readable answer either, whoever parses
 * it refuses it, as any unreadable body.
 */
export function decodeContent(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  // An empty body (a 204, an empty 404) says Content-Encoding as its headers would have: there is nothing to decode.
  if (!contentEncoding || body.length === 0) return body;
  const codings = contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding && coding !== 'identity');
  if (codings.some((coding) => !DECODERS[coding])) return body;
  try {
    return codings.reduceRight((decoded, coding) => DECODERS[coding](decoded, maxBytes), body);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new DecodedTooLargeError();
    return body;
  }
}

const DECODERS: Record<string, (body: Buffer, maxOutputLength: number) => Buffer> = {
  gzip: (body, maxOutputLength) => gunzipSync(body, { maxOutputLength }),
  'x-gzip': (body, maxOutputLength) => gunzipSync(body, { maxOutputLength }),
  br: (body, maxOutputLength) => brotliDecompressSync(body, { maxOutputLength }),
  // "deflate" is the zlib format (RFC 9110 §8.4.1.2), but some servers send raw deflate under that name.
  deflate: (body, maxOutputLength) =>
    isZlibHeader(body) ? inflateSync(body, { maxOutputLength }) : inflateRawSync(body, { maxOutputLength }),
};

/** RFC 1950: the method nibble says deflate, and the two header bytes are a multiple of 31. */
function isZlibHeader(body: Buffer): boolean {
  return body.length >= 2 && (body[0] & 0x0f) === 8 && (body[0] * 256 + body[1]) % 31 === 0;
}
