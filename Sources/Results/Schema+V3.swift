// Schema migration v3 (issue 7): each market run keeps its chain, so that anyone can replay and audit it.

extension Schema {
    /// The chain of every market run: the genesis document its application was built from and every committed
    /// block with the commit certificate that decided it, as canonical bytes (Results/README.md).
    ///
    /// Ordinary rowid tables rather than `WITHOUT ROWID`: rows are blobs of kilobytes (a block holds up to a few
    /// hundred transactions), and SQLite advises rowid tables for rows larger than about 1/20 of a page.
    static let v3 = """
        CREATE TABLE chain_genesis (
            run_id       INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            chain_id     TEXT    NOT NULL,
            max_tx_bytes INTEGER NOT NULL CHECK (max_tx_bytes > 0),
            genesis      BLOB    NOT NULL
        );

        CREATE TABLE chain_block_data (
            run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            height      INTEGER NOT NULL CHECK (height >= 1),
            block       BLOB    NOT NULL,
            certificate BLOB    NOT NULL,
            PRIMARY KEY (run_id, height)
        );
        """
}
