// Fixed, documented identities so tests and humans can refer to them (see README.md).

export const SANDBOX_TENANT_ID = '8a1f5c2e-6b7d-4e90-9c3a-5d0b1e2f3a4b';
export const SANDBOX_CLIENT_ID = '2d6c1b8e-4f3a-4c5d-9e7f-0a1b2c3d4e5f';

/** The signed-in user that caller tokens stand for unless told otherwise. */
export const SANDBOX_USER = {
  oid: '0c8e4f2a-9b1d-4e3c-8a5f-6d7e8f9a0b1c',
  name: 'Sandbox User',
  upn: 'sandbox.user@sandbox.onmicrosoft.com',
} as const;

/** The front-end app that caller tokens are issued to (their appid/azp). */
export const SANDBOX_CALLER_APP_ID = '7f3e2d1c-0b9a-4877-a665-544332211000';

export const DEFAULT_CALLER_AUDIENCE = 'api://usage-budget-gateway';
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';
export const APP_ONLY_SCOPE = `${PARTNER_CENTER_RESOURCE}/.default`;
export const DELEGATED_SCOPE = `${PARTNER_CENTER_RESOURCE}/user_impersonation`;
