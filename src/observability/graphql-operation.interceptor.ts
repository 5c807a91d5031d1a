import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { Observable } from 'rxjs';
import { currentRequestContext } from '../request-context/request-context';

/**
 * Names the request's operation for logs, metrics and the server span: the GraphQL operation type and its
 * top-level fields (`query customerUsageBudget`), stable across clients; the client's operation name is kept apart.
 */
@Injectable()
export class GraphqlOperationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() === 'graphql') {
      const info = GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>();
      const requestContext = currentRequestContext();
      if (info && requestContext && info.path.prev === undefined) {
        const field = `${info.operation.operation} ${info.fieldName}`;
        const current = requestContext.operation;
        if (!current) requestContext.operation = field;
        else if (!current.split(', ').includes(field)) requestContext.operation = `${current}, ${field}`;
        requestContext.graphqlOperationName ??= info.operation.name?.value;
      }
    }
    return next.handle();
  }
}
