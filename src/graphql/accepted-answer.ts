import { NotAcceptableException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** What a GraphQL answer can be sent as (GraphQL over HTTP), and the ranges that cover them. */
const ANSWER_TYPES = new Set([
  '*/*',
  'application/*',
  'application/json',
  'application/graphql-response+json',
]);

/**
 * Refuses (406) a GraphQL request whose `Accept` admits no JSON answer, before anything runs. Apollo makes the same
 * refusal only after executing the operation (it picks the answer's type once it has one): a mutation was applied and
 * its caller told 406, as if nothing had happened. No `Accept`, or one that admits JSON, goes on.
 */
export function assertAcceptsGraphqlAnswer(request: FastifyRequest): void {
  const accept = request.headers.accept;
  if (accept === undefined || accept.trim() === '') return;
  const acceptable = accept.split(',').some((range) => {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    return ANSWER_TYPES.has(type) && (quality === undefined || Number(quality.slice(2)) > 0);
  });
  if (!acceptable)
    throw new NotAcceptableException(
      'A GraphQL answer is JSON: Accept must admit application/json or application/graphql-response+json.',
    );
}
