import pg, { type Pool, type PoolClient } from "pg";
import { DomainError } from "../../errors.js";

/** Runs `work` in a transaction on one pooled connection; a connection that failed is not reused. */
export async function transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    }
    await client.query("COMMIT");
    return result;
  } catch (error) {
    if (!(error instanceof DomainError) && !(error instanceof pg.DatabaseError)) broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}
