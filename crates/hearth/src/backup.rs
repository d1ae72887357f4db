//! Backups, restores and exports from the command line, and the daily backups of `serve`.
//!
//! On SQLite a backup is a copy of the database file taken with `VACUUM INTO` on a
//! connection of its own: one consistent snapshot while the server goes on reading and
//! writing (WAL), compacted, and checked with `PRAGMA integrity_check` before it is given
//! its name. PostgreSQL has no file to copy, so its backup is the export archive
//! (`hearth_core::archive`), which also restores into SQLite; `pg_dump` stays the
//! PostgreSQL-native way (docs/OPERATIONS.md).

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use hearth_core::audit::{self, Action, Entry};
use hearth_core::record::EntityKind;
use hearth_core::{Actor, Store, archive};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The file behind a `sqlite:` URL (None for PostgreSQL).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn sqlite_url(path: &Path, mode: &str) -> String {
    format!("sqlite://{}?mode={mode}", path.display())
}

/// `file.partial` beside `file`: written there, then renamed, so a file with the final
/// name is always whole.
fn partial(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    out.with_file_name(name)
}

fn fail(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

/// `PRAGMA integrity_check` of a SQLite file, opened read-only.
async fn check_sqlite(path: &Path) -> Result<(), String> {
    let conn = Database::connect(sqlite_url(path, "ro")).await.map_err(|e| fail("cannot open the copy", e))?;
    let row = conn
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check"))
        .await
        .map_err(|e| fail("cannot check the copy", e))?;
    let verdict: String =
        row.map(|r| r.try_get_by_index(0)).transpose().map_err(|e| e.to_string())?.unwrap_or_default();
    let _ = conn.close().await;
    if verdict == "ok" { Ok(()) } else { Err(format!("the copy fails its integrity check: {verdict}")) }
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
}

/// Writes a consistent backup of the running database to `out` (which must not exist yet)
/// and audits it. Returns a line saying what was written.
pub async fn backup(store: &Store, url: &str, out: &Path, actor: &Actor) -> Result<String, String> {
    if out.exists() {
        return Err(format!("{} already exists: give a new file name", out.display()));
    }
    let tmp = partial(out);
    let _ = std::fs::remove_file(&tmp);
    let what = match sqlite_path(url) {
        Some(_) => {
            // Its own connection: the pool's readers refuse writes (VACUUM INTO writes the
            // copy) and the pool's one writer is the application's.
            let conn = Database::connect(url).await.map_err(|e| fail("cannot open the database", e))?;
            let target = tmp.display().to_string().replace('\'', "''");
            let done = conn.execute_unprepared(&format!("VACUUM INTO '{target}'")).await;
            let _ = conn.close().await;
            done.map_err(|e| fail("backup failed", e))?;
            if let Err(e) = check_sqlite(&tmp).await {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            "SQLite copy".to_owned()
        }
        None => {
            let m = write_archive(store, &tmp, None).await?;
            format!("archive of {} tables", m.tables.len())
        }
    };
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| fail("cannot sync the backup", e))?;
    std::fs::rename(&tmp, out).map_err(|e| fail("cannot name the backup", e))?;
    sync_dir(out);
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    audit::record(
        store,
        actor,
        Entry::new(Action::Export, EntityKind::Archive, None).summary(format!("backup: {what}")),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(format!("backup written to {} ({what}, {size} bytes)", out.display()))
}

async fn write_archive(store: &Store, path: &Path, passphrase: Option<&str>) -> Result<archive::Manifest, String> {
    let file = std::fs::File::create(path).map_err(|e| fail(&format!("cannot create {}", path.display()), e))?;
    let progress = |table: &str, rows: u64| tracing::debug!(table, rows, "exported");
    let result = archive::write(store, BufWriter::new(file), passphrase, &progress).await;
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result.map_err(|e| fail("export failed", e))
}

/// `hearth export`: the whole deployment, or one community (`--community`), as an
/// archive, audited.
pub async fn export(
    store: &Store,
    out: &Path,
    passphrase: Option<&str>,
    community: Option<&str>,
    actor: &Actor,
) -> Result<String, String> {
    if out.exists() {
        return Err(format!("{} already exists: give a new file name", out.display()));
    }
    let community = match community {
        Some(slug) => Some(
            hearth_core::registry::communities::by_slug(store, actor, slug)
                .await
                .map_err(|_| format!("no community {slug:?}"))?,
        ),
        None => None,
    };
    let tmp = partial(out);
    let file = std::fs::File::create(&tmp).map_err(|e| fail(&format!("cannot create {}", tmp.display()), e))?;
    let m = match archive::export(store, actor, BufWriter::new(file), passphrase, community.as_ref()).await {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail("export failed", e));
        }
    };
    std::fs::rename(&tmp, out).map_err(|e| fail("cannot name the export", e))?;
    let rows: u64 = m.tables.iter().map(|t| t.rows).sum();
    let how = if passphrase.is_some() { "encrypted" } else { "not encrypted" };
    let of = community.as_ref().map_or_else(|| "the deployment".to_owned(), |c| format!("community {}", c.slug));
    Ok(format!("exported {of}: {} tables, {rows} rows, to {} ({how})", m.tables.len(), out.display()))
}

