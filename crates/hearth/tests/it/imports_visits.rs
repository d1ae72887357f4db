//! The visits and service requests spreadsheets: a ledger in the shapes teams keep (Chinese
//! headers, dates as 2016/3/4 and 2016年3月4日, choices in either language, visitors by
//! username or display name) imports with the right values; importing it again changes
//! nothing; a bad row is named by line and field and stores nothing unless only the valid
//! rows are asked for; and only the team of the community may import.

use std::collections::BTreeSet;
use std::sync::Arc;

use hearth_core::auth::users::{self, NewUser};
use hearth_core::entity::{audit_log, note, request, user, visit, visit_visitor};
use hearth_core::import::{self, Mode, Names, Report, sheet::Source};
use hearth_core::requests::RequestStatus;
use hearth_core::visits::VisitPurpose;
use hearth_core::{Actor, CoreError, CoreResult, archive};
use hearth_web::i18n::AllLanguages;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::*;

async fn import_as(
    app: &TestApp,
    actor: &Actor,
    slug: &str,
    template: &str,
    csv: &str,
    mode: Mode,
) -> CoreResult<Report> {
    let community = import::community_for(&app.store, &Actor::system(), slug).await.unwrap();
    let source = Source::Bytes(Arc::new(csv.as_bytes().to_vec()));
    let job = import::Job {
        community: &community,
        template: import::template(template).unwrap(),
        source: &source,
        columns: None,
        mode,
    };
    Ok(import::run(&app.store, actor, job, &AllLanguages, &|_| {}).await?.0)
}

async fn actor(app: &TestApp, u: &user::Model) -> Actor {
    users::actor_for(&app.store, u).await.unwrap()
}

/// A user whose display name is not their username (how a ledger names people).
async fn named(app: &TestApp, username: &str, display_name: &str, role: &str, communities: &[&str]) -> user::Model {
    let new = NewUser {
        username: username.into(),
        display_name: display_name.into(),
        role: role.into(),
        communities: communities.iter().map(|s| s.to_string()).collect(),
        password: None,
    };
    users::create(&app.store, &Actor::system(), new).await.unwrap()
}

/// (line, field, code) of each problem a report names.
fn problems(r: &Report) -> BTreeSet<(u64, String, String)> {
    r.errors.iter().map(|e| (e.line, e.field.clone(), e.code.clone())).collect()
}

fn problem(line: u64, field: &str, code: &str) -> (u64, String, String) {
    (line, field.to_owned(), code.to_owned())
}

/// A day a month from now, as a ledger writes it.
fn next_month() -> String {
    (chrono::Local::now().date_naive() + chrono::Days::new(30)).format("%Y/%m/%d").to_string()
}

async fn visits_in(app: &TestApp, community: i64) -> Vec<(visit::Model, BTreeSet<i64>)> {
    let mut out = Vec::new();
    for v in visit::Entity::find().filter(visit::Column::CommunityId.eq(community)).all(app.store.conn()).await.unwrap()
    {
        let who = visit_visitor::Entity::find()
            .filter(visit_visitor::Column::VisitId.eq(v.id))
            .all(app.store.conn())
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.user_id)
            .collect();
        out.push((v, who));
    }
    out
}

