import type { FastifyInstance } from 'fastify';

/**
 * Gives every error of a GraphQL answer the request's correlation id (`extensions.correlationId`), whoever made the
 * answer: a resolver failure, graphql-js (parse, validation, variables) or Apollo before its request pipeline
 * (a missing query, CSRF prevention). Apollo's formatError cannot know the request (it gets only the error), so the
 * id is added here, where the request is known. Only answers that carry errors are parsed again.
 */
export function registerGraphqlCorrelation(fastify: FastifyInstance, path: string): void {
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    // The route, not the URL as sent: a percent-encoded path (`/%67raphql`) is routed to the endpoint too.
    if (typeof payload !== 'string' || !payload.includes('"errors"') || request.routeOptions.url !== path)
      return done(null, payload);
    done(null, withCorrelationId(payload, request.correlationId));
  });
}

export function withCorrelationId(payload: string, correlationId: string): string {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return payload;
  for (const error of errors) {
    if (typeof error !== 'object' || error === null) continue;
    const extensions = ((error as { extensions?: Record<string, unknown> }).extensions ??= {});
    extensions.correlationId ??= correlationId;
  }
  return JSON.stringify(body);
}
