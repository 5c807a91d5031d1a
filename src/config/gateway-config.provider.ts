/** Nest injection token for the validated GatewayConfig (built once in main, or by a test). */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
