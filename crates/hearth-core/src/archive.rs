//! The whole database as one portable file: a ZIP of one CSV per table and a JSON manifest
//! (format, schema version, and each table's row count and SHA-256), optionally encrypted
//! with a passphrase (AES-256, the WinZip scheme 7-Zip opens, on every entry including the
//! manifest, so no record is readable without it).
//!
//! The same archive is the export a team takes away, the backup of a PostgreSQL deployment
//! (which has no file to copy), and the way between SQLite and PostgreSQL: the tables are
//! read from the database's own catalogue, not from a list kept here, so a practice's new
//! table is in every archive without anyone remembering to add it.
//!
//! Values are written in one canonical text form per kind (below), whichever database they
//! came from, so an archive of the same data is the same bytes from SQLite and PostgreSQL
//! and `checksums` can compare two databases table by table.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, Write};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, DbBackend, IsolationLevel, QueryResult, Statement,
    TransactionTrait, Value,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CoreError, CoreResult};
use crate::store::Store;

pub const FORMAT: &str = "hearth-archive";
pub const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
/// The migrations' own bookkeeping: the target database has it from its own migration run.
const MIGRATIONS_TABLE: &str = "seaql_migrations";
/// Rows per page when reading a table, and at most per INSERT when loading one.
const PAGE: u64 = 2_000;
/// Bound parameters per INSERT: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;
/// Tables whose rows are records someone made: a database with any is not a new one.
const RECORD_TABLES: &[&str] = &["communities", "users", "audit_log"];
/// How NULL is written; text that begins with a backslash gets one more in front.
const NULL: &str = "\\N";

/// How a column's values are read, written and spelled in the archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// PostgreSQL `integer` (SQLite integers are all 64-bit and read as `I64`).
    I32,
    I64,
    Bool,
    Date,
    /// UTC instants, written as RFC 3339 with microseconds (PostgreSQL's precision, so a
    /// value that went through PostgreSQL is spelled as before).
    Timestamp,
    Float,
    Text,
    /// Written as lower-case hex.
    Bytes,
}