async fn import_audits(app: &TestApp, community: i64, entity: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::CommunityId.eq(community))
        .filter(audit_log::Column::Entity.eq(entity))
        .filter(audit_log::Column::Action.eq("create"))
        .count(app.store.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_visit_ledger_imports_with_its_visitors_and_importing_it_again_changes_nothing() {
    let app = spawn_app().await;
    let c = app.community("vl").await;
    let homes: Vec<i64> = [
        hh(&app, "vl", "V-1", "2015-01-01", None, 0).await,
        hh(&app, "vl", "V-2", "2015-01-01", None, 0).await,
        hh(&app, "vl", "V-3", "2015-01-01", None, 0).await,
        hh(&app, "vl", "V-4", "2015-01-01", None, 0).await,
    ]
    .into();
    let importer = app.user("importer", "caseworker", &["vl"]).await;
    let me = actor(&app, &importer).await;
    let wang = app.user("wang", "caseworker", &["vl"]).await;
    let fang = named(&app, "fang", "王芳", "volunteer", &["vl"]).await; // volunteers go along too
    let li = named(&app, "liwei", "Li Wei", "coordinator", &["vl"]).await; // a name with a space
    let csv = "嘉福社区入户走访登记表,,,,,\n\
               户号,走访日期,走访事由,走访人,陪同人员,走访情况\n\
               V-1,2016/3/4,入住欢迎走访,wang,楼长老李,初次见面\n\
               V-2,2016年3月5日,Hardship check,\"王芳、Li Wei\",,家中困难\n\
               V-3,2016-03-06,跟进走访,,,\n\
               V-4,2016/3/7,other,\"WANG，liwei\",,\n";
    let r = import_as(&app, &me, "vl", "visits", csv, Mode::AllOrNothing).await.unwrap();
    assert!(r.ok() && r.committed, "{r:?}");
    assert_eq!((r.header_line, r.rows, r.new), (2, 4, 4));
    let stored = visits_in(&app, c.id).await;
    let of = |home: i64| stored.iter().find(|(v, _)| v.household_id == home).unwrap();
    let ids = |users: &[&user::Model]| users.iter().map(|u| u.id).collect::<BTreeSet<i64>>();
    let (v1, who1) = of(homes[0]);
    assert_eq!((v1.visited_on, v1.purpose), (d("2016-03-04"), VisitPurpose::Welcome));
    assert_eq!((v1.companions.as_deref(), v1.notes.as_deref()), (Some("楼长老李"), Some("初次见面")));
    assert_eq!(*who1, ids(&[&wang]));
    let (v2, who2) = of(homes[1]);
    assert_eq!(
        (v2.visited_on, v2.purpose, v2.companions.as_deref()),
        (d("2016-03-05"), VisitPurpose::HardshipCheck, None)
    );
    assert_eq!(*who2, ids(&[&fang, &li]));
    let (v3, who3) = of(homes[2]);
    assert_eq!((v3.visited_on, v3.purpose), (d("2016-03-06"), VisitPurpose::FollowUp));
    assert_eq!(*who3, ids(&[&importer]), "nobody named: the importing worker went");
    let (v4, who4) = of(homes[3]);
    assert_eq!((v4.purpose, who4.clone()), (VisitPurpose::Other, ids(&[&wang, &li])));
    assert!(stored.iter().all(|(v, _)| v.recorded_by == Some(importer.id)));
    assert_eq!(import_audits(&app, c.id, "visit").await, 1, "one audit entry for the batch");
    // The entry names each household visited, so the import is in its trail as a form's is.
    let named: BTreeSet<i64> = hearth_core::entity::audit_record::Entity::find()
        .filter(hearth_core::entity::audit_record::Column::Entity.eq("household"))
        .filter(hearth_core::entity::audit_record::Column::Chain.eq(c.id))
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entity_id)
        .collect();
    assert!(homes.iter().all(|h| named.contains(h)), "{named:?}");

    // The same file again: nothing new, not even an audit row.
    let before = archive::checksums(&app.store).await.unwrap();
    let again = import_as(&app, &me, "vl", "visits", csv, Mode::AllOrNothing).await.unwrap();
    assert_eq!((again.new, again.unchanged, again.rejected, again.committed), (0, 4, 0, false));
    assert_eq!(before, archive::checksums(&app.store).await.unwrap());

    // The same visit with other details, or other visitors, is refused, never written over.
    let changed = csv.replace("初次见面", "第二次").replace("\"WANG，liwei\"", "wang");
    let r = import_as(&app, &me, "vl", "visits", &changed, Mode::ValidOnly).await.unwrap();
    assert_eq!((r.new, r.unchanged, r.rejected), (0, 2, 2));
    assert_eq!(
        problems(&r),
        [problem(3, "visited_on", "exists_differs"), problem(6, "visited_on", "exists_differs")].into()
    );
    assert_eq!(before, archive::checksums(&app.store).await.unwrap());
}