/// The passphrase from a file (its first line) or `HEARTH_EXPORT_PASSPHRASE`.
pub fn passphrase(file: Option<&Path>) -> Result<Option<String>, String> {
    let p = match file {
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| fail(&format!("cannot read {}", f.display()), e))?;
            Some(text.lines().next().unwrap_or_default().to_owned())
        }
        None => std::env::var("HEARTH_EXPORT_PASSPHRASE").ok(),
    };
    match p {
        Some(p) if p.chars().count() < archive::MIN_PASSPHRASE => {
            Err(format!("the passphrase must be at least {} characters", archive::MIN_PASSPHRASE))
        }
        other => Ok(other),
    }
}

/// What a file to restore is.
enum Backup {
    Sqlite,
    Archive,
}

fn kind_of(file: &Path) -> Result<Backup, String> {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| fail(&format!("cannot read {}", file.display()), e))?;
    let head = head.get(..n).unwrap_or_default();
    if head.starts_with(SQLITE_MAGIC) {
        Ok(Backup::Sqlite)
    } else if head.starts_with(ZIP_MAGIC) {
        Ok(Backup::Archive)
    } else {
        Err(format!("{} is neither a hearth backup (SQLite) nor a hearth archive (ZIP)", file.display()))
    }
}

/// `hearth restore FILE`: into a new, empty database only — never over records. A SQLite
/// backup restoring to SQLite is copied into place (then migrated, so an older release's
/// backup opens); anything else goes through the archive, which loads into either backend.
/// `open` opens (and migrates) the target database.
pub async fn restore<F, Fut>(url: &str, file: &Path, passphrase: Option<&str>, open: F) -> Result<String, String>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Store, String>>,
{
    let kind = kind_of(file)?;
    let (store, what) = match (kind, sqlite_path(url)) {
        (Backup::Sqlite, Some(target)) if std::fs::metadata(&target).map(|m| m.len() == 0).unwrap_or(true) => {
            check_sqlite(file).await?;
            for suffix in ["-wal", "-shm"] {
                let mut stale = target.as_os_str().to_owned();
                stale.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(stale));
            }
            let tmp = partial(&target);
            std::fs::copy(file, &tmp).map_err(|e| fail("cannot copy the backup", e))?;
            std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| fail("cannot sync the copy", e))?;
            std::fs::rename(&tmp, &target).map_err(|e| fail("cannot put the copy in place", e))?;
            sync_dir(&target);
            (open().await?, "SQLite backup copied".to_owned())
        }
        (Backup::Sqlite, _) => {
            // Into PostgreSQL, or into a database that exists already (which the archive's
            // load refuses unless it is new and empty): the backup is opened (a copy of it,
            // migrated to this release) and moved across as an archive.
            let work = std::env::temp_dir().join(format!("hearth-restore-{}", std::process::id()));
            std::fs::create_dir_all(&work).map_err(|e| fail("cannot make a work directory", e))?;
            let result = async {
                let copy = work.join("source.db");
                std::fs::copy(file, &copy).map_err(|e| fail("cannot copy the backup", e))?;
                let source =
                    Store::connect(&sqlite_url(&copy, "rw")).await.map_err(|e| fail("cannot open the backup", e))?;
                source.migrate().await.map_err(|e| fail("cannot upgrade the backup", e))?;
                let zip = work.join("archive.zip");
                write_archive(&source, &zip, None).await?;
                let store = open().await?;
                load(&store, &zip, None).await?;
                Ok::<_, String>((store, "SQLite backup moved through an archive".to_owned()))
            }
            .await;
            let _ = std::fs::remove_dir_all(&work);
            result?
        }
        (Backup::Archive, _) => {
            let store = open().await?;
            let m = load(&store, file, passphrase).await?;
            (store, format!("archive of {} from {}", m.created_at, m.source))
        }
    };
    let sums = archive::checksums(&store).await.map_err(|e| e.to_string())?;
    let rows: u64 = sums.iter().map(|s| s.rows).sum();
    audit::record(
        &store,
        &Actor::system(),
        Entry::new(Action::Restore, EntityKind::Archive, None)
            .summary(format!("{what}: {} tables, {rows} rows", sums.len())),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(format!("restored {} tables, {rows} rows ({what})", sums.len()))
}

