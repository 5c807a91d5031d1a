import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { echoClientValue } from '../problem/client-value';

/** RFC 8259: JSON exchanged between systems is UTF-8. */
const UTF8 = new Set(['utf-8', 'utf8']);

/**
 * Refuses (415) a request body the gateway would otherwise misread, before it is read:
 * - any `Content-Encoding` but `identity`: bodies are never decompressed, so a gzipped body would fail as "malformed"
 *   and a plain one labelled gzip would be applied;
 * - JSON in another charset than UTF-8 (it would be decoded as UTF-8 anyway);
 * - any media type but `application/json`, except `text/plain` on the GraphQL route, where Apollo's CSRF prevention
 *   must see it to refuse it (a REST route would otherwise read `text/plain` as a string and call it invalid input).
 * Requests to no route are left to the 404 / 405 answers; GET and HEAD bodies are never read.
 */
export function registerMediaTypeCheck(fastify: FastifyInstance, options: { graphqlPath: string }): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    done(mediaTypeRefusal(request, options.graphqlPath));
  });
}

function mediaTypeRefusal(
  request: FastifyRequest,
  graphqlPath: string,
): UnsupportedMediaTypeException | undefined {
  if (request.is404 || request.method === 'GET' || request.method === 'HEAD') return undefined;
  const { headers } = request;
  if (!carriesBody(headers)) return undefined;
  const encoding = headers['content-encoding'];
  if (
    encoding !== undefined &&
    encoding.split(',').some((coding) => coding.trim().toLowerCase() !== 'identity')
  ) {
    return new UnsupportedMediaTypeException(
      `Compressed request bodies are not accepted (Content-Encoding: ${echoClientValue(encoding)}): send the body uncompressed.`,
    );
  }
  const contentType = headers['content-type'];
  const [mediaType, ...parameters] = (contentType ?? '').split(';').map((part) => part.trim());
  const type = mediaType.toLowerCase();
  if (type === 'application/json') {
    const charset = charsetOf(parameters);
    if (charset === undefined || UTF8.has(charset.toLowerCase())) return undefined;
    return new UnsupportedMediaTypeException(
      `JSON bodies must be UTF-8, not charset=${echoClientValue(charset)}.`,
    );
  }
  if (type === 'text/plain' && request.routeOptions.url === graphqlPath) return undefined;
  return new UnsupportedMediaTypeException(
    contentType === undefined
      ? 'A request body needs Content-Type: application/json.'
      : `Request bodies must be application/json, not ${echoClientValue(contentType)}.`,
  );
}

/** Node has already checked the framing: a body is announced by a non-zero Content-Length or Transfer-Encoding. */
function carriesBody(headers: IncomingHttpHeaders): boolean {
  return (
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0')
  );
}

function charsetOf(parameters: string[]): string | undefined {
  for (const parameter of parameters) {
    const separator = parameter.indexOf('=');
    if (separator < 0 || parameter.slice(0, separator).trim().toLowerCase() !== 'charset') continue;
    return parameter
      .slice(separator + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}