#[tokio::test]
async fn bad_visit_rows_are_named_and_stored_only_when_the_valid_rows_are_asked_for() {
    let app = spawn_app().await;
    let c = app.community("vb").await;
    app.community("vb-other").await;
    for code in ["B-1", "B-2", "B-3", "B-4", "B-5", "B-6", "B-7", "B-8"] {
        hh(&app, "vb", code, "2015-01-01", None, 0).await;
    }
    app.user("wang", "caseworker", &["vb"]).await;
    app.user("outsider", "caseworker", &["vb-other"]).await;
    app.user("reader", "viewer", &["vb"]).await;
    let csv = format!(
        "户号,走访日期,走访目的,走访人员,备注\n\
         B-1,2016-03-04,welcome,wang,ok\n\
         Z-9,2016-03-04,welcome,wang,\n\
         B-2,{},welcome,wang,\n\
         B-3,2016-03-04,,wang,\n\
         B-4,2016-03-04,welcome,nobody,\n\
         B-5,2016-03-04,welcome,\"wang, outsider\",\n\
         B-6,2016-03-04,welcome,reader,\n\
         B-7,2016-03-05,跟进走访,wang,\n\
         B-8,2016-03-06,welcome,,\n",
        next_month()
    );
    // The command line imports as nobody: a row naming no visitor cannot default to them.
    let sys = Actor::system();
    let r = import_as(&app, &sys, "vb", "visits", &csv, Mode::AllOrNothing).await.unwrap();
    assert!(!r.ok() && !r.committed);
    let expected: BTreeSet<_> = [
        problem(3, "household_code", "unknown_household"),
        problem(4, "visited_on", "date_in_future"),
        problem(5, "purpose", "required"),
        problem(6, "visitors", "unknown_user"),
        problem(7, "visitors", "unknown_user"),
        problem(8, "visitors", "unknown_user"),
        problem(10, "visitors", "required"),
    ]
    .into();
    assert_eq!(problems(&r), expected, "{:?}", r.errors);
    let at = |line| r.errors.iter().find(|e| e.line == line).unwrap();
    assert_eq!((at(3).column.as_deref(), at(3).value.as_str()), (Some("户号"), "Z-9"));
    assert_eq!(at(7).column.as_deref(), Some("走访人员"));
    assert!(visits_in(&app, c.id).await.is_empty(), "all or nothing: nothing");
    let checked = import_as(&app, &sys, "vb", "visits", &csv, Mode::Check).await.unwrap();
    assert_eq!((problems(&checked), checked.new), (expected.clone(), 2));
    assert!(visits_in(&app, c.id).await.is_empty());

    let r = import_as(&app, &sys, "vb", "visits", &csv, Mode::ValidOnly).await.unwrap();
    assert_eq!((r.new, r.rejected, r.committed), (2, 7, true));
    let mut days: Vec<_> = visits_in(&app, c.id).await.into_iter().map(|(v, w)| (v.visited_on, w.len())).collect();
    days.sort();
    assert_eq!(days, [(d("2016-03-04"), 1), (d("2016-03-05"), 1)]);
}

