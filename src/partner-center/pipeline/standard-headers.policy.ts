import { PipelinePolicy } from './pipeline';

export interface StandardHeaders {
  applicationName: string;
  locale: string;
}

/**
 * The headers Partner Center documents for every call. MS-Contract-Version is documented as required
 * (the Java SDK sends it, the .NET SDK does not); sending it costs nothing. X-Locale is the caller's when it sent a
 * well-formed one (request-context.ts), otherwise the configured one.
 */
export function standardHeadersPolicy({ applicationName, locale }: StandardHeaders): PipelinePolicy {
  return {
    name: 'standardHeaders',
    sendRequest(request, next) {
      request.headers['Accept'] = 'application/json';
      request.headers['MS-Contract-Version'] = 'v1';
      request.headers['MS-PartnerCenter-Application'] = applicationName;
      request.headers['X-Locale'] = request.context?.locale ?? locale;
      if (request.body !== undefined) request.headers['Content-Type'] = 'application/json';
      return next(request);
    },
  };
}
