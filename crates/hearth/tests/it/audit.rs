//! The audit chain: rows for reads and writes, tamper detection, one chain under
//! concurrent writers.

use hearth_core::audit::Action;
use hearth_core::audit::{self, Entry, Verdict};
use hearth_core::record::EntityKind;
use hearth_core::{Actor, entity::audit_log};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};

use crate::support::*;

/// The row at `seq` of a chain.
async fn row_at(app: &TestApp, chain: i64, seq: i64) -> audit_log::Model {
    audit_log::Entity::find()
        .filter(audit_log::Column::Chain.eq(chain))
        .filter(audit_log::Column::Seq.eq(seq))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row {seq} in chain {chain}"))
}

async fn chain_len(app: &TestApp, chain: i64) -> i64 {
    audit_log::Entity::find().filter(audit_log::Column::Chain.eq(chain)).count(app.store.conn()).await.unwrap() as i64
}

#[tokio::test]
async fn verify_detects_a_changed_row_and_a_removed_row_and_names_the_chain() {
    let app = spawn_app().await;
    let north = app.community("north").await;
    for i in 0..5 {
        app.household("north", &format!("A-{i}")).await;
    }
    let rows = audit::count(&app.store).await.unwrap();
    assert!(chain_len(&app, north.id).await >= 5, "household writes are in their community's chain");
    assert!(matches!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { rows: r, chains: 2 } if r == rows));
    let third = row_at(&app, north.id, 3).await;
    app.store
        .writer()
        .execute_raw(Statement::from_string(
            app.store.backend(),
            format!("UPDATE audit_log SET summary = 'nothing to see' WHERE id = {}", third.id),
        ))
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.store).await.unwrap(),
        Verdict::Broken { chain: north.id, seq: 3, reason: "hash_mismatch" }
    );

    let app = spawn_app().await;
    let north = app.community("north").await;
    for code in ["A-1", "A-2", "A-3"] {
        app.household("north", code).await;
    }
    audit_log::Entity::delete_by_id(row_at(&app, north.id, 2).await.id).exec(app.store.writer()).await.unwrap();
    assert_eq!(
        audit::verify(&app.store).await.unwrap(),
        Verdict::Broken { chain: north.id, seq: 2, reason: "missing_row" }
    );
}

#[tokio::test]
async fn verify_detects_a_truncated_tail_and_a_row_moved_out_of_every_chain() {
    let app = spawn_app().await;
    let north = app.community("north").await;
    app.household("north", "A-1").await;
    app.household("north", "A-2").await;
    let last = chain_len(&app, north.id).await;
    audit_log::Entity::delete_by_id(row_at(&app, north.id, last).await.id).exec(app.store.writer()).await.unwrap();
    assert_eq!(
        audit::verify(&app.store).await.unwrap(),
        Verdict::Broken { chain: north.id, seq: last, reason: "truncated" }
    );

    let app = spawn_app().await;
    app.community("north").await;
    app.store
        .writer()
        .execute_unprepared(
            "INSERT INTO audit_log (at, actor, action, entity, summary, prev_hash, hash, chain, seq) \
             VALUES ('2026-01-01 00:00:00+00', 'x', 'read', 'household', '', '', '', 77, 1)",
        )
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.store).await.unwrap(),
        Verdict::Broken { chain: 77, seq: 1, reason: "outside_chain" }
    );
}

#[tokio::test]
async fn the_cli_exits_non_zero_and_names_the_chain_and_entry() {
    let app = spawn_app().await;
    let Some(url) = app.database_url() else { return }; // the CLI check runs on SQLite
    let north = app.community("north").await;
    app.household("north", "A-1").await;
    app.household("north", "A-2").await;
    let ok = hearth_cli().args(["--database-url", &url, "audit", "verify"]).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("audit chains intact"));
    let second = row_at(&app, north.id, 2).await;
    app.store
        .writer()
        .execute_unprepared(&format!("UPDATE audit_log SET actor = 'someone-else' WHERE id = {}", second.id))
        .await
        .unwrap();
    let bad = hearth_cli().args(["--database-url", &url, "audit", "verify"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains(&format!("chain of community {}, entry 2: hash_mismatch", north.id)), "{stderr}");
}

