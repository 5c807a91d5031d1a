import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { FAILURE_MAPPING, GatewayFailureKind, problemType } from './failure-mapping';

// OpenAPI descriptions of problem+json; the runtime shape is built by toProblemDetails.

class FieldViolationSchema {
  @ApiProperty({
    description: 'The field the caller sent, e.g. `amount` or `attributes.objectType`.',
    example: 'amount',
  })
  field: string;

  @ApiProperty({ example: 'amount must not be negative' })
  message: string;
}

class PartnerCenterFactsSchema {
  @ApiProperty({
    enum: ['partner-center', 'entra-id'],
    description: 'Partner Center, or Entra ID while getting its token.',
  })
  source: string;

  @ApiPropertyOptional({ description: "HTTP status of Partner Center's last answer.", example: 404 })
  status?: number;

  @ApiPropertyOptional({
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    description: "Partner Center's error code, as it gave it.",
    example: 60003,
  })
  code?: number | string;

  @ApiPropertyOptional({ example: 'Tenant not found.' })
  description?: string;

  @ApiPropertyOptional({ description: 'MS-RequestId of the upstream call.', format: 'uuid' })
  requestId?: string;
}

export class ProblemDetailsSchema {
  @ApiProperty({ format: 'uri', example: problemType('not-found') })
  type: string;

  @ApiProperty({ example: FAILURE_MAPPING['not-found'].title })
  title: string;

  @ApiProperty({ example: 404 })
  status: number;

  @ApiProperty({ example: 'Partner Center does not know this customer or its usage budget.' })
  detail: string;

  @ApiProperty({
    description: 'Stable code, the same as GraphQL `extensions.code`.',
    enum: [...new Set(Object.values(FAILURE_MAPPING).map((m) => m.code))],
  })
  code: string;

  @ApiProperty({ format: 'uuid', description: 'Also in the MS-CorrelationId response header.' })
  correlationId: string;

  @ApiPropertyOptional({
    type: [FieldViolationSchema],
    description: 'Validation failures, one per field problem.',
  })
  errors?: FieldViolationSchema[];

  @ApiPropertyOptional({
    type: PartnerCenterFactsSchema,
    description: 'What Partner Center answered, for an upstream failure.',
  })
  partnerCenter?: PartnerCenterFactsSchema;

  @ApiPropertyOptional({
    description: 'For 429: seconds to wait, also in the Retry-After header.',
    example: 30,
  })
  retryAfterSeconds?: number;

  @ApiPropertyOptional({ description: "Entra ID's claims challenge, when the user must authenticate again." })
  claims?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'OUTCOME_UNKNOWN: the idempotency key to retry the change with (as MS-RequestId); it is applied at most once.',
  })
  idempotencyKey?: string;
}

const RESPONSES: Array<{ status: number; kinds: GatewayFailureKind[]; description: string }> = [
  {
    status: 400,
    kinds: ['invalid-input'],
    description: 'Invalid customer id or body, or malformed JSON; nothing was sent to Partner Center.',
  },
  {
    status: 401,
    kinds: ['unauthenticated'],
    description: 'Partner Center or Entra ID did not accept the credentials.',
  },
  { status: 403, kinds: ['forbidden'], description: 'Partner Center denied access to the customer.' },
  {
    status: 404,
    kinds: ['not-found'],
    description: 'Partner Center does not know the customer or its budget.',
  },
  { status: 429, kinds: ['rate-limited'], description: 'Partner Center is throttling; see Retry-After.' },
  {
    status: 502,
    kinds: ['rejected'],
    description: 'Partner Center refused the request or answered something unreadable.',
  },
  { status: 503, kinds: ['unavailable'], description: 'Partner Center or Entra ID is unavailable.' },
  {
    status: 504,
    kinds: ['timeout', 'outcome-unknown'],
    description:
      'Partner Center did not answer in time (UPSTREAM_UNAVAILABLE), or a change may have been applied without an answer saying so (OUTCOME_UNKNOWN: retry with the same idempotency key).',
  },
];

/** Documents the problem+json answers every Partner Center-backed operation can give. */
export function ApiProblemResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsSchema),
    ...RESPONSES.map(({ status, kinds, description }) =>
      ApiResponse({
        status,
        description: `${description} Code: ${kinds.map((kind) => FAILURE_MAPPING[kind].code).join(', ')}.`,
        ...(status === 429 && {
          headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
        }),
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsSchema) } } },
      }),
    ),
  );
}
