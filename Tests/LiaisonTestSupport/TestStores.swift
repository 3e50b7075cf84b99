import Foundation
import LiaisonConfiguration
import LiaisonStore

/// Encryption at rest in the test suites (issue 18). With `LIAISON_TEST_SEAL=1` every SQLite store
/// a test opens through `TestStores` is sealed under the key in `$CREDENTIALS_DIRECTORY/store-key`,
/// and every `liaison` child process (which inherits the environment) finds the same key there as
/// the systemd credential `store-key`: the store, daemon and CLI suites run once more with the
/// bodies sealed and nothing else changed. `scripts/test` makes the directory and a random key.
public enum TestSeal {
    /// `LIAISON_TEST_SEAL=1`.
    public static var isOn: Bool { ProcessInfo.processInfo.environment["LIAISON_TEST_SEAL"] == "1" }

    /// The key when sealing is on; nil otherwise. Sealing on without the credential is a setup
    /// error, reported at once.
    public static var key: StoreKey? {
        guard isOn else { return nil }
        let dir = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] ?? ""
        let path = (dir as NSString).appendingPathComponent("store-key")
        do {
            let material = try StoreKeyMaterial.load(path: path, key: "LIAISON_TEST_SEAL", credentialsDirectory: dir)
            return try StoreKey(bytes: material.bytes, source: "LIAISON_TEST_SEAL (\(path))")
        } catch {
            fatalError("LIAISON_TEST_SEAL=1 needs $CREDENTIALS_DIRECTORY/store-key (\(error)): run it through scripts/test, or "
                       + "d=$(mktemp -d); head -c 32 /dev/urandom > $d/store-key; chmod 600 $d/store-key; export CREDENTIALS_DIRECTORY=$d")
        }
    }
}

/// The test store factory: a SQLite store at `path`, sealed under the test key when
/// `LIAISON_TEST_SEAL=1`. Tests that need a clear store on purpose (a legacy schema, the clear
/// half of the at-rest tests) construct `SQLiteStore` themselves.
public enum TestStores {
    public static func sqlite(path: String) throws -> SQLiteStore {
        try SQLiteStore(path: path, key: TestSeal.key)
    }
}