impl Kind {
    fn of(backend: DbBackend, declared: &str) -> Kind {
        let t = declared.to_ascii_lowercase();
        if t.contains("timestamp") || t.contains("datetime") {
            Kind::Timestamp
        } else if t.starts_with("date") {
            Kind::Date
        } else if t.contains("bool") {
            Kind::Bool
        } else if t.contains("int") {
            if backend == DbBackend::Postgres && (t == "integer" || t == "smallint") { Kind::I32 } else { Kind::I64 }
        } else if t.contains("double") || t.contains("real") || t.contains("float") || t.contains("numeric") {
            Kind::Float
        } else if t.contains("blob") || t.contains("bytea") || t.contains("binary") {
            Kind::Bytes
        } else {
            Kind::Text
        }
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// A table as the database's catalogue describes it.
#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Tables this one's foreign keys point at (itself excluded).
    pub parents: BTreeSet<String>,
    /// Each single-column foreign key: (column, parent table, parent column).
    pub foreign: Vec<(String, String, String)>,
}

impl Table {
    /// The single integer key that lets a table be read in pages, if it has one.
    fn integer_key(&self) -> Option<&str> {
        match self.primary_key.as_slice() {
            [k] if self.columns.iter().any(|c| &c.name == k && matches!(c.kind, Kind::I32 | Kind::I64)) => Some(k),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableEntry {
    pub name: String,
    pub file: String,
    pub rows: u64,
    pub sha256: String,
    pub columns: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The newest migration of the database written from; an archive loads only into a
    /// database at the same one.
    pub schema_version: String,
    pub created_at: String,
    /// `sqlite` or `postgres`.
    pub source: String,
    pub hearth_version: String,
    pub encrypted: bool,
    /// The community (slug) the archive holds, when it holds one community and not the
    /// whole deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    pub tables: Vec<TableEntry>,
}

/// One table's fingerprint: its rows in key order, spelled canonically, hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableSum {
    pub name: String,
    pub rows: u64,
    pub sha256: String,
}

fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn bad(msg: impl Into<String>) -> CoreError {
    CoreError::Internal(msg.into())
}

/// Every table but the migrations', parents before children (so a load never breaks a
/// foreign key), ties by name.
pub async fn catalog<C: ConnectionTrait>(conn: &C) -> CoreResult<Vec<Table>> {
    let backend = conn.get_database_backend();
    let names: Vec<String> = match backend {
        DbBackend::Postgres => conn
            .query_all_raw(stmt(
                backend,
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
                vec![],
            ))
            .await?
            .iter()
            .map(|r| r.try_get_by_index::<String>(0))
            .collect::<Result<_, _>>()?,
        _ => conn
            .query_all_raw(stmt(
                backend,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
                vec![],
            ))
            .await?
            .iter()
            .map(|r| r.try_get_by_index::<String>(0))
            .collect::<Result<_, _>>()?,
    };
    let mut tables = Vec::new();
    for name in names.into_iter().filter(|n| n != MIGRATIONS_TABLE) {
        let (columns, primary_key, parents) = match backend {
            DbBackend::Postgres => {
                let cols = conn
                    .query_all_raw(stmt(
                        backend,
                        "SELECT column_name::text, data_type::text FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                        vec![name.clone().into()],
                    ))
                    .await?;
                let pk = conn
                    .query_all_raw(stmt(
                        backend,
                        "SELECT a.attname::text FROM pg_index i \
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                         WHERE i.indrelid = $1::text::regclass AND i.indisprimary ORDER BY a.attnum",
                        vec![q(&name).into()],
                    ))
                    .await?;
                let fks = conn
                    .query_all_raw(stmt(
                        backend,
                        "SELECT c.relname::text, a.attname::text, af.attname::text FROM pg_constraint k \
                         JOIN pg_class c ON c.oid = k.confrelid \
                         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
                         JOIN pg_attribute af ON af.attrelid = k.confrelid AND af.attnum = k.confkey[1] \
                         WHERE k.conrelid = $1::text::regclass AND k.contype = 'f' ORDER BY k.conname",
                        vec![q(&name).into()],
                    ))
                    .await?;
                (cols, pk, fks)
            }
            _ => {
                let cols = conn
                    .query_all_raw(stmt(
                        backend,
                        "SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
                        vec![name.clone().into()],
                    ))
                    .await?;
                let pk = conn
                    .query_all_raw(stmt(
                        backend,
                        "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
                        vec![name.clone().into()],
                    ))
                    .await?;
                let fks = conn
                    .query_all_raw(stmt(
                        backend,
                        "SELECT \"table\", \"from\", COALESCE(\"to\", 'id') FROM pragma_foreign_key_list(?) ORDER BY id",
                        vec![name.clone().into()],
                    ))
                    .await?;
                (cols, pk, fks)
            }
        };
        let columns = columns
            .iter()
            .map(|r| {
                let declared: String = r.try_get_by_index(1)?;
                Ok(Column { name: r.try_get_by_index(0)?, kind: Kind::of(backend, &declared) })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        let primary_key = primary_key.iter().map(|r| r.try_get_by_index::<String>(0)).collect::<Result<_, _>>()?;
        let foreign = parents
            .iter()
            .map(|r| Ok((r.try_get_by_index::<String>(1)?, r.try_get_by_index::<String>(0)?, r.try_get_by_index(2)?)))
            .collect::<Result<Vec<(String, String, String)>, sea_orm::DbErr>>()?;
        let parents = foreign.iter().map(|(_, p, _)| p.clone()).filter(|p| p != &name).collect();
        tables.push(Table { name, columns, primary_key, parents, foreign });
    }
    Ok(ordered(tables))
}

/// Parents first (Kahn's algorithm, by name among equals). A cycle, which hearth's schema
/// does not have, would leave its tables at the end in name order.
fn ordered(mut rest: Vec<Table>) -> Vec<Table> {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(rest.len());
    loop {
        let names: BTreeSet<String> = rest.iter().map(|t| t.name.clone()).collect();
        let (ready, waiting): (Vec<Table>, Vec<Table>) =
            rest.into_iter().partition(|t| t.parents.iter().all(|p| done.contains(p) || !names.contains(p)));
        if ready.is_empty() {
            out.extend(waiting);
            return out;
        }
        let mut ready = ready;
        ready.sort_by(|a, b| a.name.cmp(&b.name));
        for t in &ready {
            done.insert(t.name.clone());
        }
        out.extend(ready);
        rest = waiting;
        if rest.is_empty() {
            return out;
        }
    }
}

/// The newest migration applied: what "the same schema" means between two databases.
pub async fn schema_version<C: ConnectionTrait>(conn: &C) -> CoreResult<String> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(stmt(backend, "SELECT MAX(version) FROM seaql_migrations", vec![]))
        .await?
        .ok_or_else(|| bad("the database has no migrations"))?;
    Ok(row.try_get_by_index::<Option<String>>(0)?.unwrap_or_default())
}

fn text_out(s: String) -> String {
    if s.starts_with('\\') { format!("\\{s}") } else { s }
}

/// One column of a row in its canonical spelling.
fn cell(row: &QueryResult, i: usize, kind: Kind) -> Result<String, sea_orm::DbErr> {
    fn or_null<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
        v.map(f).unwrap_or_else(|| NULL.to_owned())
    }
    Ok(match kind {
        Kind::I32 => or_null(row.try_get_by_index::<Option<i32>>(i)?, |v| v.to_string()),
        Kind::I64 => or_null(row.try_get_by_index::<Option<i64>>(i)?, |v| v.to_string()),
        Kind::Bool => or_null(row.try_get_by_index::<Option<bool>>(i)?, |v| v.to_string()),
        Kind::Date => or_null(row.try_get_by_index::<Option<NaiveDate>>(i)?, |v| v.to_string()),
        Kind::Timestamp => or_null(row.try_get_by_index::<Option<DateTime<Utc>>>(i)?, |v| {
            v.to_rfc3339_opts(SecondsFormat::Micros, true)
        }),
        Kind::Float => or_null(row.try_get_by_index::<Option<f64>>(i)?, |v| v.to_string()),
        Kind::Text => or_null(row.try_get_by_index::<Option<String>>(i)?, text_out),
        Kind::Bytes => or_null(row.try_get_by_index::<Option<Vec<u8>>>(i)?, hex::encode),
    })
}

/// A canonical cell back to a value for `kind`; `None` names what is wrong with it.
fn value(text: &str, kind: Kind) -> Option<Value> {
    let null = text == NULL;
    Some(match kind {
        Kind::I32 => Value::from(if null { None } else { Some(text.parse::<i32>().ok()?) }),
        Kind::I64 => Value::from(if null { None } else { Some(text.parse::<i64>().ok()?) }),
        Kind::Bool => Value::from(if null { None } else { Some(text.parse::<bool>().ok()?) }),
        Kind::Date => Value::from(if null { None } else { Some(text.parse::<NaiveDate>().ok()?) }),
        Kind::Timestamp => {
            Value::from(if null { None } else { Some(DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc)) })
        }
        Kind::Float => Value::from(if null { None } else { Some(text.parse::<f64>().ok()?) }),
        Kind::Text => Value::from(if null {
            None
        } else {
            Some(text.strip_prefix('\\').filter(|rest| rest.starts_with('\\')).unwrap_or(text).to_owned())
        }),
        Kind::Bytes => Value::from(if null { None } else { Some(hex::decode(text).ok()?) }),
    })
}

/// Writes `table`'s rows in key order as CSV (header first) to `out`; the row count.
async fn dump_table<C: ConnectionTrait, W: Write>(conn: &C, table: &Table, out: W) -> CoreResult<u64> {
    dump_rows(conn, table, None, out).await
}

/// `dump_table` of the rows `only` (an SQL condition) selects, or of every row.
async fn dump_rows<C: ConnectionTrait, W: Write>(
    conn: &C,
    table: &Table,
    only: Option<&str>,
    out: W,
) -> CoreResult<u64> {
    let backend = conn.get_database_backend();
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let io = |e: csv::Error| bad(format!("writing {}: {e}", table.name));
    w.write_record(table.columns.iter().map(|c| c.name.as_str())).map_err(io)?;
    let cols = table.columns.iter().map(|c| q(&c.name)).collect::<Vec<_>>().join(", ");
    let mut rows = 0u64;
    let write_rows = |w: &mut csv::Writer<W>, page: &[QueryResult]| -> CoreResult<()> {
        for r in page {
            let cells =
                table.columns.iter().enumerate().map(|(i, c)| cell(r, i, c.kind)).collect::<Result<Vec<_>, _>>()?;
            w.write_record(&cells).map_err(io)?;
        }
        Ok(())
    };
    match table.integer_key() {
        Some(key) => {
            let mut after: Option<i64> = None;
            loop {
                let (mut filter, values) = match after {
                    Some(a) => (
                        format!("WHERE {} > {}", q(key), if backend == DbBackend::Postgres { "$1" } else { "?" }),
                        vec![a.into()],
                    ),
                    None => (String::new(), vec![]),
                };
                if let Some(only) = only {
                    filter =
                        if filter.is_empty() { format!("WHERE ({only})") } else { format!("{filter} AND ({only})") };
                }
                let sql = format!("SELECT {cols} FROM {} {filter} ORDER BY {} LIMIT {PAGE}", q(&table.name), q(key));
                let page = conn.query_all_raw(stmt(backend, &sql, values)).await?;
                let Some(last) = page.last() else { break };
                let ki = table.columns.iter().position(|c| c.name == key).unwrap_or(0);
                after = Some(match table.columns.get(ki).map(|c| c.kind) {
                    Some(Kind::I32) => i64::from(last.try_get_by_index::<i32>(ki)?),
                    _ => last.try_get_by_index::<i64>(ki)?,
                });
                write_rows(&mut w, &page)?;
                rows += page.len() as u64;
                if (page.len() as u64) < PAGE {
                    break;
                }
            }
        }
        None => {
            // Small link tables: their whole key (or every column) orders them.
            let order = if table.primary_key.is_empty() {
                (1..=table.columns.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
            } else {
                table.primary_key.iter().map(|k| q(k)).collect::<Vec<_>>().join(", ")
            };
            let filter = only.map(|o| format!("WHERE ({o})")).unwrap_or_default();
            let sql = format!("SELECT {cols} FROM {} {filter} ORDER BY {order}", q(&table.name));
            let page = conn.query_all_raw(stmt(backend, &sql, vec![])).await?;
            write_rows(&mut w, &page)?;
            rows = page.len() as u64;
        }
    }
    w.flush().map_err(|e| bad(format!("writing {}: {e}", table.name)))?;
    Ok(rows)
}

/// Hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A read-only snapshot: every table is read as of one moment while writers go on.
async fn snapshot(store: &Store) -> CoreResult<DatabaseTransaction> {
    Ok(match store.backend() {
        DbBackend::Postgres => {
            store.conn().begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
        }
        _ => store.conn().begin().await?,
    })
}

/// Every table's row count and checksum, from one snapshot: two databases holding the same
/// data give the same list whichever backend each is.
pub async fn checksums(store: &Store) -> CoreResult<Vec<TableSum>> {
    let tx = snapshot(store).await?;
    let mut out = Vec::new();
    for t in catalog(&tx).await? {
        let mut h = Hashing { inner: std::io::sink(), hash: Sha256::new(), bytes: 0 };
        let rows = dump_table(&tx, &t, &mut h).await?;
        out.push(TableSum { name: t.name, rows, sha256: hex::encode(h.hash.finalize()) });
    }
    tx.commit().await?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Sign-in state rather than anyone's work: a community's archive never carries it.
const ACCOUNT_TABLES: &[&str] = &["login_throttle"];

/// Which rows of each table belong to community `c`, as an SQL condition (None: the whole
/// table), worked out from the catalogue so a practice's new table is scoped without a
/// list kept here:
/// - `communities` itself, a table with a `chain` (the audit log's, one per community) or a
///   `community_id` column: its own rows;
/// - a table with a foreign key to such a table: the rows whose parent is in (a visit's
///   visitors, a case's residents, a program's slots);
/// - a table other community rows point at (users): the rows they point at, so the archive
///   loads into an empty database with every foreign key whole — the community's own
///   team, and anyone else who worked on its records;
/// - a table of sign-ins (sessions, tokens, devices, set-up links, throttles): nothing;
/// - a table with no foreign key (the deployment's settings the schema needs): all of it.
fn community_scope(tables: &[Table], c: i64) -> BTreeMap<String, Option<String>> {
    let has = |t: &Table, col: &str| t.columns.iter().any(|x| x.name == col);
    let mut own: BTreeMap<String, String> = BTreeMap::new();
    for t in tables {
        let cond = if t.name == "communities" {
            Some(format!("{} = {c}", q("id")))
        } else if has(t, "chain") {
            Some(format!("{} = {c}", q("chain")))
        } else if has(t, "community_id") {
            Some(format!("{} = {c}", q("community_id")))
        } else {
            t.foreign.iter().find_map(|(col, parent, pcol)| {
                own.get(parent).map(|pc| format!("{} IN (SELECT {} FROM {} WHERE {pc})", q(col), q(pcol), q(parent)))
            })
        };
        if let Some(cond) = cond {
            own.insert(t.name.clone(), cond);
        }
    }
    let mut out = BTreeMap::new();
    for t in tables {
        let cond = match own.get(&t.name) {
            Some(cond) => Some(cond.clone()),
            None => {
                let pointed: Vec<String> = tables
                    .iter()
                    .filter_map(|u| own.get(&u.name).map(|uc| (u, uc)))
                    .flat_map(|(u, uc)| {
                        u.foreign.iter().filter(|(_, p, _)| p == &t.name).map(move |(col, _, pcol)| {
                            format!("{} IN (SELECT {} FROM {} WHERE {uc})", q(pcol), q(col), q(&u.name))
                        })
                    })
                    .collect();
                if !pointed.is_empty() {
                    Some(pointed.join(" OR "))
                } else if t.foreign.is_empty() && !ACCOUNT_TABLES.contains(&t.name.as_str()) {
                    None
                } else {
                    Some("1 = 0".to_owned())
                }
            }
        };
        out.insert(t.name.clone(), cond);
    }
    out
}

/// Writes the archive of the whole deployment to `out`, from one snapshot. `progress` is
/// told each table as it is written. The caller audits the export.
pub async fn write<W: Write + Seek>(
    store: &Store,
    out: W,
    passphrase: Option<&str>,
    progress: &(dyn Fn(&str, u64) + Sync),
) -> CoreResult<Manifest> {
    write_scoped(store, out, passphrase, None, progress).await
}

/// `write`, of the whole deployment or of one community (`community_scope`): what a team
/// takes when it moves to a deployment of its own, and loads as it is into an empty one.
pub async fn write_scoped<W: Write + Seek>(
    store: &Store,
    out: W,
    passphrase: Option<&str>,
    community: Option<&crate::entity::community::Model>,
    progress: &(dyn Fn(&str, u64) + Sync),
) -> CoreResult<Manifest> {
    let tx = snapshot(store).await?;
    let schema = schema_version(&tx).await?;
    let mut zip = zip::ZipWriter::new(out);
    let options = || {
        let o = zip::write::FileOptions::<()>::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        match passphrase {
            Some(p) => o.with_aes_encryption(zip::AesMode::Aes256, p),
            None => o,
        }
    };
    let zerr = |e: zip::result::ZipError| bad(format!("writing the archive: {e}"));
    let mut tables = Vec::new();
    let catalog = catalog(&tx).await?;
    let scope = community.map(|c| community_scope(&catalog, c.id)).unwrap_or_default();
    for t in catalog {
        let file = format!("tables/{}.csv", t.name);
        zip.start_file(file.as_str(), options()).map_err(zerr)?;
        let mut h = Hashing { inner: &mut zip, hash: Sha256::new(), bytes: 0 };
        let only = scope.get(&t.name).cloned().flatten();
        let rows = dump_rows(&tx, &t, only.as_deref(), &mut h).await?;
        let sha256 = hex::encode(h.hash.finalize());
        progress(&t.name, rows);
        tables.push(TableEntry {
            name: t.name.clone(),
            file,
            rows,
            sha256,
            columns: t.columns.into_iter().map(|c| c.name).collect(),
        });
    }
    tx.commit().await?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        schema_version: schema,
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        source: match store.backend() {
            DbBackend::Postgres => "postgres",
            _ => "sqlite",
        }
        .to_owned(),
        hearth_version: env!("CARGO_PKG_VERSION").to_owned(),
        encrypted: passphrase.is_some(),
        community: community.map(|c| c.slug.clone()),
        tables,
    };
    zip.start_file(MANIFEST, options()).map_err(zerr)?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| bad(e.to_string()))?;
    zip.write_all(&json).map_err(|e| bad(format!("writing the archive: {e}")))?;
    zip.finish().map_err(zerr)?;
    Ok(manifest)
}

/// The shortest passphrase an archive is encrypted with: the archive leaves the server,
/// and whoever holds it can try passphrases offline as fast as they like.
pub const MIN_PASSPHRASE: usize = 12;

/// An export someone asked for (the admin page, `hearth export`): the deployment or one
/// community, refused without `ExportAll`, and audited with what it held (never a value).
pub async fn export<W: Write + Seek>(
    store: &Store,
    actor: &crate::policy::Actor,
    out: W,
    passphrase: Option<&str>,
    community: Option<&crate::entity::community::Model>,
) -> CoreResult<Manifest> {
    use crate::audit::{self, Action, Entry};
    actor.require(crate::policy::Permission::ExportAll)?;
    if passphrase.is_some_and(|p| p.chars().count() < MIN_PASSPHRASE) {
        let mut e = crate::FieldErrors::new();
        e.add_arg("passphrase", "too_short", MIN_PASSPHRASE as i64);
        return Err(CoreError::Invalid(e));
    }
    let progress = |table: &str, rows: u64| tracing::debug!(table, rows, "exported");
    let m = write_scoped(store, out, passphrase, community, &progress).await?;
    let rows: u64 = m.tables.iter().map(|t| t.rows).sum();
    let how = if passphrase.is_some() { "encrypted" } else { "not encrypted" };
    let of = community.map_or_else(|| "the deployment".to_owned(), |c| format!("community {}", c.slug));
    let mut entry = Entry::new(Action::Export, crate::record::EntityKind::Archive, None)
        .summary(format!("export of {of}: {} tables, {rows} rows, {how}", m.tables.len()));
    if let Some(c) = community {
        entry = entry.community(c.id);
    }
    audit::record(store, actor, entry).await?;
    Ok(m)
}

/// Why an archive cannot be loaded, in words an operator can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("not a hearth archive: {0}")]
    NotAnArchive(String),
    #[error("the archive is encrypted: give its passphrase")]
    PassphraseNeeded,
    #[error("the passphrase does not open the archive")]
    WrongPassphrase,
    #[error(
        "the archive is of schema {archive}, this database is at {database}: load it with the hearth release that wrote it, then upgrade"
    )]
    SchemaMismatch { archive: String, database: String },
    #[error("the database is not empty (table {0} has rows): load an archive only into a new database")]
    NotEmpty(String),
    #[error("{file}: {reason}")]
    Damaged { file: String, reason: String },
}

