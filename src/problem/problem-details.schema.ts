import {
  ForbiddenException,
  PayloadTooLargeException,
  UnauthorizedException,
  UnsupportedMediaTypeException,
  applyDecorators,
} from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { InvalidInputError } from '../common/invalid-input.error';
import { PartnerCenterError, UpstreamFailure } from '../partner-center/errors/partner-center-error';
import { describeFailure } from './failure';
import { FAILURE_MAPPING, GatewayFailureKind, problemType } from './failure-mapping';
import { toProblemDetails } from './problem-details';

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
    description:
      'Seconds to wait, also in the Retry-After header: on every 429, and on a 503 when the gateway knows (an open circuit, a full queue, a shutdown, an upstream 503 that named a wait).',
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

const EXAMPLE_CORRELATION_ID = '6b3a8c4e-8f0e-4e4a-9a59-2f1f0e9d1c11';
const EXAMPLE_CUSTOMER_ID = 'c0000001-0000-4000-8000-000000000001';

function fromPartnerCenter(
  failure: Omit<UpstreamFailure, 'source' | 'attempts'> & Partial<UpstreamFailure>,
): PartnerCenterError {
  return new PartnerCenterError({
    source: 'partner-center',
    attempts: 1,
    requestId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    ...failure,
  });
}

interface ProblemResponse {
  status: number;
  kinds: GatewayFailureKind[];
  description: string;
  /** What the handler would throw; the example is the problem the gateway renders from it. */
  examples: Record<string, { summary: string; error: unknown }>;
}

const RESPONSES: ProblemResponse[] = [
  {
    status: 400,
    kinds: ['invalid-input', 'refused'],
    description:
      "Invalid customer id or body, or malformed JSON (BAD_USER_INPUT; nothing was sent to Partner Center); or Partner Center's own 400 (UPSTREAM_ERROR, with its code).",
    examples: {
      partnerCenter: {
        summary: 'Partner Center refused the customer id',
        error: fromPartnerCenter({
          kind: 'refused',
          status: 400,
          code: 900118,
          description: 'Invalid customer id',
        }),
      },
      amount: {
        summary: 'A negative amount',
        error: new InvalidInputError([{ field: 'amount', message: 'amount must not be negative' }]),
      },
      customerId: {
        summary: 'A customer id that is not a GUID',
        error: new InvalidInputError([
          { field: 'customerId', message: 'customerId must be a GUID (the customer tenant id)' },
        ]),
      },
    },
  },
  {
    status: 401,
    kinds: ['unauthenticated'],
    description:
      "No valid bearer token, or Partner Center or Entra ID did not accept the gateway's credentials (WWW-Authenticate says which).",
    examples: {
      noToken: {
        summary: 'No bearer token',
        error: new UnauthorizedException('A bearer token is required (Authorization: Bearer <token>).'),
      },
      partnerCenter: {
        summary: "Partner Center refused the gateway's token, even after a refresh",
        error: fromPartnerCenter({ kind: 'unauthenticated', status: 401, attempts: 2 }),
      },
    },
  },
  {
    status: 403,
    kinds: ['forbidden'],
    description: 'The caller lacks the permission, or Partner Center denied access to the customer.',
    examples: {
      permission: {
        summary: 'A token without UsageBudget.ReadWrite, changing a budget',
        error: new ForbiddenException('Changing a usage budget needs UsageBudget.ReadWrite.'),
      },
      noCommerceRelationship: {
        summary: 'Partner Center: no commerce relationship with the customer',
        error: fromPartnerCenter({
          kind: 'forbidden',
          status: 403,
          code: 20002,
          description: `The partner has no commerce relationship with the customer ID ${EXAMPLE_CUSTOMER_ID}.`,
        }),
      },
    },
  },
  {
    status: 404,
    kinds: ['not-found'],
    description: 'Partner Center does not know the customer or its budget.',
    examples: {
      notFound: {
        summary: 'Unknown customer',
        error: fromPartnerCenter({
          kind: 'not-found',
          status: 404,
          code: 60003,
          description: `Tenant ${EXAMPLE_CUSTOMER_ID} not found`,
        }),
      },
    },
  },
  {
    status: 409,
    kinds: ['refused'],
    description:
      "Partner Center's own 409 (or 412): the change conflicts with the budget's state; not applied.",
    examples: {
      conflict: {
        summary: 'Partner Center refused the change as conflicting',
        error: fromPartnerCenter({ kind: 'refused', status: 409, code: 409, description: 'Conflict' }),
      },
    },
  },
  {
    status: 429,
    kinds: ['rate-limited'],
    description:
      'Partner Center, the per-caller limit, or the limit on invalid tokens from one address is throttling; see Retry-After.',
    examples: {
      throttled: {
        summary: 'Partner Center throttling, Retry-After longer than the gateway waits',
        error: fromPartnerCenter({ kind: 'rate-limited', status: 429, retryAfterSeconds: 57 }),
      },
    },
  },
  {
    status: 502,
    kinds: ['rejected'],
    description: 'Partner Center or Entra ID refused the request, or answered something unreadable.',
    examples: {
      invalidClient: {
        summary: "Entra ID refused the gateway's client credentials",
        error: fromPartnerCenter({
          kind: 'rejected',
          source: 'entra-id',
          status: 401,
          code: 'invalid_client',
          description: 'AADSTS7000215: Invalid client secret provided.',
        }),
      },
    },
  },
  {
    status: 503,
    kinds: ['unavailable', 'shutting-down'],
    description:
      'Partner Center or Entra ID is unavailable (UPSTREAM_UNAVAILABLE), or this replica is shutting down (SHUTTING_DOWN: retry, another replica answers).',
    examples: {
      unavailable: {
        summary: 'Partner Center answered 503 on every attempt',
        error: fromPartnerCenter({ kind: 'unavailable', status: 503, attempts: 4 }),
      },
    },
  },
  {
    status: 504,
    kinds: ['timeout', 'outcome-unknown'],
    description:
      'Partner Center did not answer in time (UPSTREAM_UNAVAILABLE), or a change may have been applied without an answer saying so (OUTCOME_UNKNOWN: retry with the same idempotency key).',
    examples: {
      timeout: {
        summary: 'No answer within the attempt timeouts and the deadline',
        error: fromPartnerCenter({ kind: 'timeout', attempts: 4, requestId: undefined }),
      },
      outcomeUnknown: {
        summary: 'A change that may have been applied: retry it with the same idempotency key',
        error: fromPartnerCenter({
          kind: 'outcome-unknown',
          attempts: 4,
          idempotencyKey: '0f8fad5b-d9cb-469f-a165-70867728950e',
        }),
      },
    },
  },
];

