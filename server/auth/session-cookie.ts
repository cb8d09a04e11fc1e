import { parse, serialize } from "cookie";

/** The session cookie's name. */
export const SESSION_COOKIE = "statusthing_session";

/** Reads the session token from a Cookie header, if there is one. */
export function readSessionCookie(cookieHeader: string | null | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  const token = parse(cookieHeader)[SESSION_COOKIE];
  return token && /^[a-z2-7]{16,64}$/.test(token) ? token : undefined;
}

/** A Set-Cookie value for a session: HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS. */
export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return serialize(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", path: "/", secure, expires: expiresAt });
}

/** A Set-Cookie value that deletes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return serialize(SESSION_COOKIE, "", { httpOnly: true, sameSite: "lax", path: "/", secure, maxAge: 0 });
}
