import type { connectNodeAdapter } from "@connectrpc/connect-node";

type NodeHandler = ReturnType<typeof connectNodeAdapter>;
/** A request from `http` or `http2`, as Connect's Node adapter takes it. */
export type NodeRequest = Parameters<NodeHandler>[0];
/** A response of `http` or `http2`, as Connect's Node adapter takes it. */
export type NodeResponse = Parameters<NodeHandler>[1];
