import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProblemDetailsFilter } from './problem-details.filter';

/**
 * Makes every HTTP failure a problem+json answer. Call before `app.init()`: Nest hands the filter to Fastify's
 * error and not-found handlers at init, which is how malformed JSON, oversized bodies and unknown routes reach it.
 * The body limit itself is Fastify's (`new FastifyAdapter({ bodyLimit })`); the filter only names it.
 */
/** `graphqlPath`: where requests refused before Apollo get GraphQL-shaped errors instead of problem+json. */
export function configureHttp(
  app: NestFastifyApplication,
  options: { bodyLimitBytes: number; graphqlPath?: string },
): void {
  app.useGlobalFilters(new ProblemDetailsFilter(options));
}
