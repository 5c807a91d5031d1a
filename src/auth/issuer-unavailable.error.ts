/** The token issuer's metadata or keys cannot be read: not the caller's fault, so 503 rather than 401. */
export class IssuerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssuerUnavailableError';
  }
}
