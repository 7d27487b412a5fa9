//! SQLite's memory allocator: mimalloc instead of the C library's malloc.
//!
//! sqlx-sqlite copies every column value of every row it reads
//! (`sqlite3_value_dup`) on its worker thread, and the copy is freed on the
//! runtime's thread once the row is decoded. glibc's malloc serves such
//! cross-thread frees with arena locks and chunk consolidation: a profile
//! of W2 (`bench/RESULTS.md`) found it at about 15% of the server's CPU,
//! beside mimalloc serving the Rust side. mimalloc frees a block from any
//! thread without a lock, so SQLite gets the same allocator.
//!
//! The same call turns SQLite's memory statistics off (see [`install`]).
//!
//! SQLite takes an allocator only before it is initialised, that is before
//! the process opens its first connection: [`install`] runs once, from
//! [`crate::db::connect_with`]. Should SQLite already be in use, it keeps
//! its own allocator, which is slower but equally correct.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

use libmimalloc_sys as mi;
use libsqlite3_sys as sqlite;

unsafe extern "C" fn malloc(size: c_int) -> *mut c_void {
    // SQLite never asks for 0 or negative sizes, but a null is its
    // out-of-memory answer anyway.
    match usize::try_from(size) {
        Ok(size) if size > 0 => unsafe { mi::mi_malloc(size) },
        _ => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn free(block: *mut c_void) {
    unsafe { mi::mi_free(block) }
}

unsafe extern "C" fn realloc(block: *mut c_void, size: c_int) -> *mut c_void {
    match usize::try_from(size) {
        Ok(size) if size > 0 => unsafe { mi::mi_realloc(block, size) },
        _ => std::ptr::null_mut(),
    }
}

/// The usable size of a block SQLite allocated: at least what it asked for.
unsafe extern "C" fn size(block: *mut c_void) -> c_int {
    let usable = unsafe { mi::mi_usable_size(block) };
    c_int::try_from(usable).unwrap_or(c_int::MAX)
}

/// What `malloc(size)` would really hand out, so SQLite can use the slack.
unsafe extern "C" fn roundup(size: c_int) -> c_int {
    let Ok(wanted) = usize::try_from(size) else {
        return size;
    };
    let good = unsafe { mi::mi_good_size(wanted) };
    c_int::try_from(good).unwrap_or(size)
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    sqlite::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

/// Hands SQLite mimalloc, once per process; true when SQLite took it.
pub fn install() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let methods = sqlite::sqlite3_mem_methods {
            xMalloc: Some(malloc),
            xFree: Some(free),
            xRealloc: Some(realloc),
            xSize: Some(size),
            xRoundup: Some(roundup),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            pAppData: std::ptr::null_mut(),
        };
        // SQLite copies the methods. It refuses (SQLITE_MISUSE) once it has
        // been initialised; the OnceLock keeps our own connections from
        // opening while this runs.
        let code = unsafe { sqlite::sqlite3_config(sqlite::SQLITE_CONFIG_MALLOC, &methods as *const _) };
        if code != sqlite::SQLITE_OK {
            tracing::debug!(code, "SQLite was already initialised; it keeps its own allocator");
            return false;
        }
        // Without memory statistics SQLite calls the allocator directly.
        // With them (its default) every allocation and free takes one
        // process-wide mutex and asks the block's size: 8-9% of the
        // server's instructions for the partner search (W1) on SQLite,
        // counted with callgrind. hubgraph never reads the statistics.
        let code = unsafe { sqlite::sqlite3_config(sqlite::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) };
        if code != sqlite::SQLITE_OK {
            tracing::debug!(code, "SQLite kept its memory statistics");
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_allocates_through_mimalloc() {
        install();
        // Whether or not this process's SQLite took the allocator (another
        // test may have opened a connection first), the functions SQLite
        // would call must keep its contract.
        unsafe {
            let block = malloc(100);
            assert!(!block.is_null());
            assert!(size(block) >= 100);
            assert!(roundup(100) >= 100);
            let grown = realloc(block, 5000);
            assert!(!grown.is_null());
            assert!(size(grown) >= 5000);
            free(grown);
            assert!(malloc(0).is_null());
            assert!(malloc(-1).is_null());
        }
    }

    #[test]
    fn sqlite_allocates_from_mimalloc_and_still_works() {
        // Every connection of this process opens through `db::connect_with`,
        // which installs the allocator first, so SQLite has taken it.
        assert!(install(), "SQLite was initialised before the allocator was installed");
        unsafe {
            let block = sqlite::sqlite3_malloc(64);
            assert!(!block.is_null());
            assert!(
                mi::mi_is_in_heap_region(block),
                "sqlite3_malloc did not come from mimalloc"
            );
            sqlite::sqlite3_free(block);
            // Memory statistics are off: SQLite keeps no count to report.
            let held = sqlite::sqlite3_malloc(1000);
            assert_eq!(sqlite::sqlite3_memory_used(), 0, "SQLite still counts its memory");
            sqlite::sqlite3_free(held);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use sea_orm::ConnectionTrait;
            let (db, _) = crate::db::connect("sqlite::memory:").await.unwrap();
            db.execute_unprepared("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a'), ('b')")
                .await
                .unwrap();
            let rows = db
                .query_all_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "SELECT v FROM t ORDER BY v",
                ))
                .await
                .unwrap();
            assert_eq!(rows.len(), 2);
        });
    }
}
