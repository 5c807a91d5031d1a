import type { Env } from './config/env';
import type { GatewayConfig } from './gateway-config';
import { exporterCredentials } from './observability/tracing';
import { credentialSecrets } from './partner-center/credentials/credential-secrets';
import type { PartnerCenterOptions } from './partner-center/partner-center.options';
import { sharedStateSecrets } from './shared-state/shared-state.config';

/**
 * The secrets this process holds, each concern naming its own: the app's client secret or private key (the embedded
 * sandbox's in sandbox mode, known only once it started), the password in REDIS_URL, the OTLP exporter's header
 * values. Read once at start-up and handed to the log scrubber, which cuts them from every line in any form.
 */
export function gatewaySecrets(
  config: GatewayConfig,
  partnerCenter: PartnerCenterOptions,
  env: Env = process.env,
): string[] {
  return [
    ...credentialSecrets(partnerCenter.credential),
    ...sharedStateSecrets(config.sharedState),
    ...exporterCredentials(env),
  ];
}
