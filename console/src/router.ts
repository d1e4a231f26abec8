import { useEffect, useState } from 'preact/hooks';

/** The console's pages are paths under /console/ (the server answers index.html for each). */
export const BASE = '/console/';

export function navigate(path: string): void {
  history.pushState(null, '', BASE + path.replace(/^\//, ''));
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The path below /console/ (`runs/abc`), re-rendered on navigation. */
export function useRoute(): string {
  const read = () => decodeURIComponent(location.pathname.slice(BASE.length)).replace(/\/$/, '');
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return route;
}

/** Handles a link's click in the page instead of a full load (ctrl/middle clicks keep theirs). */
export function linkHandler(path: string) {
  return (event: MouseEvent) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    navigate(path);
  };
}
