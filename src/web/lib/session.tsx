import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import type * as auth from '../../shared/api/auth';
import type { AnswerOf } from '../../shared/api/contract';
import { call, HttpError } from './api';
import { GET_ME } from './auth-ops';

/** The signed-in user, their roles, grants and areas (GET /api/me). */
export type Me = AnswerOf<typeof auth.getMe>;

const SessionContext = createContext<{ me: Me | null; loading: boolean; refresh: () => void }>({
  me: null,
  loading: true,
  refresh: () => {},
});

export function SessionProvider({ children, initialMe }: { children: ReactNode; initialMe?: Me }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['me'],
    // Not logged in is a 401; anything else (a 503 while the database fails over) is retried by the
    // query client rather than taken for a logout.
    queryFn: () =>
      call<typeof auth.getMe>(GET_ME).catch((e) => {
        if (e instanceof HttpError && e.status === 401) return null;
        throw e;
      }),
    staleTime: 60_000,
    initialData: initialMe,
  });
  return (
    <SessionContext.Provider
      value={{
        me: q.data ?? null,
        loading: q.isLoading,
        refresh: () => qc.invalidateQueries({ queryKey: ['me'] }),
      }}
    >
      {children}
    </SessionContext.Provider>
  );
}

export const useSession = () => useContext(SessionContext);
