/**
 * Where Partner Center and its token authority live in each cloud that serves the usage-budget operations.
 * 21Vianet and Microsoft Cloud Germany are not listed for these operations (see the upstream contract).
 */
export type PartnerCenterCloud = 'public' | 'usgov';

export const PARTNER_CENTER_CLOUDS: Record<PartnerCenterCloud, { baseUrl: string; authorityHost: string }> = {
  public: {
    baseUrl: 'https://api.partnercenter.microsoft.com',
    authorityHost: 'https://login.microsoftonline.com',
  },
  usgov: {
    baseUrl: 'https://api.partnercenter.microsoft.com',
    authorityHost: 'https://login.microsoftonline.us',
  },
};

/** The resource Partner Center tokens are issued for; scopes are derived from it. */
export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';
