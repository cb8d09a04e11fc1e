import type { Role } from "../domain.js";
import { lastAdmin } from "../errors.js";
import type { UserPatch } from "./auth-store.js";

/** Whether `patch` would make an admin something else (a demotion the last admin must not undergo). */
export function demotes(patch: UserPatch): boolean {
  return patch.role !== undefined && patch.role !== "admin";
}

/**
 * The store's rule that the last admin stays: demoting or deleting `user` when it is the only
 * admin throws LAST_ADMIN. Stores call it inside the write's transaction, where no other write
 * can change the admins between this check and the write; else two admins demoting each other
 * at once could both pass it.
 */
export function keepAnAdmin(user: { username: string; role?: Role | undefined }, otherAdminExists: boolean, action: "demote" | "delete"): void {
  if ((user.role ?? "admin") === "admin" && !otherAdminExists) throw lastAdmin(user.username, action);
}