fn open_entry<'a, R: Read + Seek>(
    zip: &'a mut zip::ZipArchive<R>,
    name: &str,
    passphrase: Option<&str>,
) -> Result<zip::read::ZipFile<'a, R>, LoadError> {
    let encrypted = {
        let i = zip.index_for_name(name).ok_or_else(|| LoadError::NotAnArchive(format!("{name} is missing")))?;
        zip.by_index_raw(i).map(|f| f.encrypted()).map_err(|e| LoadError::NotAnArchive(e.to_string()))?
    };
    match (encrypted, passphrase) {
        (true, None) => Err(LoadError::PassphraseNeeded),
        (true, Some(p)) => zip.by_name_decrypt(name, p.as_bytes()).map_err(|e| match e {
            zip::result::ZipError::InvalidPassword => LoadError::WrongPassphrase,
            other => LoadError::NotAnArchive(other.to_string()),
        }),
        (false, _) => zip.by_name(name).map_err(|e| LoadError::NotAnArchive(e.to_string())),
    }
}

/// The manifest of an archive, checked for format (and passphrase).
pub fn manifest<R: Read + Seek>(input: R, passphrase: Option<&str>) -> Result<Manifest, LoadError> {
    let mut zip = zip::ZipArchive::new(input).map_err(|e| LoadError::NotAnArchive(e.to_string()))?;
    read_manifest(&mut zip, passphrase)
}