async fn load(store: &Store, file: &Path, passphrase: Option<&str>) -> Result<archive::Manifest, String> {
    let f = std::fs::File::open(file).map_err(|e| fail(&format!("cannot open {}", file.display()), e))?;
    let progress = |table: &str, rows: u64| tracing::debug!(table, rows, "restored");
    archive::load(store, BufReader::new(f), passphrase, &progress).await.map_err(|e| fail("restore failed", e))
}

/// Backups this process made, newest first: `hearth-YYYYMMDD-HHMMSS.{db,zip}`.
fn scheduled_backups(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    name.starts_with("hearth-") && (name.ends_with(".db") || name.ends_with(".zip"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.reverse();
    files
}

/// One scheduled backup into `dir`, then the oldest beyond `keep` removed (only after the
/// new one is whole, so a failing backup never costs an old one).
pub async fn scheduled(store: &Store, url: &str, dir: &Path, keep: usize) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| fail(&format!("cannot create {}", dir.display()), e))?;
    let ext = if sqlite_path(url).is_some() { "db" } else { "zip" };
    let out = dir.join(format!("hearth-{}.{ext}", chrono::Utc::now().format("%Y%m%d-%H%M%S")));
    let line = backup(store, url, &out, &Actor::system()).await?;
    for old in scheduled_backups(dir).into_iter().skip(keep.max(1)) {
        if let Err(e) = std::fs::remove_file(&old) {
            tracing::warn!(error = %e, path = %old.display(), "cannot remove an old backup");
        }
    }
    Ok(line)
}

/// `serve --backup-dir`: a backup at start and every 24 hours. A failure is logged and
/// tried again the next day; serving goes on.
pub async fn daily(store: Store, url: String, dir: PathBuf, keep: usize) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        every.tick().await;
        match scheduled(&store, &url, &dir, keep).await {
            Ok(line) => tracing::info!(target: "hearth::backup", "{line}"),
            Err(e) => tracing::error!(target: "hearth::backup", error = %e, "scheduled backup failed"),
        }
    }
}

/// `hearth checksums`: every table's rows and checksum, one line each.
pub async fn checksums(store: &Store, out: &mut impl Write) -> Result<(), String> {
    for s in archive::checksums(store).await.map_err(|e| e.to_string())? {
        writeln!(out, "{}\t{}\t{}", s.name, s.rows, s.sha256).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_from_urls() {
        assert_eq!(sqlite_path("sqlite://data/hearth.db?mode=rwc"), Some(PathBuf::from("data/hearth.db")));
        assert_eq!(sqlite_path("sqlite:/tmp/x.db"), Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
        assert_eq!(partial(Path::new("/b/hearth-1.db")), PathBuf::from("/b/hearth-1.db.partial"));
    }
}
