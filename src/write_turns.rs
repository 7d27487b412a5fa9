//! SQLite's writers take turns in the process before they take a connection.
//!
//! SQLite lets one connection write at a time. A writer that finds the
//! write lock taken waits in SQLite's busy handler, holding its pooled
//! connection and sleeping in steps of up to 100 ms: with a pool of a few
//! connections a burst of writes could hold all of them while reads
//! waited for the pool, and a waiting writer woke up to 100 ms after the
//! lock came free. The writers of one process therefore queue here, first
//! come first served, and take a connection only on their turn. The lock
//! itself is still SQLite's: a writer in another process (an import from
//! the command line) is waited for by the busy handler as before.
//!
//! PostgreSQL locks rows, not the database: its writers take no turn.

use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, ExecResult,
    QueryResult, Statement,
};
use tokio::sync::OwnedMutexGuard;

/// How long a writer waits for its turn before it is answered
/// `SERVICE_UNAVAILABLE`; SQLite's busy timeout, which bounded the same
/// wait before writers queued here, is as long (`db::SQLITE_BUSY_TIMEOUT`).
pub const TURN_TIMEOUT: Duration = Duration::from_secs(5);

/// One queue per database file, shared by every pool of the process that
/// opens it.
static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> = LazyLock::new(Default::default);

/// A write transaction that holds its turn (on SQLite) until it ends.
///
/// It is used like the `DatabaseTransaction` it wraps; `commit` and
/// `rollback` end it, and dropping it rolls it back, as a transaction does.
pub struct WriteTransaction {
    /// `None` only once `commit` or `rollback` has taken it.
    txn: Option<DatabaseTransaction>,
    turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub async fn commit(mut self) -> Result<(), DbErr> {
        let txn = self.txn.take().expect("a write transaction ends once");
        // The turn goes with `self`, after the commit has returned.
        txn.commit().await?;
        // Outside any watch (the sweeper, the CLI) there is nobody to tell.
        let _ = WATCH.try_with(|watch| watch.0.store(true, Ordering::Release));
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<(), DbErr> {
        let txn = self.txn.take().expect("a write transaction ends once");
        txn.rollback().await
    }
}

tokio::task_local! {
    /// The watch of the work running on this task, if it is watched.
    static WATCH: CommitWatch;
}

/// Tells whether a write transaction committed while some work ran: an
/// operation that committed nothing (refused, empty, or failed before its
/// commit) changed no data, so nothing kept from before it is stale.
///
/// Every write of a request commits through [`WriteTransaction::commit`]
/// on the task that runs the request, so a watch around the request's
/// work sees each commit, whichever resolver, domain or table made it.
#[derive(Debug, Clone, Default)]
pub struct CommitWatch(Arc<AtomicBool>);

impl CommitWatch {
    /// Runs `work`, noting any commit it makes.
    pub async fn watch<F: std::future::Future>(&self, work: F) -> F::Output {
        WATCH.scope(self.clone(), work).await
    }

    /// Runs one synchronous step of some work (one poll of a stream), noting any commit it makes.
    pub fn watch_step<R>(&self, step: impl FnOnce() -> R) -> R {
        WATCH.sync_scope(self.clone(), step)
    }

    /// Whether anything committed since the last call, and forgets it.
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }
}

/// A dropped transaction (an error or a refusal returned early) is rolled
/// back. Dropping a `DatabaseTransaction` only queues its rollback on the
/// connection, so the turn is given up once the rollback has run: the next
/// writer would otherwise find SQLite's lock still taken and wait in the
/// busy handler, holding a connection.
impl Drop for WriteTransaction {
    fn drop(&mut self) {
        let (Some(txn), Some(turn)) = (self.txn.take(), self.turn.take()) else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(error) = txn.rollback().await {
                        tracing::warn!(?error, "rolling back a dropped write failed");
                    }
                    drop(turn);
                });
            }
            // No runtime (the process is ending): the transaction's own drop.
            Err(_) => drop(txn),
        }
    }
}

impl Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        self.txn
            .as_ref()
            .expect("a write transaction is used only until it ends")
    }
}

