/**
 * For testing a store of one's own: the store conformance suite (run it under vitest) and the
 * helpers it is written with. See the README, "Your own store".
 */
export {
  describeStoreContract,
  caught,
  expectDomainError,
  newItem,
  newNote,
  newStatus,
  type StoreUnderTest,
  type TestFunctions,
} from "./store/conformance.js";
