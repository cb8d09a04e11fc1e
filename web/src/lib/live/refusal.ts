import { Code } from "@connectrpc/connect";

/** Whether the server refused the page rather than failed: it runs `--private` and nobody is signed in. */
export function isRefusal(code: Code | undefined): boolean {
  return code === Code.Unauthenticated || code === Code.PermissionDenied;
}