/// Issue 9: writers in several communities at once, some in their own write transaction
/// (as a change is), some group-committed (as a read is): every chain stays one line and
/// holds exactly its community's entries.
#[tokio::test]
async fn parallel_writers_across_communities_keep_every_chain_whole() {
    let app = spawn_app().await;
    let mut communities = Vec::new();
    for slug in ["north", "south", "east", "west"] {
        communities.push(app.community(slug).await.id);
    }
    let before = audit::count(&app.store).await.unwrap();
    let mut lens = std::collections::BTreeMap::new();
    for &c in &communities {
        lens.insert(c, chain_len(&app, c).await);
    }
    let mut tasks = Vec::new();
    for w in 0..8i64 {
        let store = app.store.clone();
        let community = communities[w as usize % communities.len()];
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let entry = Entry::new(Action::Read, EntityKind::Household, Some(w * 100 + i)).community(community);
                if i % 2 == 0 {
                    let tx = store.write().await.unwrap();
                    audit::append(&tx, &Actor::system(), entry.summary("a change")).await.unwrap();
                    tx.commit().await.unwrap();
                } else {
                    audit::record(&store, &Actor::system(), entry).await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(audit::count(&app.store).await.unwrap(), before + 200);
    for &c in &communities {
        assert_eq!(chain_len(&app, c).await, lens[&c] + 50, "community {c}");
    }
    assert!(matches!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { .. }));
}

/// The old single chain's rows, in that era's hash format (a row's id where its position
/// now stands; unkeyed SHA-256), written the way the release before per-community chains
/// wrote them.
fn legacy_hash(prev: &str, id: i64, community: Option<i64>, action: &str) -> String {
    let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T10:00:00Z").unwrap().to_utc();
    let row = audit_log::Model {
        id,
        chain: 0,
        seq: id,
        at,
        actor_user_id: None,
        actor: "system".into(),
        community_id: community,
        action: action.into(),
        entity: "household".into(),
        entity_id: None,
        summary: String::new(),
        prev_hash: prev.into(),
        hash: String::new(),
    };
    unkeyed_hash(&row)
}

/// Issue 9: a database with the old single chain migrates to per-community chains from a
/// recorded hand-over point: its rows stay as they were, as the start of the deployment
/// chain, new rows go to their community's chain, and verify checks both (and still
/// catches a change to an old row).
#[tokio::test]
async fn the_single_chain_hands_over_to_per_community_chains() {
    use hearth_migration::MigratorTrait;
    let app = spawn_app_from(|store| async move {
        hearth_migration::Migrator::up(store.writer(), Some(3)).await.unwrap();
        let backend = store.backend();
        let mut prev = hearth_migration::GENESIS_HASH.to_owned();
        for (id, community) in [(1i64, None), (2, Some(1i64)), (3, Some(2))] {
            let hash = legacy_hash(&prev, id, community, "read");
            let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T10:00:00Z").unwrap().to_utc();
            let sql = match backend {
                sea_orm::DbBackend::Postgres => {
                    "INSERT INTO audit_log (id, at, actor, community_id, action, entity, summary, prev_hash, hash) \
                     VALUES ($1, $2, 'system', $3, 'read', 'household', '', $4, $5)"
                }
                _ => {
                    "INSERT INTO audit_log (id, at, actor, community_id, action, entity, summary, prev_hash, hash) \
                     VALUES (?, ?, 'system', ?, 'read', 'household', '', ?, ?)"
                }
            };
            store
                .writer()
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    [id.into(), at.into(), community.into(), prev.clone().into(), hash.clone().into()],
                ))
                .await
                .unwrap();
            prev = hash;
        }
        let sql = format!("UPDATE audit_head SET last_id = 3, last_hash = '{prev}' WHERE id = 1");
        store.writer().execute_unprepared(&sql).await.unwrap();
    })
    .await;
    assert_eq!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { rows: 3, chains: 1 });
    let north = app.community("north").await;
    app.household("north", "A-1").await;
    app.user("worker", "caseworker", &["north"]).await;
    assert_eq!(row_at(&app, 0, 4).await.entity, "user", "the deployment chain goes on after the hand-over");
    assert!(chain_len(&app, north.id).await >= 1);
    assert!(matches!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { rows, chains: 2 } if rows >= 5));
    app.store.writer().execute_unprepared("UPDATE audit_log SET summary = 'x' WHERE id = 2").await.unwrap();
    assert_eq!(audit::verify(&app.store).await.unwrap(), Verdict::Broken { chain: 0, seq: 2, reason: "hash_mismatch" });
}

#[tokio::test]
async fn writes_are_audited_without_personal_values() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "A-1").await;
    let rows = audit::list(
        &app.store,
        &audit::Filter { entity: Some("household".into()), entity_id: Some(h.id), limit: 10, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "create");
    assert!(!rows[0].summary.contains("Building 1"), "summary names fields, not values: {}", rows[0].summary);
}

