//! The audit chain: rows for reads and writes, tamper detection, one chain under
//! concurrent writers.

use hearth_core::audit::Action;
use hearth_core::audit::{self, Entry, Verdict};
use hearth_core::record::EntityKind;
use hearth_core::{Actor, entity::audit_log};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use crate::support::*;

#[tokio::test]
async fn verify_detects_a_changed_row_and_a_removed_row() {
    let app = spawn_app().await;
    app.community("north").await;
    for i in 0..5 {
        app.household("north", &format!("A-{i}")).await;
    }
    let rows = audit::count(&app.store).await.unwrap();
    assert!(rows >= 6);
    assert_eq!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { rows });
    let backend = app.store.backend();
    app.store
        .writer()
        .execute_raw(Statement::from_string(backend, "UPDATE audit_log SET summary = 'nothing to see' WHERE id = 3"))
        .await
        .unwrap();
    assert_eq!(audit::verify(&app.store).await.unwrap(), Verdict::Broken { id: 3, reason: "hash_mismatch" });
    // Restore by recomputing is impossible without the chain; instead check deletion on a fresh app.
    let app = spawn_app().await;
    app.community("north").await;
    app.household("north", "A-1").await;
    app.household("north", "A-2").await;
    audit_log::Entity::delete_by_id(2).exec(app.store.writer()).await.unwrap();
    assert_eq!(audit::verify(&app.store).await.unwrap(), Verdict::Broken { id: 2, reason: "missing_row" });
}

#[tokio::test]
async fn verify_detects_a_truncated_tail() {
    let app = spawn_app().await;
    app.community("north").await;
    app.household("north", "A-1").await;
    let last = audit::count(&app.store).await.unwrap() as i64;
    audit_log::Entity::delete_by_id(last).exec(app.store.writer()).await.unwrap();
    assert_eq!(audit::verify(&app.store).await.unwrap(), Verdict::Broken { id: last, reason: "truncated" });
}

#[tokio::test]
async fn the_cli_exits_non_zero_and_names_the_row() {
    let app = spawn_app().await;
    let Some(url) = app.database_url() else { return }; // the CLI check runs on SQLite
    app.community("north").await;
    app.household("north", "A-1").await;
    let bin = env!("CARGO_BIN_EXE_hearth");
    let ok = std::process::Command::new(bin).args(["--database-url", &url, "audit", "verify"]).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("audit chain intact"));
    app.store.writer().execute_unprepared("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2").await.unwrap();
    let bad = std::process::Command::new(bin).args(["--database-url", &url, "audit", "verify"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("BROKEN at row 2"));
}

#[tokio::test]
async fn parallel_writers_keep_one_chain() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = app.store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                audit::record(
                    &store,
                    &Actor::system(),
                    Entry::new(Action::Read, EntityKind::Household, Some(w * 100 + i)),
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { rows: 200 });
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
/// exactly 500 read entries, each with its community, and the chain verifies.
#[tokio::test]
async fn five_hundred_concurrent_reads_leave_five_hundred_entries_and_one_whole_chain() {
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
    }
    assert!(matches!(audit::verify(&app.store).await.unwrap(), Verdict::Intact { .. }));
}