fn read_manifest<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    passphrase: Option<&str>,
) -> Result<Manifest, LoadError> {
    let mut text = String::new();
    open_entry(zip, MANIFEST, passphrase)?.read_to_string(&mut text).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData if passphrase.is_some() => LoadError::WrongPassphrase,
        _ => LoadError::NotAnArchive(e.to_string()),
    })?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| LoadError::NotAnArchive(format!("{MANIFEST}: {e}")))?;
    if m.format != FORMAT || m.format_version != FORMAT_VERSION {
        return Err(LoadError::NotAnArchive(format!("format {} {}", m.format, m.format_version)));
    }
    Ok(m)
}

fn damaged(file: &str, reason: impl Into<String>) -> CoreError {
    CoreError::Internal(LoadError::Damaged { file: file.to_owned(), reason: reason.into() }.to_string())
}

/// Loads an archive into this (migrated, empty) database in one transaction: all of it or,
/// on any fault (a checksum, a row, a constraint), none of it. PostgreSQL's id sequences
/// are moved past the loaded ids so new records do not collide.
pub async fn load<R: Read + Seek>(
    store: &Store,
    input: R,
    passphrase: Option<&str>,
    progress: &(dyn Fn(&str, u64) + Sync),
) -> CoreResult<Manifest> {
    let loaderr = |e: LoadError| CoreError::Internal(e.to_string());
    let mut zip = zip::ZipArchive::new(input).map_err(|e| loaderr(LoadError::NotAnArchive(e.to_string())))?;
    let manifest = read_manifest(&mut zip, passphrase).map_err(loaderr)?;
    let backend = store.backend();
    let tx = store.write().await?;
    let database = schema_version(&tx).await?;
    if database != manifest.schema_version {
        return Err(loaderr(LoadError::SchemaMismatch { archive: manifest.schema_version.clone(), database }));
    }
    let tables = catalog(&tx).await?;
    // Rows in a record table mean the database is in use; rows anywhere else can only be
    // what the migrations seeded (the search terms' version, say), which the archive
    // carries too, so they make way for it.
    for record in RECORD_TABLES {
        let sql = format!("SELECT 1 FROM {} LIMIT 1", q(record));
        if tx.query_one_raw(stmt(backend, &sql, vec![])).await?.is_some() {
            return Err(loaderr(LoadError::NotEmpty((*record).to_owned())));
        }
    }
    for t in tables.iter().rev() {
        let sql = format!("SELECT 1 FROM {} LIMIT 1", q(&t.name));
        if tx.query_one_raw(stmt(backend, &sql, vec![])).await?.is_some() {
            tx.execute_raw(stmt(backend, &format!("DELETE FROM {}", q(&t.name)), vec![])).await?;
        }
    }
    let entries: BTreeMap<&str, &TableEntry> = manifest.tables.iter().map(|e| (e.name.as_str(), e)).collect();
    for t in &tables {
        let entry =
            entries.get(t.name.as_str()).ok_or_else(|| damaged(MANIFEST, format!("table {} is missing", t.name)))?;
        let rows = {
            let file = open_entry(&mut zip, &entry.file, passphrase).map_err(loaderr)?;
            load_table(&tx, t, entry, file).await?
        };
        progress(&t.name, rows);
    }
    if backend == DbBackend::Postgres {
        for t in tables.iter().filter(|t| t.integer_key() == Some("id")) {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {}",
                q(&t.name)
            );
            tx.query_one_raw(stmt(backend, &sql, vec![q(&t.name).into()])).await?;
        }
    }
    tx.commit().await?;
    Ok(manifest)
}

