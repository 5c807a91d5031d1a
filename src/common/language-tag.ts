/**
 * A language tag as Partner Center's X-Locale takes it (`en-US`, `fr-FR`, `zh-Hans-CN`): the shape both the
 * configured locale (PARTNER_CENTER_LOCALE) and a caller's own X-Locale must have to be sent.
 */
export const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
