import { useQuery } from '@tanstack/react-query';
import { IdentityService, type WhoAmIResponse } from '../gen/cairn/v1/identity_service_pb';
import { client } from '../transport';

export const WHO_AM_I_KEY = ['cairn', 'whoami'] as const;

/** The person signed in, as the gateway maps them (IdentityService.WhoAmI): name, accounts, roles. */
export function useWhoAmI() {
  return useQuery<WhoAmIResponse>({
    queryKey: WHO_AM_I_KEY,
    queryFn: ({ signal }) => client(IdentityService).whoAmI({}, { signal }),
    staleTime: 5 * 60_000,
  });
}

/** Whether the person has the admin role (the API checks it again on every call). */
export function isAdmin(who: Pick<WhoAmIResponse, 'roles'> | undefined): boolean {
  return who?.roles.includes('admin') ?? false;
}