#[tokio::test]
async fn a_request_ledger_imports_with_where_each_stands_and_importing_it_again_changes_nothing() {
    let app = spawn_app().await;
    let c = app.community("rl").await;
    let codes = ["R-1", "R-2", "R-3", "R-4", "R-5"];
    let mut homes = Vec::new();
    for code in codes {
        homes.push(hh(&app, "rl", code, "2015-01-01", None, 0).await);
    }
    let importer = app.user("importer", "caseworker", &["rl"]).await;
    let me = actor(&app, &importer).await;
    let csv = "服务申请台账,,,,,,,,\n\
               户号,申请类别,需要什么,服务单位,申请日期,办理状态,转交日期,办结日期,备注\n\
               R-1,有线电视,开通有线电视,歌华有线,2016/3/4,已办结,2016/3/5,2016年3月9日,已装好\n\
               R-2,Internet,宽带安装,联通,2016年3月4日,Passed to the provider,2016-03-06,,\n\
               R-3,cable,开通有线电视,,2016-03-07,,,,\n\
               R-4,维修 ,修水管,物业,2016/3/8,无法办结,,2016/3/20,房东不同意\n\
               R-5, Water or Power ,开户,自来水公司,2016/3/8,resolved,,2016/3/10,\n";
    let r = import_as(&app, &me, "rl", "requests", csv, Mode::AllOrNothing).await.unwrap();
    assert!(r.ok() && r.committed, "{r:?}");
    assert_eq!((r.header_line, r.rows, r.new), (2, 5, 5));
    let stored =
        request::Entity::find().filter(request::Column::CommunityId.eq(c.id)).all(app.store.conn()).await.unwrap();
    assert_eq!(stored.len(), 5);
    let of = |n: usize| stored.iter().find(|r| r.household_id == homes[n]).unwrap();
    let shape = |r: &request::Model| {
        (r.kind.clone(), r.provider.clone(), r.opened_on, r.status, r.passed_on, r.resolved_on, r.created_by)
    };
    let by = Some(importer.id);
    assert_eq!(
        shape(of(0)),
        (
            "cable".into(),
            Some("歌华有线".into()),
            d("2016-03-04"),
            RequestStatus::Resolved,
            Some(d("2016-03-05")),
            Some(d("2016-03-09")),
            by
        )
    );
    assert_eq!(of(0).description, "开通有线电视");
    assert_eq!(
        shape(of(1)),
        (
            "internet".into(),
            Some("联通".into()),
            d("2016-03-04"),
            RequestStatus::PassedToProvider,
            Some(d("2016-03-06")),
            None,
            by
        )
    );
    assert_eq!(shape(of(2)), ("cable".into(), None, d("2016-03-07"), RequestStatus::Open, None, None, by));
    assert_eq!(
        shape(of(3)),
        (
            "repairs".into(),
            Some("物业".into()),
            d("2016-03-08"),
            RequestStatus::CannotResolve,
            None,
            Some(d("2016-03-20")),
            by
        )
    );
    assert_eq!((of(4).kind.as_str(), of(4).status), ("utilities", RequestStatus::Resolved));
    // The notes are in each request's log, by the importing worker.
    let notes = note::Entity::find().filter(note::Column::CommunityId.eq(c.id)).all(app.store.conn()).await.unwrap();
    let mut logged: Vec<(i64, &str, Option<i64>)> =
        notes.iter().map(|n| (n.entity_id, n.body.as_str(), n.author_user_id)).collect();
    logged.sort();
    let mut expected = vec![(of(0).id, "已装好", by), (of(3).id, "房东不同意", by)];
    expected.sort();
    assert_eq!(logged, expected);
    assert!(notes.iter().all(|n| n.entity == "service_request"));
    assert_eq!(import_audits(&app, c.id, "service_request").await, 1, "one audit entry for the batch");

    let before = archive::checksums(&app.store).await.unwrap();
    let again = import_as(&app, &me, "rl", "requests", csv, Mode::AllOrNothing).await.unwrap();
    assert_eq!((again.new, again.unchanged, again.rejected, again.committed), (0, 5, 0, false));
    assert_eq!(before, archive::checksums(&app.store).await.unwrap());

    // The same request standing elsewhere is refused, never moved along by a spreadsheet.
    let changed =
        csv.replace("R-3,cable,开通有线电视,,2016-03-07,,,,", "R-3,cable,开通有线电视,,2016-03-07,已办结,,2016-03-08,");
    let r = import_as(&app, &me, "rl", "requests", &changed, Mode::ValidOnly).await.unwrap();
    assert_eq!((r.new, r.unchanged, r.rejected), (0, 4, 1));
    assert_eq!(problems(&r), [problem(5, "opened_on", "exists_differs")].into());
    assert_eq!(before, archive::checksums(&app.store).await.unwrap());
}