async fn load_table<R: Read>(tx: &DatabaseTransaction, table: &Table, entry: &TableEntry, file: R) -> CoreResult<u64> {
    let backend = tx.get_database_backend();
    let mut h = Hashing { inner: file, hash: Sha256::new(), bytes: 0 };
    let mut rows = 0u64;
    {
        let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(&mut h);
        let header = r.headers().map_err(|e| damaged(&entry.file, e.to_string()))?.clone();
        // Columns by name: the archive's order need not be the database's.
        let mut kinds = Vec::with_capacity(header.len());
        for name in header.iter() {
            let c = table
                .columns
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| damaged(&entry.file, format!("column {name} is not in this database")))?;
            kinds.push(c.kind);
        }
        if header.len() != table.columns.len() {
            return Err(damaged(&entry.file, "the columns are not this database's"));
        }
        let per_insert = (MAX_PARAMS / header.len().max(1)).clamp(1, PAGE as usize);
        let cols = header.iter().map(q).collect::<Vec<_>>().join(", ");
        let mut batch: Vec<Value> = Vec::new();
        let mut in_batch = 0usize;
        let flush = |batch: Vec<Value>, n: usize| {
            let width = kinds.len();
            let mut p = 0usize;
            let groups = (0..n)
                .map(|_| {
                    let g = (0..width)
                        .map(|_| {
                            p += 1;
                            if backend == DbBackend::Postgres { format!("${p}") } else { "?".to_owned() }
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("({g})")
                })
                .collect::<Vec<_>>()
                .join(", ");
            stmt(backend, &format!("INSERT INTO {} ({cols}) VALUES {groups}", q(&table.name)), batch)
        };
        for (n, record) in r.records().enumerate() {
            let record = record.map_err(|e| damaged(&entry.file, e.to_string()))?;
            for (i, (text, kind)) in record.iter().zip(&kinds).enumerate() {
                let v = value(text, *kind).ok_or_else(|| {
                    damaged(&entry.file, format!("row {}, column {}: {text:?} is not a {kind:?}", n + 2, &header[i]))
                })?;
                batch.push(v);
            }
            in_batch += 1;
            rows += 1;
            if in_batch == per_insert {
                tx.execute_raw(flush(std::mem::take(&mut batch), in_batch)).await?;
                in_batch = 0;
            }
        }
        if in_batch > 0 {
            tx.execute_raw(flush(batch, in_batch)).await?;
        }
    }
    // The CSV reader may stop before the end of the stream; hash what is left.
    std::io::copy(&mut h, &mut std::io::sink()).map_err(|e| damaged(&entry.file, e.to_string()))?;
    if hex::encode(h.hash.finalize()) != entry.sha256 {
        return Err(damaged(&entry.file, "its checksum does not match the manifest"));
    }
    if rows != entry.rows {
        return Err(damaged(&entry.file, format!("{rows} rows, the manifest says {}", entry.rows)));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_both_catalogues() {
        let (pg, lite) = (DbBackend::Postgres, DbBackend::Sqlite);
        assert_eq!(Kind::of(lite, "integer"), Kind::I64);
        assert_eq!(Kind::of(pg, "integer"), Kind::I32);
        assert_eq!(Kind::of(pg, "bigint"), Kind::I64);
        assert_eq!(Kind::of(lite, "timestamp_with_timezone_text"), Kind::Timestamp);
        assert_eq!(Kind::of(pg, "timestamp with time zone"), Kind::Timestamp);
        assert_eq!(Kind::of(lite, "date_text"), Kind::Date);
        assert_eq!(Kind::of(pg, "date"), Kind::Date);
        assert_eq!(Kind::of(lite, "boolean"), Kind::Bool);
        assert_eq!(Kind::of(pg, "double precision"), Kind::Float);
        assert_eq!(Kind::of(lite, "blob"), Kind::Bytes);
        assert_eq!(Kind::of(pg, "bytea"), Kind::Bytes);
        assert_eq!(Kind::of(pg, "character varying"), Kind::Text);
    }

    #[test]
    fn cells_round_trip_including_null_and_backslashes() {
        for (text, kind) in [
            ("\\N", Kind::Text),
            ("\\\\N", Kind::Text),
            ("张伟", Kind::Text),
            ("2016-03-04T10:00:00.000001Z", Kind::Timestamp),
            ("2016-02-29", Kind::Date),
            ("0.1", Kind::Float),
            ("deadbeef", Kind::Bytes),
            ("-9223372036854775808", Kind::I64),
        ] {
            assert!(value(text, kind).is_some(), "{text}");
        }
        assert_eq!(value("\\\\N", Kind::Text), Some(Value::from(Some("\\N".to_owned()))));
        assert_eq!(value("\\N", Kind::Text), Some(Value::from(None::<String>)));
        assert_eq!(text_out("\\N".to_owned()), "\\\\N");
        assert_eq!(value("x", Kind::I64), None);
        assert_eq!(value("2016-02-30", Kind::Date), None);
    }

    #[test]
    fn parents_come_first() {
        let t = |n: &str, p: &[&str]| Table {
            name: n.to_owned(),
            columns: vec![],
            primary_key: vec![],
            parents: p.iter().map(|s| s.to_string()).collect(),
            foreign: vec![],
        };
        let order: Vec<String> = ordered(vec![
            t("visits", &["households", "users"]),
            t("households", &["communities"]),
            t("users", &[]),
            t("communities", &[]),
        ])
        .into_iter()
        .map(|t| t.name)
        .collect();
        assert_eq!(order, ["communities", "users", "households", "visits"]);
    }
}
