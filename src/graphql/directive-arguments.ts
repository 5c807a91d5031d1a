import {
  DocumentNode,
  FragmentDefinitionNode,
  getDirectiveValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';

/**
 * Refuses an operation whose `@skip`/`@include` arguments do not coerce with the request's variables: a variable with
 * a default may stand where `if: Boolean!` is needed (validation allows it), and an explicit null for it shows only
 * with the values. graphql-js finds that only as it collects the fields to run: at the root, thrown out of Apollo's
 * hooks as a 500; deeper, a field error coded INTERNAL_SERVER_ERROR after the root field ran (a mutation applied).
 * Checked here for every selection the operation reaches, before anything runs: BAD_USER_INPUT, 400.
 */
export function assertDirectiveArguments(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Record<string, unknown>,
): void {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const checked = new Set<string>();
  const check = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.directives?.length) {
        try {
          getDirectiveValues(GraphQLSkipDirective, selection, variables);
          getDirectiveValues(GraphQLIncludeDirective, selection, variables);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          throw new GraphQLError(error.message, {
            nodes: error.nodes,
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        }
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !checked.has(fragment.name.value)) {
          checked.add(fragment.name.value);
          check(fragment.selectionSet);
        }
      } else if (selection.selectionSet) check(selection.selectionSet);
    }
  };
  check(operation.selectionSet);
}
