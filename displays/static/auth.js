// Where pages keep their bearer token.
//
// Device pages (hall, window, kiosk) are set up once with ?token=... in the
// URL: we keep it in localStorage and strip it from the address bar so it does
// not linger on screen or in history.  Staff pages sign in by pasting their
// token; it lives in sessionStorage, gone when the tab closes.

export function deviceToken(kind, branch) {
  const key = `lobbyq:${kind}:${branch}`;
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    localStorage.setItem(key, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + (url.search || '') + url.hash);
  }
  return localStorage.getItem(key);
}

export function forgetDeviceToken(kind, branch) {
  localStorage.removeItem(`lobbyq:${kind}:${branch}`);
}

export const staffSession = {
  key: (kind, branch) => `lobbyq:${kind}:${branch}`,
  load(kind, branch) {
    try { return JSON.parse(sessionStorage.getItem(this.key(kind, branch))); } catch { return null; }
  },
  save(kind, branch, session) {
    sessionStorage.setItem(this.key(kind, branch), JSON.stringify(session));
  },
  clear(kind, branch) {
    sessionStorage.removeItem(this.key(kind, branch));
  },
};

// Branch code from a page path like /screens/{b}/hall or /teller/{b}.
export function pathParts() {
  return location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
}
