/** A body that is not JSON at all: a malformed request rather than a wrong value. */
export class MalformedJsonError extends Error {
  constructor(message = 'The request body is not valid JSON.') {
    super(message);
    this.name = 'MalformedJsonError';
  }
}
