//! Administration pages: users (create with a setup link, edit, disable, reset),
//! communities, the audit log browser, and that only admins reach any of it.

use axum::http::StatusCode;
use hearth_core::audit::Action;
use hearth_core::auth::users;
use hearth_core::entity::{audit_log, community, user_community};
use hearth_core::record::EntityKind;
use hearth_core::{Actor, audit};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::*;

/// A bad submission: its fields, the id of the inline error, and words of its message.
type BadCase<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

/// The token of the one-time link shown on the page.
fn setup_token(page: &str) -> String {
    let start = page.find("/setup/").expect("page shows a setup link") + "/setup/".len();
    page[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    users::by_username(&app.store, username).await.unwrap().expect("user exists").id
}

async fn user_count(app: &TestApp) -> u64 {
    users::count(&app.store).await.unwrap()
}

/// Opens a setup link in a fresh browser and chooses `password`; then logs in with it.
async fn complete_setup(app: &TestApp, token: &str, username: &str, password: &str) {
    let mut c = app.client();
    let page = c.get(&format!("/setup/{token}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let res =
        c.post_form(&format!("/setup/{token}"), &[("new_password", password), ("confirm_password", password)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let used = app.client().get(&format!("/setup/{token}")).await;
    assert_eq!(used.status, StatusCode::NOT_FOUND, "a setup link works once");
    let mut fresh = app.client();
    assert_eq!(fresh.login(username, password).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn admin_creates_a_user_who_sets_their_password_through_the_link() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let mut admin = app.login_as("root", "admin", &[]).await;

    let form = admin.get("/admin/users/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(r#"name="username""#) && form.text.contains(r#"value="north""#));

    let res = admin
        .post_form(
            "/admin/users/new",
            &[
                ("username", "Li.Na"),
                ("display_name", "李娜"),
                ("role", "caseworker"),
                ("communities", "north"),
                ("communities", "south"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert!(res.text.contains("http://hearth.test/setup/"), "absolute link for the admin to hand over");
    let token = setup_token(&res.text);
    assert_eq!(token.len(), 64);

    let u = users::by_username(&app.store, "li.na").await.unwrap().expect("created, lower-cased");
    assert_eq!((u.display_name.as_str(), u.role.as_str()), ("李娜", "caseworker"));
    assert!(u.password_hash.is_none(), "no password until the user chooses one");
    let links = user_community::Entity::find()
        .filter(user_community::Column::UserId.eq(u.id))
        .count(app.store.conn())
        .await
        .unwrap();
    assert_eq!(links, 2);

    let list = admin.get("/admin/users").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.text.contains("li.na")
            && list.text.contains("李娜")
            && list.text.contains("north community, south community")
    );
    assert!(list.text.contains(&format!("/admin/users/{}", u.id)));

    complete_setup(&app, &token, "li.na", "a quiet river at dawn").await;
    let row = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("issue_setup_link"))
        .filter(audit_log::Column::EntityId.eq(u.id))
        .count(app.store.conn())
        .await
        .unwrap();
    assert_eq!(row, 1, "issuing the link is audited");
}

#[tokio::test]
async fn user_form_rejects_bad_input_inline_and_stores_nothing() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut admin = app.login_as("root", "admin", &[]).await;
    app.user("taken", "viewer", &["north"]).await;
    let before = user_count(&app).await;

    let cases: [BadCase; 7] = [
        (&[("username", ""), ("role", "viewer"), ("communities", "north")], "e-username", "This field is required."),
        (&[("username", "a b!"), ("role", "viewer"), ("communities", "north")], "e-username", "Use 3–64 letters"),
        (&[("username", "x"), ("role", "viewer"), ("communities", "north")], "e-username", "Use 3–64 letters"),
        (
            &[("username", "newbie"), ("role", "root"), ("communities", "north")],
            "e-role",
            "Choose one of the listed options.",
        ),
        (&[("username", "Taken"), ("role", "viewer"), ("communities", "north")], "e-username", "already taken"),
        (&[("username", "newbie"), ("role", "coordinator")], "e-communities", "This field is required."),
        (
            &[("username", "newbie"), ("role", "viewer"), ("communities", "atlantis")],
            "e-communities",
            "No such community",
        ),
    ];
    for (fields, marker, message) in cases {
        let res = admin.post_form("/admin/users/new", fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}: {}", res.text);
        assert!(res.text.contains(&format!(r#"id="{marker}""#)), "{fields:?}: no inline {marker}");
        assert!(res.text.contains(message), "{fields:?}: message {message:?} missing");
        assert!(!res.text.contains("/setup/"), "no link for a user that was not created");
        assert_eq!(user_count(&app).await, before, "{fields:?} stored a user");
    }
    // The form keeps what was typed.
    let res = admin
        .post_form("/admin/users/new", &[("username", "newbie"), ("display_name", "<b>New</b>"), ("role", "root")])
        .await;
    assert!(res.text.contains(r#"value="newbie""#));
    assert!(res.text.contains("&#60;b&#62;New&#60;/b&#62;") && !res.text.contains("<b>New</b>"), "escaped");
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_enabling_lets_them_back() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut admin = app.login_as("root", "admin", &[]).await;
    let mut worker = app.login_as("maria", "caseworker", &["north"]).await;
    assert_eq!(worker.get("/households").await.status, StatusCode::OK);
    let id = user_id(&app, "maria").await;

    let res = admin.post_form(&format!("/admin/users/{id}/disable"), &[("confirmed", "yes")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = admin.get(&res.location()).await;
    assert!(page.text.contains("Disabled"));
    assert!(users::by_username(&app.store, "maria").await.unwrap().unwrap().disabled);

    let next = worker.get("/households").await;
    assert_eq!(next.status, StatusCode::SEE_OTHER);
    assert!(next.location().starts_with("/login"), "{}", next.location());
    assert_eq!(app.client().login("maria", PASSWORD).await.status, StatusCode::UNAUTHORIZED);

    let res = admin.post_form(&format!("/admin/users/{id}/enable"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(app.client().login("maria", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_admin_cannot_disable_or_demote_themself() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut admin = app.login_as("root", "admin", &[]).await;
    let id = user_id(&app, "root").await;

    let res = admin.post_form(&format!("/admin/users/{id}/disable"), &[("confirmed", "yes")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("You cannot demote or disable your own account."));
    let res = admin
        .post_form(
            &format!("/admin/users/{id}"),
            &[("display_name", "Root"), ("role", "viewer"), ("communities", "north")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains(r#"id="e-role""#));
    let me = users::by_username(&app.store, "root").await.unwrap().unwrap();
    assert!(!me.disabled);
    assert_eq!((me.role.as_str(), me.display_name.as_str()), ("admin", "root"), "nothing stored");
    assert_eq!(admin.get("/admin/users").await.status, StatusCode::OK, "still an admin, still logged in");
}

#[tokio::test]
async fn admin_changes_role_and_communities() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let mut admin = app.login_as("root", "admin", &[]).await;
    let mut worker = app.login_as("maria", "caseworker", &["north"]).await;
    let id = user_id(&app, "maria").await;

    let page = admin.get(&format!("/admin/users/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(r#"value="north" checked"#) && page.text.contains(r#"value="caseworker" selected"#));

    // A display-name change alone keeps the user's session.
    let res = admin
        .post_form(
            &format!("/admin/users/{id}"),
            &[("display_name", "Maria G."), ("role", "caseworker"), ("communities", "north")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(worker.get("/households").await.status, StatusCode::OK);

    // A coordinator needs a community.
    let res =
        admin.post_form(&format!("/admin/users/{id}"), &[("display_name", "Maria G."), ("role", "coordinator")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains(r#"id="e-communities""#));
    assert_eq!(users::by_username(&app.store, "maria").await.unwrap().unwrap().role.as_str(), "caseworker");

    let res = admin
        .post_form(
            &format!("/admin/users/{id}"),
            &[("display_name", "Maria G."), ("role", "coordinator"), ("communities", "south")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let u = users::by_username(&app.store, "maria").await.unwrap().unwrap();
    assert_eq!((u.role.as_str(), u.display_name.as_str()), ("coordinator", "Maria G."));
    let actor = users::actor_for(&app.store, &u).await.unwrap();
    let south = community::Entity::find()
        .filter(community::Column::Slug.eq("south"))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(actor.scope, hearth_core::Scope::Communities(vec![south.id]));
    // New scope: the old session ends.
    assert_eq!(worker.get("/households").await.status, StatusCode::SEE_OTHER);

    assert_eq!(admin.get("/admin/users/999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.get("/admin/users/abc").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reset_gives_a_one_time_link_and_ends_the_old_password() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut admin = app.login_as("root", "admin", &[]).await;
    let mut worker = app.login_as("maria", "caseworker", &["north"]).await;
    let id = user_id(&app, "maria").await;

    let res = admin.post_form(&format!("/admin/users/{id}/reset"), &[("confirmed", "yes")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let token = setup_token(&res.text);
    assert_eq!(worker.get("/households").await.status, StatusCode::SEE_OTHER, "sessions ended");
    assert_eq!(app.client().login("maria", PASSWORD).await.status, StatusCode::UNAUTHORIZED, "old password dead");
    complete_setup(&app, &token, "maria", "new bicycle on the hill").await;
}

#[tokio::test]
async fn communities_are_created_with_inline_errors_for_bad_input() {
    let app = spawn_app().await;
    app.community("north").await;
    app.household("north", "N-1").await;
    app.household("north", "N-2").await;
    let mut admin = app.login_as("root", "admin", &[]).await;
    let count = || async { community::Entity::find().count(app.store.conn()).await.unwrap() };

    let list = admin.get("/admin/communities").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("north community") && list.text.contains("2016-01-01"));
    assert!(list.text.contains(r#"data-label="Households">2</td>"#), "household count");
    assert_eq!(admin.get("/admin/communities/new").await.status, StatusCode::OK);

    let bad: [BadCase; 5] = [
        (&[("name", "West"), ("slug", "West Side")], "e-slug", "Use 2–40 lower-case letters"),
        (&[("name", "West"), ("slug", "")], "e-slug", "This field is required."),
        (&[("name", ""), ("slug", "west")], "e-name", "This field is required."),
        (&[("name", "Another north"), ("slug", "north")], "e-slug", "already uses this short name"),
        (&[("name", "West"), ("slug", "west"), ("established_on", "2016-02-30")], "e-established_on", "no such date"),
    ];
    for (fields, marker, message) in bad {
        let res = admin.post_form("/admin/communities/new", fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}: {}", res.text);
        assert!(res.text.contains(&format!(r#"id="{marker}""#)), "{fields:?}: no inline {marker}");
        assert!(res.text.contains(message), "{fields:?}: {message:?} missing");
        assert_eq!(count().await, 1, "{fields:?} stored a community");
    }

    let res = admin
        .post_form(
            "/admin/communities/new",
            &[
                ("name", "佳福社区 Jiafu"),
                ("slug", "west"),
                ("address", "佳福路88号"),
                ("established_on", "2016-01-01"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let list = admin.get(&res.location()).await;
    assert!(list.text.contains("佳福社区 Jiafu") && list.text.contains("“west”"), "{}", list.text);
    assert_eq!(count().await, 2);
}

#[tokio::test]
async fn audit_page_filters_pages_and_verifies_the_chain() {
    let app = spawn_app().await;
    let north = app.community("north").await;
    app.community("south").await;
    let h = app.household("north", "N-1").await;
    app.household("south", "S-1").await;
    let mut admin = app.login_as("root", "admin", &[]).await;
    let mut maria = app.login_as("maria", "caseworker", &["north"]).await;
    assert_eq!(maria.get(&format!("/households/{}", h.id)).await.status, StatusCode::OK);

    let all = admin.get("/admin/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.text.contains("maria") && all.text.contains("cli"));

    // By actor: only maria's rows.
    let mine = admin.get("/admin/audit?actor=maria").await;
    let rows_of = |text: &str| text.matches(r#"<tr id="audit-"#).count();
    assert!(rows_of(&mine.text) >= 2, "login and read");
    assert!(!mine.text.contains(r#"data-label="Actor">cli</td>"#));
    // By entity and id, action, and community.
    let read = admin.get(&format!("/admin/audit?entity=household&entity_id={}&action=read", h.id)).await;
    assert_eq!(rows_of(&read.text), 1, "{}", read.text);
    assert!(read.text.contains(r#"data-label="Actor">maria</td>"#));
    let south_only = admin.get("/admin/audit?community=south&entity=household").await;
    assert_eq!(rows_of(&south_only.text), 1);
    let north_rows =
        audit::list(&app.store, &audit::Filter { community_id: Some(north.id), limit: 500, ..Default::default() })
            .await
            .unwrap();
    let north_page = admin.get("/admin/audit?community=north").await;
    assert_eq!(rows_of(&north_page.text), north_rows.len());
    assert!(north_page.text.contains(&north_rows[0].hash[..12]), "short hash shown");

    // Bad filters: inline errors, no rows.
    let bad = admin.get("/admin/audit?entity_id=abc").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains(r#"id="e-entity_id""#));
    let bad = admin.get("/admin/audit?community=atlantis").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains(r#"id="e-community""#));

    // 100 a page, newest first, and an "older" link that continues where the page ended.
    for i in 0..120 {
        audit::record(&app.store, &Actor::system(), audit::Entry::new(Action::DemoLogins, EntityKind::User, Some(i)))
            .await
            .unwrap();
    }
    let first = admin.get("/admin/audit?action=demo_logins").await;
    assert_eq!(rows_of(&first.text), 100);
    assert!(first.text.find(r#"data-label="Id">119<"#) < first.text.find(r#"data-label="Id">118<"#), "newest first");
    let start = first.text.find("/admin/audit?action=demo_logins&#38;before=").expect("older link");
    let href: String = first.text[start..].chars().take_while(|c| *c != '"').collect::<String>().replace("&#38;", "&");
    let second = admin.get(&href).await;
    assert_eq!(rows_of(&second.text), 20, "{href}");
    assert!(second.text.contains(r#"data-label="Id">0<"#) && !second.text.contains(r#"data-label="Id">20<"#));
    assert!(!second.text.contains("before="), "no older page after the last");

    // Verify: intact, then tampered.
    let ok = admin.post_form("/admin/audit/verify", &[]).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.text.contains("The audit chains are intact"), "{}", ok.text);
    let victim = north_rows.last().unwrap().id;
    let seq = audit_log::Entity::find_by_id(victim).one(app.store.conn()).await.unwrap().unwrap().seq;
    app.store
        .writer()
        .execute_unprepared(&format!("UPDATE audit_log SET summary = 'nothing happened' WHERE id = {victim}"))
        .await
        .unwrap();
    let broken = admin.post_form("/admin/audit/verify", &[]).await;
    assert!(
        broken.text.contains(&format!("broken in the chain of community “north community”, at its entry {seq}")),
        "{}",
        broken.text
    );
}

#[tokio::test]
async fn only_admins_reach_the_admin_pages() {
    let app = spawn_app().await;
    app.community("north").await;
    let target = app.user("target", "caseworker", &["north"]).await;
    let gets = [
        "/admin".to_string(),
        "/admin/users".into(),
        "/admin/users/new".into(),
        format!("/admin/users/{}", target.id),
        "/admin/communities".into(),
        "/admin/communities/new".into(),
        "/admin/audit".into(),
    ];
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/admin/users/new".into(), vec![("username", "sneaky"), ("role", "admin")]),
        (format!("/admin/users/{}", target.id), vec![("display_name", "x"), ("role", "admin")]),
        (format!("/admin/users/{}/disable", target.id), vec![]),
        (format!("/admin/users/{}/enable", target.id), vec![]),
        (format!("/admin/users/{}/reset", target.id), vec![]),
        ("/admin/communities/new".into(), vec![("name", "Sneaky"), ("slug", "sneaky")]),
        ("/admin/audit/verify".into(), vec![]),
    ];
    for role in ["coordinator", "caseworker", "volunteer", "viewer"] {
        let mut c = app.login_as(&format!("{role}-user"), role, &["north"]).await;
        for path in &gets {
            // Coordinators read their communities' audit entries (not verify the chains).
            let expected = if role == "coordinator" && path.as_str() == "/admin/audit" {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(c.get(path).await.status, expected, "{role} GET {path}");
        }
        for (path, fields) in &posts {
            let res = c.post_form(path, fields).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role} POST {path}");
        }
    }
    let mut anon = app.client();
    for path in &gets {
        let res = anon.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "anonymous GET {path}");
        assert!(res.location().starts_with("/login"));
    }
    for (path, fields) in &posts {
        let res = anon.post_form(path, fields).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "anonymous POST {path}");
    }
    // Nothing changed.
    let t = users::by_username(&app.store, "target").await.unwrap().unwrap();
    assert!(!t.disabled && t.password_hash.is_some() && t.role.as_str() == "caseworker");
    assert!(users::by_username(&app.store, "sneaky").await.unwrap().is_none());
    assert_eq!(community::Entity::find().count(app.store.conn()).await.unwrap(), 1);
    // And an admin is let in.
    let mut admin = app.login_as("root", "admin", &[]).await;
    for path in &gets {
        let res = admin.get(path).await;
        assert!(res.status == StatusCode::OK || res.location() == "/admin/users", "admin GET {path}: {}", res.status);
    }
}
