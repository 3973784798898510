//! SQLite store: the only module that writes SQL.
//!
//! A store is one SQLite file inside a release directory, stamped with an `application_id` and
//! `user_version` so a server never opens a file from another format version. [`write`] holds
//! the import-side statements (bulk upserts with RF2 "latest row wins", derived tables), [`read`]
//! the queries the operations need. May use: `model`, `rusqlite`. Never uses `ops` or `http`.

pub mod read;
pub mod stage;
pub mod write;

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// `CONC` as a big-endian integer: marks the file as a Concord store.
pub const APPLICATION_ID: i32 = 0x434F_4E43;
/// Bumped whenever `schema.sql` changes shape.
pub const FORMAT_VERSION: i32 = 5;

/// Store errors; no HTTP words here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The file is not a store of this format version.
    #[error(
        "{path} is not a Concord store of format version {FORMAT_VERSION} ({found}); re-import the data with `concord import`"
    )]
    Format {
        /// The file.
        path: String,
        /// What was found instead.
        found: String,
    },
    /// Stored JSON could not be read back.
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An open store.
pub struct Store {
    pub(crate) conn: Connection,
}

impl Store {
    /// Creates a new, empty store (the file must not exist).
    pub fn create(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        conn.execute_batch(include_str!("schema.sql"))?;
        conn.execute_batch(include_str!("indexes.sql"))?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        conn.pragma_update(None, "user_version", FORMAT_VERSION)?;
        let store = Store { conn };
        store.tune_for_import()?;
        Ok(store)
    }

    /// Opens an existing store for writing (import into a copy of the current release).
    pub fn open_for_import(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        check_stamp(&conn, path)?;
        let store = Store { conn };
        store.tune_for_import()?;
        Ok(store)
    }

    /// Opens a published store read-only, as the server does (one connection per worker).
    /// A published release never changes, so it is opened `immutable`: no file locks and no
    /// change checks, two system calls fewer per query.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let conn = Connection::open_with_flags(
            format!("file:{}?immutable=1", uri_path(path)),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        check_stamp(&conn, path)?;
        // A modest page cache per connection and no mmap: the OS page cache holds the hot
        // file pages without counting them in the server's RSS (mmap of a 1.7 GB
        // International-scale store put the RSS at 3 GB).
        conn.pragma_update(None, "cache_size", -16384)?;
        conn.pragma_update(None, "mmap_size", 0)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store { conn })
    }

    /// The import writes into a private temporary copy that is published by rename only when
    /// complete, so durability comes from the rename, not from SQLite's journal.
    fn tune_for_import(&self) -> Result<()> {
        self.conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = FILE;",
        )?;
        Ok(())
    }
}

/// Percent-encodes the characters SQLite URIs treat specially.
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for ch in abs.to_string_lossy().chars() {
        match ch {
            '%' | '?' | '#' | ' ' => out.push_str(&format!("%{:02X}", ch as u32)),
            c => out.push(c),
        }
    }
    out
}

fn check_stamp(conn: &Connection, path: &Path) -> Result<()> {
    let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let ver: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if app != APPLICATION_ID || ver != FORMAT_VERSION {
        return Err(Error::Format {
            path: path.display().to_string(),
            found: format!("application_id {app:#x}, user_version {ver}"),
        });
    }
    Ok(())
}
