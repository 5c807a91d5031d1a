// The Partner Center sandbox's programmatic API, used by the gateway's e2e tests and by main.ts.
export { startSandbox } from './start';
export { formatSandboxBanner } from './banner';
export * from './defaults';
export { SEEDED_CUSTOMERS, extraCustomerId, extraCustomerAmount } from './partner-center/seed';
export { MFA_POLICY_ID } from './identity/grants/on-behalf-of';
export type * from './types';
export { createClientCertificate, type ClientCertificate } from './client-certificate';
