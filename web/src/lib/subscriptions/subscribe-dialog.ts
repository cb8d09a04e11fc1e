/** The props of SubscribeDialog.svelte, named here so its lazy importer can type it without loading it. */
export interface SubscribeDialogProps {
  /** Whether the dialog is open; it sets this false when closed. */
  open?: boolean;
  /** On an item page, that item: offered first, before "the whole page". */
  itemId?: string | undefined;
}

/** What a visitor subscribes to: everything, one item (from its page), or items chosen from a list. */
export type SubscribeScope = "page" | "item" | "chosen";

/** The item_ids a SubscribeRequest carries for a choice: empty means the whole page. */
export function subscribedIds(scope: SubscribeScope, itemId: string | undefined, chosen: readonly string[]): string[] {
  if (scope === "item" && itemId) return [itemId];
  if (scope === "chosen") return [...chosen];
  return [];
}
