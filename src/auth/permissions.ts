import { SetMetadata } from '@nestjs/common';
import type { Caller } from '../request-context/caller';

/** What an operation needs: reading a budget, or changing one. */
export type Permission = 'read' | 'write';

export const READ = 'UsageBudget.Read';
export const READ_WRITE = 'UsageBudget.ReadWrite';

/** The app roles / delegated scopes that grant each permission (ReadWrite implies Read). */
const GRANTING: Record<Permission, readonly string[]> = {
  read: [READ, READ_WRITE],
  write: [READ_WRITE],
};

/** Granted as an app role (`roles`) or as a delegated scope (`scp`): Entra ID issues either, depending on the flow. */
export function isGranted(caller: Caller, permission: Permission): boolean {
  return GRANTING[permission].some((value) => caller.roles.includes(value) || caller.scopes.includes(value));
}

export const PERMISSION_KEY = 'usage-budget-gateway:permission';
export const PUBLIC_KEY = 'usage-budget-gateway:public';

/** The permission a resolver method or controller handler needs; the global AuthGuard enforces it. */
export const RequirePermission = (permission: Permission) => SetMetadata(PERMISSION_KEY, permission);

/** A route anyone may call, without a token (liveness). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
