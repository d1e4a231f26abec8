import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Scope, Session } from './api';

export const SessionContext = createContext<Session>({ name: '', scopes: [], open: false });

/** Whether the signed-in key has `scope`: what the page shows and allows follows it. */
export const useCan = (scope: Scope): boolean => useContext(SessionContext).scopes.includes(scope);
