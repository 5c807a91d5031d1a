import type { PartnerCenterCredential } from '../partner-center.options';

/**
 * What of the app's credential no line may ever carry (log-scrubber.ts): the client secret, or the certificate's
 * private key. A key leaks a line at a time as often as whole (a clipped quote, a PEM in an error), so each line of its
 * PEM body is a secret of its own, and so is the whole body without line breaks (the key's DER in base64).
 */
export function credentialSecrets(credential: PartnerCenterCredential): string[] {
  if (credential.kind === 'secret') return [credential.clientSecret];
  const body = credential.certificate.privateKey
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('-----'));
  return [...body, body.join('')];
}
