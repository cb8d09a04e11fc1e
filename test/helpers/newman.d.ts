/**
 * The small part of newman 6's Node API that the Postman collection test uses (newman ships no
 * types, and @types/newman is not installed). See node_modules/newman/README.md, "API Reference".
 */
declare module "newman" {
  interface RunOptions {
    /** A Postman collection (v2.1 JSON) as an object. */
    collection: object;
    /** A Postman environment as an object: `{ values: [{ key, value }] }`. */
    environment?: object;
    reporters?: string | string[];
    timeoutRequest?: number;
    bail?: boolean;
  }

  interface RunFailure {
    error: { name: string; message: string; test?: string };
    source?: { name?: string };
    parent?: { name?: string };
  }

  interface RunExecution {
    item: { name: string };
    response?: { code: number; stream?: Buffer };
    assertions?: Array<{ assertion: string; error?: { message: string } }>;
    requestError?: { message: string };
  }

  interface RunSummary {
    run: {
      stats: { requests: { total: number; failed: number }; assertions: { total: number; failed: number } };
      executions: RunExecution[];
      failures: RunFailure[];
    };
  }

  function run(options: RunOptions, callback: (error: Error | null, summary: RunSummary) => void): unknown;
}
