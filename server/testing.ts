/**
 * The `statusthing/testing` entry: the store conformance suite, for the tests of a store of your
 * own (README, "Your own store"). It runs under vitest, which it imports: an optional peer
 * dependency, needed only by whoever imports this entry.
 */
export {
  describeStoreContract,
  expectDomainError,
  newItem,
  newNote,
  newStatus,
  type StoreUnderTest,
} from "../test/store-contract/store-contract.js";