/// Issue 9: reads are group-committed. 500 reads at once across three communities leave
/// exactly 500 read entries, each in its community's chain, and every chain verifies.
#[tokio::test]
async fn five_hundred_concurrent_reads_leave_five_hundred_entries_in_the_right_chains() {
    let app = spawn_app().await;
    let mut households = Vec::new();
    for slug in ["north", "south", "east"] {
        app.community(slug).await;
        for i in 0..3 {
            let h = app.household(slug, &format!("{slug}-{i}")).await;
            households.push((h.id, h.community_id));
        }
    }
    let before = audit::count(&app.store).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..500 {
        let store = app.store.clone();
        let (id, _) = households[n % households.len()];
        tasks.push(tokio::spawn(async move {
            hearth_core::registry::households::get(&store, &Actor::system(), id).await.map(|h| h.community_id)
        }));
    }
    let mut per_community = std::collections::BTreeMap::new();
    for t in tasks {
        *per_community.entry(t.await.unwrap().unwrap()).or_insert(0) += 1;
    }
    assert_eq!(audit::count(&app.store).await.unwrap(), before + 500);
    for (community, n) in per_community {
        let rows = audit::list(
            &app.store,
            &audit::Filter {
                action: Some("read".into()),
                entity: Some("household".into()),
                community_id: Some(community),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(rows.len(), n, "community {community}");
        assert!(rows.iter().all(|r| r.chain == community), "community {community}'s reads are in its own chain");
    }
    assert!(matches!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { .. }));
}

/// What an attacker with write access to the database computes: the row hashes as plain
/// SHA-256 over the same fields (without the key kept outside the database).
fn unkeyed_hash(r: &audit_log::Model) -> String {
    use sha2::Digest;
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut h = sha2::Sha256::new();
    for part in [
        r.prev_hash.clone(),
        r.seq.to_string(),
        r.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        opt(r.actor_user_id),
        r.actor.clone(),
        opt(r.community_id),
        r.action.clone(),
        r.entity.clone(),
        opt(r.entity_id),
        r.summary.clone(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Issue 10, finding 8: changing a row and recomputing every later hash (and the head)
/// no longer passes, because the chain is keyed with a key the database does not hold.
#[tokio::test]
async fn a_rewritten_chain_with_recomputed_hashes_fails_verify() {
    use sea_orm::{ActiveModelTrait, QueryOrder, Set};
    let app = spawn_app().await;
    let north = app.community("north").await;
    for i in 0..4 {
        app.household("north", &format!("A-{i}")).await;
    }
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Chain.eq(north.id))
        .order_by_asc(audit_log::Column::Seq)
        .all(app.store.conn())
        .await
        .unwrap();
    let mut prev = rows[1].prev_hash.clone();
    for (i, r) in rows.into_iter().enumerate().skip(1) {
        let mut r = r;
        if i == 1 {
            r.summary = "nothing happened".into();
        }
        r.prev_hash = prev.clone();
        r.hash = unkeyed_hash(&r);
        prev = r.hash.clone();
        let mut active: audit_log::ActiveModel = r.clone().into();
        active.summary = Set(r.summary.clone());
        active.prev_hash = Set(r.prev_hash.clone());
        active.hash = Set(r.hash.clone());
        active.reset_all().update(app.store.writer()).await.unwrap();
    }
    let sql = format!("UPDATE audit_chains SET last_hash = '{prev}' WHERE chain = {}", north.id);
    app.store.writer().execute_unprepared(&sql).await.unwrap();
    assert_eq!(
        audit::verify(&app.store).await.unwrap(),
        Verdict::Broken { chain: north.id, seq: 2, reason: "hash_mismatch" }
    );
}

/// Finding 8: cutting a chain back (rows and head together) leaves a chain that verifies
/// on its own; an anchor taken before finds it. The CLI prints anchors and checks them.
#[tokio::test]
async fn an_anchor_taken_before_finds_a_chain_cut_back_with_its_head() {
    let app = spawn_app().await;
    let north = app.community("north").await;
    app.household("north", "A-1").await;
    let cut_to = chain_len(&app, north.id).await;
    let keep = row_at(&app, north.id, cut_to).await;
    app.household("north", "A-2").await;
    app.household("north", "A-3").await;
    let anchors = audit::anchors(&app.store).await.unwrap();
    let north_anchor = anchors.iter().find(|a| a.chain == north.id).unwrap().clone();
    assert_eq!(north_anchor.seq, chain_len(&app, north.id).await);
    assert_eq!(audit::Anchor::parse(&north_anchor.line()), Some(north_anchor.clone()));
    assert!(matches!(audit::verify_against(&app.store, &anchors).await.unwrap(), Verdict::Intact { .. }));

    let url = app.database_url().unwrap();
    let file = std::env::temp_dir().join(format!("hearth-anchor-{}.txt", north.id + rand::random::<u32>() as i64));
    let printed = hearth_cli().args(["--database-url", &url, "audit", "anchor"]).output().unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    std::fs::write(&file, &printed.stdout).unwrap();
    let file_arg = file.display().to_string();
    let ok = hearth_cli().args(["--database-url", &url, "audit", "verify", "--anchor", &file_arg]).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    let sql = format!("DELETE FROM audit_log WHERE chain = {} AND seq > {cut_to}", north.id);
    app.store.writer().execute_unprepared(&sql).await.unwrap();
    let sql =
        format!("UPDATE audit_chains SET last_seq = {cut_to}, last_hash = '{}' WHERE chain = {}", keep.hash, north.id);
    app.store.writer().execute_unprepared(&sql).await.unwrap();
    assert!(matches!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { .. }), "undetectable alone");
    assert_eq!(
        audit::verify_against(&app.store, &anchors).await.unwrap(),
        Verdict::Broken { chain: north.id, seq: north_anchor.seq, reason: "below_anchor" }
    );
    let bad = hearth_cli().args(["--database-url", &url, "audit", "verify", "--anchor", &file_arg]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("below_anchor"));
    // And with another key nothing verifies.
    let other = hearth_cli()
        .env("HEARTH_AUDIT_KEY", "11".repeat(32))
        .args(["--database-url", &url, "audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(2));
    let _ = std::fs::remove_file(&file);
}
