import { ConfidentialClientApplication, LogLevel, NodeAuthOptions } from '@azure/msal-node';
import type { ConnectionPool } from '../../common/http/connection-pool';
import { PartnerCenterOptions } from '../partner-center.options';
import type { EntraIdWaits } from './entra-id-waits';
import { createMsalNetworkClient } from './msal-network-client';

const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.microsoftonline.de',
]);

/**
 * MSAL warnings that say nothing is wrong: a client-credentials token comes without client_info (that is for user
 * tokens), so every app-only token request would log one.
 */
const BENIGN_WARNINGS = /No client info in response/i;

export interface MsalLog {
  warn(message: string): void;
  debug(message: string): void;
}

/**
 * Builds the MSAL application for the partner's app registration. An authority host MSAL does not know (the
 * sandbox, an emulator) must be listed with its port in `knownAuthorities`, or MSAL refuses it.
 */
export function createMsalApplication(
  options: PartnerCenterOptions,
  pool: ConnectionPool,
  log: MsalLog,
  waits?: EntraIdWaits,
): ConfidentialClientApplication {
  const authorityHost = new URL(options.authorityHost);
  const auth: NodeAuthOptions = {
    clientId: options.clientId,
    authority: `${options.authorityHost}/${options.tenantId}`,
    knownAuthorities: MICROSOFT_AUTHORITY_HOSTS.has(authorityHost.hostname) ? [] : [authorityHost.host],
  };
  if (options.credential.kind === 'secret') {
    auth.clientSecret = options.credential.clientSecret;
  } else {
    auth.clientCertificate = options.credential.certificate;
  }
  return new ConfidentialClientApplication({
    auth,
    system: {
      networkClient: createMsalNetworkClient(pool, options.retry.attemptTimeoutMs, waits),
      loggerOptions: {
        // MSAL's messages carry no secrets with PII logging off; keep them for diagnosing token trouble.
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message) =>
          level <= LogLevel.Warning && !BENIGN_WARNINGS.test(message)
            ? log.warn(message)
            : log.debug(message),
      },
    },
  });
}