/// Waits up to `timeout` for this process's turn to write to `db` (no
/// wait on PostgreSQL), then opens the transaction with `begin`.
pub async fn begin_in_turn<F, Fut>(
    db: &DatabaseConnection,
    timeout: Duration,
    begin: F,
) -> Result<WriteTransaction, DbErr>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<DatabaseTransaction, DbErr>>,
{
    let turn = match queue_of(db) {
        Some(queue) => Some(
            tokio::time::timeout(timeout, queue.lock_owned())
                .await
                .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?,
        ),
        None => None,
    };
    let txn = begin().await?;
    Ok(WriteTransaction { txn: Some(txn), turn })
}

fn queue_of(db: &DatabaseConnection) -> Option<Arc<tokio::sync::Mutex<()>>> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return None;
    }
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let mut queues = QUEUES.lock().unwrap_or_else(PoisonError::into_inner);
    Some(queues.entry(file).or_default().clone())
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DatabaseBackend {
        (**self).get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        (**self).execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        (**self).execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        (**self).query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        (**self).query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        (**self).support_returning()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

    use crate::db::{PoolSettings, begin_write, connect_with};

    async fn count(db: &impl ConnectionTrait) -> Result<i64, sea_orm::DbErr> {
        let row = db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "SELECT count(*) FROM t",
            ))
            .await?
            .expect("a count");
        row.try_get_by_index(0)
    }

    async fn two_connections(dir: &tempfile::TempDir) -> DatabaseConnection {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("turns.db").display());
        let settings = PoolSettings {
            size: Some(2),
            acquire_timeout: Duration::from_millis(500),
            ..PoolSettings::default()
        };
        let (db, _) = connect_with(&url, settings).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        db
    }

    /// A second writer waits for its turn without a connection, so a read
    /// still gets the pool's other one; in SQLite's busy handler the second
    /// writer would hold it, and the read would time out waiting for the pool.
    #[tokio::test]
    async fn a_writer_waiting_for_its_turn_holds_no_connection() {
        let dir = tempfile::tempdir().unwrap();
        let db = two_connections(&dir).await;
        let first = begin_write(&db).await.unwrap();
        let second = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = begin_write(&db).await?;
                txn.execute_unprepared("INSERT INTO t VALUES (2)").await?;
                txn.commit().await
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!second.is_finished(), "the second writer waits for the first");
        assert_eq!(count(&db).await.unwrap(), 0, "a read while both writers are open");
        first.execute_unprepared("INSERT INTO t VALUES (1)").await.unwrap();
        first.commit().await.unwrap();
        second.await.unwrap().unwrap();
        assert_eq!(count(&db).await.unwrap(), 2);
    }

    /// A write that is dropped (an error returned early) rolls back and
    /// gives the next writer its turn.
    #[tokio::test]
    async fn a_dropped_write_rolls_back_and_ends_its_turn() {
        let dir = tempfile::tempdir().unwrap();
        let db = two_connections(&dir).await;
        let dropped = begin_write(&db).await.unwrap();
        dropped.execute_unprepared("INSERT INTO t VALUES (1)").await.unwrap();
        drop(dropped);
        let next = tokio::time::timeout(Duration::from_secs(2), begin_write(&db))
            .await
            .expect("the next writer's turn comes")
            .unwrap();
        next.execute_unprepared("INSERT INTO t VALUES (2)").await.unwrap();
        next.commit().await.unwrap();
        assert_eq!(count(&db).await.unwrap(), 1, "the dropped write is gone");
    }

    /// Waiting too long for a turn is the same answer as SQLite's busy
    /// timeout: unavailable (`SERVICE_UNAVAILABLE`), so the client may retry.
    #[tokio::test]
    async fn a_turn_not_given_in_time_is_unavailable() {
        use sea_orm::TransactionTrait;
        let dir = tempfile::tempdir().unwrap();
        let db = two_connections(&dir).await;
        let holder = begin_write(&db).await.unwrap();
        let late = super::begin_in_turn(&db, Duration::from_millis(100), || db.begin()).await;
        let error = late.err().expect("no turn while another writer holds it");
        assert!(crate::db::is_unavailable(&error), "{error:?}");
        holder.rollback().await.unwrap();
    }
}
