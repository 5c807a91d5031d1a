import {
  FieldNode,
  getVariableValues,
  GraphQLError,
  type GraphQLField,
  type GraphQLObjectType,
} from 'graphql';
import { type FieldViolation, InvalidInputError } from '../common/invalid-input.error';
import { assertArgumentsCoerce, coercedArguments } from './argument-values';
import { type GatewayListener, SETTLED } from './listener-plugin';
import { rootFields } from './root-fields';

/**
 * What a root field's check may know beyond its own field: the request's headers, and what the checks of the
 * document's earlier fields left for the later ones (fields are checked in the order they will run).
 */
export interface CheckedDocument {
  header(name: string): string | undefined;
  readonly earlier: Map<string, unknown>;
}

/** A root field's input rules: its arguments, coerced as its resolver will get them, to the violations found. */
export type OperationInputCheck = (
  args: Record<string, unknown>,
  document: CheckedDocument,
) => FieldViolation[];

/** The input rules of root fields (queries and mutations), by field name (a field without rules is not checked). */
export type OperationInputChecks = Readonly<Record<string, OperationInputCheck>>;

/**
 * A mutation document runs whole or not at all when its input is bad: graphql-js runs root mutation fields one after
 * another, so a bad input in the second field would be refused only after the first had changed a budget. Once the
 * operation is known and before anything runs, every root field that will execute (through fragments,
 * `@skip`/`@include` applied) has its arguments coerced with the request's variables, literals and variables alike,
 * and checked with its field's own rules. The first field with bad input refuses the request: HTTP 400,
 * BAD_USER_INPUT with that field's path (its alias) and violations, no `data`, nothing sent upstream. Query fields are
 * checked the same way: a bad id in one would null the whole `data` while the others' reads still went out, and only
 * the whole document shows how many customers its fields read in all.
 */
export function operationInputListener(checks: OperationInputChecks): GatewayListener {
  return {
    didResolveOperation({ operation, document, request, schema }) {
      const rootType =
        operation?.operation === 'mutation'
          ? schema.getMutationType()
          : operation?.operation === 'query'
            ? schema.getQueryType()
            : undefined;
      if (!operation || !rootType) return SETTLED;
      const variables = getVariableValues(
        schema,
        operation.variableDefinitions ?? [],
        request.variables ?? {},
        { hideSuggestions: true },
      );
      // Variables that do not fit their types are refused by execution before any field runs (BAD_USER_INPUT, 400).
      if (variables.errors) return SETTLED;
      assertArgumentsCoerce(schema, operation, document, variables.coerced);
      const checked: CheckedDocument = {
        header: (name) => request.http?.headers.get(name.toLowerCase()),
        earlier: new Map(),
      };
      for (const field of rootFields(operation, document, variables.coerced)) {
        const name = field.name.value;
        const check = Object.hasOwn(checks, name) ? checks[name] : undefined;
        const definition = fieldOf(rootType, name);
        if (!check || !definition) continue;
        const args = coercedArguments(definition, field, variables.coerced, {
          nodes: field,
          path: [responseName(field)],
        });
        const violations = check(args, checked);
        if (violations.length > 0) {
          const invalid = new InvalidInputError(violations);
          throw new GraphQLError(invalid.message, {
            nodes: field,
            path: [responseName(field)],
            originalError: invalid,
            // Formatted like the resolver's own refusal (formatError unwraps the InvalidInputError); 400: nothing ran.
            extensions: { http: { status: 400 } },
          });
        }
      }
      return SETTLED;
    },
  };
}

function fieldOf(type: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> | undefined {
  const fields = type.getFields();
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

function responseName(field: FieldNode): string {
  return field.alias?.value ?? field.name.value;
}
