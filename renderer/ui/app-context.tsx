import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { AppStore } from '../state/app-store';

export const AppStoreContext = createContext<AppStore | null>(null);

type State = ReturnType<AppStore['getState']>;

export function useApp<T>(select: (s: State) => T): T {
  const store = useContext(AppStoreContext);
  if (!store) throw new Error('AppStoreContext missing');
  return useStore(store, select);
}