/** What only an operation that takes a body can answer: the body refused before it is read or parsed. */
const BODY_RESPONSES: ProblemResponse[] = [
  {
    status: 413,
    kinds: ['payload-too-large'],
    description: 'The body is larger than HTTP_BODY_LIMIT_BYTES; nothing was sent to Partner Center.',
    examples: {
      tooLarge: {
        summary: 'A body over the limit',
        error: new PayloadTooLargeException('The request body is larger than 32768 bytes.'),
      },
    },
  },
  {
    status: 415,
    kinds: ['unsupported-media-type'],
    description:
      'The body is not application/json in UTF-8, or is compressed (any Content-Encoding but identity); nothing was sent to Partner Center.',
    examples: {
      notJson: {
        summary: 'A text/plain body',
        error: new UnsupportedMediaTypeException('Request bodies must be application/json, not text/plain.'),
      },
      compressed: {
        summary: 'A gzipped body',
        error: new UnsupportedMediaTypeException(
          'Compressed request bodies are not accepted (Content-Encoding: gzip): send the body uncompressed.',
        ),
      },
    },
  },
];

/**
 * Documents the problem+json answers every Partner Center-backed operation can give, each status with its own
 * examples, rendered by the same code that renders real answers.
 */
export function ApiProblemResponses(): MethodDecorator & ClassDecorator {
  return problemResponses(RESPONSES);
}

/** The answers only an operation with a request body can give besides (413, 415). */
export function ApiBodyProblemResponses(): MethodDecorator & ClassDecorator {
  return problemResponses(BODY_RESPONSES);
}

function problemResponses(responses: ProblemResponse[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsSchema),
    ...responses.map(({ status, kinds, description, examples }) =>
      ApiResponse({
        status,
        description: `${description} Code: ${kinds.map((kind) => FAILURE_MAPPING[kind].code).join(', ')}.`,
        ...((status === 429 || status === 503) && {
          headers: {
            'Retry-After': {
              description: status === 429 ? 'Seconds to wait.' : 'Seconds to wait, when the gateway knows.',
              schema: { type: 'integer' },
            },
          },
        }),
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDetailsSchema) },
            examples: Object.fromEntries(
              Object.entries(examples).map(([name, { summary, error }]) => [
                name,
                { summary, value: toProblemDetails(describeFailure(error), EXAMPLE_CORRELATION_ID) },
              ]),
            ),
          },
        },
      }),
    ),
  );
}
