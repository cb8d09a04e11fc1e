/**
 * Credentials for test servers. Every test server starts with a known admin password; helpers
 * log in through the real API, create an API token, and remember it by server URL, so that
 * clients made for that URL act as the admin unless a test asks for an anonymous one.
 */

/** The initial admin password every test server is started with (first start only). */
export const TEST_ADMIN_PASSWORD = "test-admin-password-1";

const tokens = new Map<string, string>();

/** The admin API token of the test server at `baseUrl`, if one was registered. */
export function adminTokenFor(baseUrl: string): string | undefined {
  return tokens.get(new URL(baseUrl).origin);
}

/** Logs in as admin, returns the session cookie ("name=value"). */
export async function loginCookie(baseUrl: string, username = "admin", password = TEST_ADMIN_PASSWORD): Promise<string> {
  const res = await fetch(`${baseUrl}/statusthing.v1.AuthService/Login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return setCookie.split(";", 1)[0]!;
}

/** Creates an admin API token through the API and registers it for `baseUrl`. */
export async function registerAdminToken(baseUrl: string, password = TEST_ADMIN_PASSWORD): Promise<string> {
  const cookie = await loginCookie(baseUrl, "admin", password);
  const res = await fetch(`${baseUrl}/statusthing.v1.AuthService/CreateApiToken`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ name: "tests" }),
  });
  if (res.status !== 200) throw new Error(`creating a token failed: ${res.status} ${await res.text()}`);
  const { secret } = (await res.json()) as { secret: string };
  tokens.set(new URL(baseUrl).origin, secret);
  return secret;
}
