import {
  ASTVisitor,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  SelectionSetNode,
  ValidationContext,
} from 'graphql';

export interface OperationLimits {
  /** Deepest selection nesting (the schema is 2 levels deep; anything far deeper is an attack). */
  maxDepth: number;
  /** Aliased fields per operation: each alias is one more Partner Center call. */
  maxAliases: number;
  /** Fields selected in all, fragments expanded: a cost measure that also catches fragment bombs. */
  maxFields: number;
  /** Characters of the whole document. */
  maxLength: number;
  /**
   * Fields selected under `__schema`/`__type`, fragments expanded, counted apart from `maxFields` and free of
   * `maxDepth`: the introspection query tools send (graphql-js's getIntrospectionQuery) nests `ofType` 8 levels deep
   * and selects ~180 fields. It is answered from the schema in memory, never from Partner Center, only outside
   * production, and its fan-out is bounded by graphql-js's MaxIntrospectionDepthRule (a specified rule); this bound
   * still ends the expansion of a fragment bomb. Aliases count towards `maxAliases` wherever they are.
   */
  maxIntrospectionFields: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxDepth: 6,
  maxAliases: 10,
  maxFields: 100,
  maxLength: 8_000,
  maxIntrospectionFields: 400,
};

/** The fields whose selections are introspection (see `maxIntrospectionFields`); the fields themselves count as any. */
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

interface Totals {
  fields: number;
  introspectionFields: number;
  aliases: number;
  depth: number;
}

/**
 * One validation rule for the cost of an operation, checked before anything executes (so before any upstream call).
 * Fragments are expanded with a guard against cycles and against re-expansion blow-up.
 */
export function operationLimitsRule(limits: OperationLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const document = context.getDocument();
    const length = document.loc?.source.body.length ?? 0;
    if (length > limits.maxLength) {
      context.reportError(
        limitError(`the document is ${length} characters long; at most ${limits.maxLength} are allowed`),
      );
      return {};
    }
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const totals: Totals = { fields: 0, introspectionFields: 0, aliases: 0, depth: 0 };
        measure(operation.selectionSet, 1, new Set(), totals, fragments, limits, false);
        if (totals.depth > limits.maxDepth)
          context.reportError(
            limitError(
              `the operation is ${totals.depth} levels deep; at most ${limits.maxDepth} are allowed`,
            ),
          );
        if (totals.aliases > limits.maxAliases)
          context.reportError(
            limitError(
              `the operation uses ${totals.aliases} aliases; at most ${limits.maxAliases} are allowed`,
            ),
          );
        if (totals.fields > limits.maxFields)
          context.reportError(limitError(`the operation selects more than ${limits.maxFields} fields`));
        if (totals.introspectionFields > limits.maxIntrospectionFields)
          context.reportError(
            limitError(`the introspection selects more than ${limits.maxIntrospectionFields} fields`),
          );
      },
    };
  };
}

function measure(
  selectionSet: SelectionSetNode,
  depth: number,
  visiting: Set<string>,
  totals: Totals,
  fragments: Map<string, FragmentDefinitionNode>,
  limits: OperationLimits,
  introspection: boolean,
): void {
  // Stop counting once a limit is passed: the answer is already "too big", and a fragment bomb must not run long.
  if (
    totals.fields > limits.maxFields ||
    totals.introspectionFields > limits.maxIntrospectionFields ||
    depth > limits.maxDepth + 1
  )
    return;
  if (!introspection) totals.depth = Math.max(totals.depth, depth);
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      countField(selection, totals, introspection);
      if (selection.selectionSet) {
        const within = introspection || INTROSPECTION_FIELDS.has(selection.name.value);
        measure(
          selection.selectionSet,
          within ? depth : depth + 1,
          visiting,
          totals,
          fragments,
          limits,
          within,
        );
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      measure(selection.selectionSet, depth, visiting, totals, fragments, limits, introspection);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) continue; // cycles are reported by graphql's own NoFragmentCycles rule
      visiting.add(name);
      measure(fragment.selectionSet, depth, visiting, totals, fragments, limits, introspection);
      visiting.delete(name);
    }
  }
}

function countField(field: FieldNode, totals: Totals, introspection: boolean): void {
  if (introspection) totals.introspectionFields += 1;
  else totals.fields += 1;
  if (field.alias && field.alias.value !== field.name.value) totals.aliases += 1;
}

function limitError(message: string): GraphQLError {
  // Apollo answers every validation error with extensions.code GRAPHQL_VALIDATION_FAILED, the code clients know.
  return new GraphQLError(`Operation rejected: ${message}.`);
}
