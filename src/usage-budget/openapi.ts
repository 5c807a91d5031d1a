import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * Serves the REST adapter's OpenAPI document at /openapi.json and Swagger UI at /docs.
 * Call before `app.init()` / `listen()`: Fastify takes no routes once it is ready.
 */
export function setupOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Usage budget gateway')
      .setDescription(
        "Reads and sets CSP customers' Azure usage spending budgets through Partner Center. The paths and shapes are " +
          "Partner Center's own (`/v1/customers/{customerId}/usagebudget`), so a service written against Partner Center " +
          'only changes its base URL. Errors are RFC 9457 problem details (application/problem+json) carrying a stable ' +
          '`code` (the same as GraphQL `extensions.code`) and the `correlationId` (also the MS-CorrelationId header).',
      )
      .setVersion('1')
      // The auth guard demands it on every route here (sandbox mode also accepts calls without one).
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'UsageBudget.Read to read, UsageBudget.ReadWrite to change (app role or delegated scope).',
      })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
}