#[tokio::test]
async fn bad_request_rows_are_named_and_stored_only_when_the_valid_rows_are_asked_for() {
    let app = spawn_app().await;
    let c = app.community("rb").await;
    for code in ["Q-1", "Q-2", "Q-3", "Q-4", "Q-5", "Q-6", "Q-7", "Q-8", "Q-9", "Q-10"] {
        hh(&app, "rb", code, "2015-01-01", None, 0).await;
    }
    let csv = format!(
        "户号,类别,需要什么,申请日期,状态,转交日期,办结日期,备注\n\
         Q-1,cable,开通,2016-03-04,,,,\n\
         Z-9,cable,开通,2016-03-04,,,,\n\
         Q-2,煤气,开通,2016-03-04,,,,\n\
         Q-3,cable,,2016-03-04,,,,\n\
         Q-4,cable,开通,{},,,,\n\
         Q-5,cable,开通,2016-03-04,cannot_resolve,,2016-03-05,\n\
         Q-6,cable,开通,2016-03-04,resolved,,2016-03-01,\n\
         Q-7,cable,开通,2016-03-04,open,,2016-03-05,\n\
         Q-8,cable,开通,2016-03-04,已转交服务单位,,,\n\
         Q-9,cable,开通,2016-03-04,已办结,2016-03-06,2016-03-05,\n\
         Q-10,宽带网络,宽带,2016-03-04,,,,\n",
        next_month()
    );
    let sys = Actor::system();
    let r = import_as(&app, &sys, "rb", "requests", &csv, Mode::AllOrNothing).await.unwrap();
    assert!(!r.ok() && !r.committed);
    let expected: BTreeSet<_> = [
        problem(3, "household_code", "unknown_household"),
        problem(4, "kind", "unknown_kind"),
        problem(5, "description", "required"),
        problem(6, "opened_on", "date_in_future"),
        problem(7, "note", "required"),
        problem(8, "resolved_on", "date_before_opened"),
        problem(9, "resolved_on", "date_needs_status"),
        problem(10, "passed_on", "required"),
        problem(11, "resolved_on", "date_before_passed"),
    ]
    .into();
    assert_eq!(problems(&r), expected, "{:?}", r.errors);
    let count = || request::Entity::find().filter(request::Column::CommunityId.eq(c.id)).count(app.store.conn());
    assert_eq!(count().await.unwrap(), 0, "all or nothing: nothing");

    let r = import_as(&app, &sys, "rb", "requests", &csv, Mode::ValidOnly).await.unwrap();
    assert_eq!((r.new, r.rejected, r.committed), (2, 9, true));
    let mut kinds: Vec<String> = request::Entity::find()
        .filter(request::Column::CommunityId.eq(c.id))
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["cable", "internet"]);
}

#[tokio::test]
async fn only_the_communitys_team_may_import_visits_and_requests() {
    let app = spawn_app().await;
    let c = app.community("pm").await;
    app.community("pm-other").await;
    hh(&app, "pm", "P-1", "2015-01-01", None, 0).await;
    let visits = "户号,走访日期,走访目的\nP-1,2016-03-04,welcome\n";
    let requests = "户号,类别,需要什么,申请日期\nP-1,cable,开通,2016-03-04\n";
    for (username, role, community) in
        [("vol", "volunteer", "pm"), ("reader", "viewer", "pm"), ("stranger", "caseworker", "pm-other")]
    {
        let who = actor(&app, &app.user(username, role, &[community]).await).await;
        for (template, csv) in [("visits", visits), ("requests", requests)] {
            let refused = import_as(&app, &who, "pm", template, csv, Mode::AllOrNothing).await;
            match refused {
                Err(CoreError::Forbidden) => assert_ne!(role, "caseworker"),
                Err(CoreError::NotFound) => assert_eq!(role, "caseworker", "another community's is not there"),
                other => panic!("{username} imported {template}: {other:?}"),
            }
        }
    }
    assert!(visits_in(&app, c.id).await.is_empty());
    assert_eq!(
        request::Entity::find().filter(request::Column::CommunityId.eq(c.id)).count(app.store.conn()).await.unwrap(),
        0
    );
    // The community's own caseworker may.
    let own = actor(&app, &app.user("own", "caseworker", &["pm"]).await).await;
    for (template, csv) in [("visits", visits), ("requests", requests)] {
        let r = import_as(&app, &own, "pm", template, csv, Mode::AllOrNothing).await.unwrap();
        assert_eq!(r.new, 1, "{r:?}");
    }
}

/// Each field has a name in both languages (the blank template's bilingual header and the
/// header matching need them), and each problem these templates name has a sentence.
#[test]
fn the_visit_and_request_templates_are_named_in_both_languages() {
    for key in ["visits", "requests"] {
        let t = import::template(key).unwrap();
        let mut wanted = vec![format!("import-template-{key}")];
        wanted.extend(t.fields.iter().map(|f| t.field_name_key(f.key)));
        for w in wanted {
            assert_eq!(AllLanguages.spellings(&w).len(), 2, "{w}");
        }
    }
    for code in [
        "unknown_household",
        "unknown_user",
        "unknown_kind",
        "date_in_future",
        "date_before_opened",
        "date_before_passed",
        "date_needs_status",
        "exists_differs",
        "required",
    ] {
        let key = format!("err-{}", code.replace('_', "-"));
        assert_eq!(AllLanguages.spellings(&key).len(), 2, "{key}");
    }
}
