import { NotAcceptableException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { negotiatedGraphqlAnswerType } from '../problem/graphql-media-type';

/**
 * Refuses (406) a GraphQL request whose `Accept` admits no JSON answer, before anything runs. Apollo makes the same
 * refusal only after executing the operation (it picks the answer's type once it has one): a mutation was applied and
 * its caller told 406, as if nothing had happened. Accept is read as Apollo reads it (both JSON types at q=0 admit
 * nothing JSON whatever wildcard follows, nor does `application/json; charset=utf-16`), so the two never disagree.
 */
export function assertAcceptsGraphqlAnswer(request: FastifyRequest): void {
  if (negotiatedGraphqlAnswerType(request.headers.accept) === undefined)
    throw new NotAcceptableException(
      'A GraphQL answer is JSON: Accept must admit application/json or application/graphql-response+json.',
    );
}
