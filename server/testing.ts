/**
 * The `statusthing/testing` entry: the store conformance suite, for the tests of a store of your
 * own (README, "Your own store"). The suite takes your test runner's `describe`, `it` and
 * `expect` (vitest's, say), so it imports no test framework itself.
 */
export { caught, describeStoreContract, expectDomainError, newItem, newNote, newStatus, type StoreUnderTest, type TestFunctions } from "./store/conformance.js";
