import { useQuery } from '@tanstack/react-query';
import { fetchSession, type SessionInfo } from '../session';

export const SESSION_KEY = ['cairn', 'session'] as const;

/** `GET /auth/session`, asked once when the portal starts (and when asked again). */
export function useSession() {
  return useQuery<SessionInfo>({
    queryKey: SESSION_KEY,
    queryFn: ({ signal }) => fetchSession(signal),
    staleTime: Infinity,
    retry: 2,
  });
}
