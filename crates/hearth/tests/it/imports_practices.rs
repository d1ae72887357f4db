//! The practices' spreadsheets through the one import mechanism: a program's sign-in sheets,
//! a placement ledger and a pairing ledger. Each, with Chinese headers and dates in every
//! shape, stores what the forms would store; imported again it changes nothing; a bad row
//! (an unknown program, session, person, employer or helper, a missing field) is named by
//! line and field, all or nothing stores none and the valid-only choice the others; and each
//! needs its practice's right.

use std::sync::Arc;

use hearth_core::auth::users;
use hearth_core::entity::{attendance, check_in, pair, placement, program, program_session, resident};
use hearth_core::import::{self, Mode, Names, Report, sheet::Source};
use hearth_core::jobs::{EndReason, PlacedVia, employers};
use hearth_core::pairs::{Cadence, helpers};
use hearth_core::programs::{SessionStatus, schedule};
use hearth_core::{Actor, CoreError, CoreResult, archive};
use hearth_web::i18n::{AllLanguages, FluentArg, Lang};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::support::*;

async fn import_as(app: &TestApp, actor: &Actor, template: &str, csv: &str, mode: Mode) -> CoreResult<Report> {
    let community = import::community_for(&app.store, &Actor::system(), "north").await.unwrap();
    let source = Source::Bytes(Arc::new(csv.as_bytes().to_vec()));
    let t = import::template(template).unwrap();
    let job = import::Job { community: &community, template: t, source: &source, columns: None, mode };
    Ok(import::run(&app.store, actor, job, &AllLanguages, &|_| {}).await?.0)
}

async fn run(app: &TestApp, template: &str, csv: &str, mode: Mode) -> Report {
    import_as(app, &Actor::system(), template, csv, mode).await.unwrap()
}

/// A user of north with `role`, as the actor their requests would carry.
async fn actor(app: &TestApp, username: &str, role: &str) -> (i64, Actor) {
    let u = app.user(username, role, &["north"]).await;
    (u.id, users::actor_for(&app.store, &u).await.unwrap())
}

/// (line, field, code) of every refused row, by line (a row the reading refuses is reported
/// before the rows its batch refuses).
fn refused(r: &Report) -> Vec<(u64, &str, &str)> {
    let mut out: Vec<_> = r.errors.iter().map(|e| (e.line, e.field.as_str(), e.code.as_str())).collect();
    out.sort();
    out
}

/// Every problem a report names has its sentence (both languages having the same keys is
/// the web crate's own test).
fn explained(r: &Report) {
    for e in &r.errors {
        let key = format!("err-{}", e.code.replace('_', "-"));
        for lang in Lang::ALL {
            let sentence = lang.t_args(&key, &[("max", FluentArg::Num(1))]);
            assert!(!sentence.starts_with("Unknown localization"), "{key}: {sentence}");
        }
    }
}

/// North with households A-1 (张伟, 李娜), A-2 (王芳, ledger ID R-007) and A-3, as a
/// ledger brings them.
async fn north(app: &TestApp) {
    app.community("north").await;
    let homes =
        run(app, "households", "户号,地址\nA-1,嘉福路1号\nA-2,嘉福路2号\nA-3,嘉福路3号\n", Mode::AllOrNothing).await;
    let people =
        run(app, "residents", "户号,编号,姓名\nA-1,,张伟\nA-1,,李娜\nA-2,R-007,王芳\n", Mode::AllOrNothing).await;
    assert!(homes.committed && people.committed, "{homes:?} {people:?}");
}

async fn resident_id(app: &TestApp, name: &str) -> i64 {
    resident::Entity::find()
        .filter(resident::Column::FullName.eq(name))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn count<E: EntityTrait>(app: &TestApp) -> u64
where
    E::Model: Sync,
{
    E::find().count(app.store.conn()).await.unwrap()
}

// ---------------------------------------------------------------------------------------
// Attendance

/// A class of north on Tuesdays in March 2016 (1, 8, 15, 22, 29), 19:00 for an hour.
async fn tuesday_class(app: &TestApp, name: &str) -> program::Model {
    schedule::create(
        &app.store,
        &Actor::system(),
        hearth_core::programs::ProgramInput {
            community: Some("north".into()),
            name: Some(name.into()),
            kind: Some("language".into()),
            starts_on: Some("2016-03-01".into()),
            ends_on: Some("2016-03-31".into()),
            schedule: vec![hearth_core::programs::SlotInput {
                weekday: Some(2),
                starts_at: Some("19:00".into()),
                duration_minutes: Some(60),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn session(app: &TestApp, program: i64, day: &str) -> program_session::Model {
    program_session::Entity::find()
        .filter(program_session::Column::ProgramId.eq(program))
        .filter(program_session::Column::HeldOn.eq(d(day)))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap()
}

/// (program, day, resident, minutes) of every mark, sorted.
async fn marks(app: &TestApp) -> Vec<(i64, String, i64, i32)> {
    let sessions: std::collections::HashMap<i64, program_session::Model> =
        program_session::Entity::find().all(app.store.conn()).await.unwrap().into_iter().map(|s| (s.id, s)).collect();
    let mut out: Vec<_> = attendance::Entity::find()
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            let s = &sessions[&a.session_id];
            (s.program_id, s.held_on.to_string(), a.resident_id, a.minutes)
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_sign_in_sheet_marks_each_person_at_the_session_of_that_day() {
    let app = spawn_app().await;
    north(&app).await;
    let english = tuesday_class(&app, "英语角 English Corner").await;
    let sewing = tuesday_class(&app, "缝纫班").await;
    let (coordinator, as_coordinator) = actor(&app, "teacher", "coordinator").await;
    // A title row, the program written three ways, dates as 2016/3/1, 2016年3月1日,
    // 08.03.2016 and an Excel serial (42444: 15 March), full-width minutes, a person by ID.
    let sheet = "2016年3月 签到表,,,,,\n\
                 课程名称,上课日期,户号,居民编号,姓名,出勤分钟\n\
                 英语角 English Corner,2016/3/1,A-1,,张伟,\n\
                 英语角english corner,2016年3月1日,A-1,,李娜,４５\n\
                 \u{a0}英语角  ENGLISH CORNER ,08.03.2016,,R-007,,\n\
                 缝纫班,42444,A-1,,张伟,30\n";
    let r = import_as(&app, &as_coordinator, "attendance", sheet, Mode::AllOrNothing).await.unwrap();
    assert!(r.ok() && r.committed, "{r:?}");
    assert_eq!((r.header_line, r.rows, r.new), (2, 4, 4));
    let (zhang, li, wang) =
        (resident_id(&app, "张伟").await, resident_id(&app, "李娜").await, resident_id(&app, "王芳").await);
    let mut want = vec![
        (english.id, "2016-03-01".to_owned(), zhang, 60), // blank: the whole session
        (english.id, "2016-03-01".to_owned(), li, 45),
        (english.id, "2016-03-08".to_owned(), wang, 60),
        (sewing.id, "2016-03-15".to_owned(), zhang, 30),
    ];
    want.sort();
    assert_eq!(marks(&app).await, want);
    let all = attendance::Entity::find().all(app.store.conn()).await.unwrap();
    assert!(all.iter().all(|a| a.marked_by == Some(coordinator)), "{all:?}");
    // Marked sessions are held, as after a roll-call; the others are still planned.
    for (p, day, status) in [
        (english.id, "2016-03-01", SessionStatus::Held),
        (english.id, "2016-03-08", SessionStatus::Held),
        (english.id, "2016-03-15", SessionStatus::Planned),
        (sewing.id, "2016-03-15", SessionStatus::Held),
        (sewing.id, "2016-03-01", SessionStatus::Planned),
    ] {
        assert_eq!(session(&app, p, day).await.status, status, "{p} {day}");
    }

    // The same sheet again changes nothing, not even the audit log.
    let before = archive::checksums(&app.store).await.unwrap();
    let again = import_as(&app, &as_coordinator, "attendance", sheet, Mode::AllOrNothing).await.unwrap();
    assert_eq!((again.new, again.unchanged, again.rejected, again.committed), (0, 4, 0, false));
    assert_eq!(before, archive::checksums(&app.store).await.unwrap());
}

#[tokio::test]
async fn bad_sign_in_rows_are_named_and_stored_only_when_asked() {
    let app = spawn_app().await;
    north(&app).await;
    let english = tuesday_class(&app, "英语角 English Corner").await;
    let cancelled = session(&app, english.id, "2016-03-22").await;
    schedule::change_session(
        &app.store,
        &Actor::system(),
        cancelled.id,
        schedule::SessionInput {
            status: Some("cancelled".into()),
            cancel_reason: Some("Holiday".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let sheet = "课程名称,上课日期,户号,居民编号,姓名,出勤分钟\n\
                 英语角 English Corner,2016-03-01,A-1,,张伟,\n\
                 钢琴课,2016-03-01,A-1,,张伟,\n\
                 英语角 English Corner,2016-03-02,A-1,,李娜,\n\
                 英语角 English Corner,2016-03-08,A-1,,赵六,\n\
                 ,2016-03-08,,R-007,,\n\
                 英语角 English Corner,2016-03-08,A-1,,李娜,90\n\
                 英语角 English Corner,2016-03-08,,R-999,,\n\
                 英语角 English Corner,2016-03-22,A-1,,李娜,\n\
                 英语角 English Corner,2016-03-15,A-1,,李娜,\n";
    let expected = vec![
        (3, "program", "unknown_program"),
        (4, "held_on", "unknown_session"), // a Wednesday: no session that day
        (5, "full_name", "unknown_resident"),
        (6, "program", "required"),
        (7, "minutes", "out_of_range"),
        (8, "external_id", "no_such_resident"),
        (9, "held_on", "session_cancelled"),
    ];
    let r = run(&app, "attendance", sheet, Mode::AllOrNothing).await;
    assert_eq!(refused(&r), expected);
    assert_eq!(r.errors.iter().find(|e| e.line == 7).and_then(|e| e.arg), Some(60), "the session's length");
    explained(&r);
    assert!(!r.committed);
    assert_eq!(count::<attendance::Entity>(&app).await, 0, "all or nothing: nothing");
    assert_eq!(session(&app, english.id, "2016-03-01").await.status, SessionStatus::Planned);

    let r = run(&app, "attendance", sheet, Mode::ValidOnly).await;
    assert_eq!((r.new, r.rejected, r.committed), (2, 7, true));
    let (zhang, li) = (resident_id(&app, "张伟").await, resident_id(&app, "李娜").await);
    let mut want =
        vec![(english.id, "2016-03-01".to_owned(), zhang, 60), (english.id, "2016-03-15".to_owned(), li, 60)];
    want.sort();
    assert_eq!(marks(&app).await, want);

    // A mark already there with other minutes is refused, never overwritten.
    let other = "课程名称,上课日期,户号,姓名,出勤分钟\n英语角 English Corner,2016-03-01,A-1,张伟,30\n";
    let r = run(&app, "attendance", other, Mode::AllOrNothing).await;
    assert_eq!(refused(&r), [(2, "minutes", "exists_differs")]);
    assert_eq!(marks(&app).await, want);
}

// ---------------------------------------------------------------------------------------
// Placements

async fn employer(app: &TestApp, name: &str) -> i64 {
    employers::create(
        &app.store,
        &Actor::system(),
        employers::EmployerInput { community: Some("north".into()), name: Some(name.into()), ..Default::default() },
    )
    .await
    .unwrap()
    .id
}

/// Placements by resident, with their check-ins in month order.
async fn placed(app: &TestApp) -> Vec<(placement::Model, Vec<check_in::Model>)> {
    let mut out = Vec::new();
    for p in placement::Entity::find().order_by_asc(placement::Column::Id).all(app.store.conn()).await.unwrap() {
        let c = check_in::Entity::find()
            .filter(check_in::Column::PlacementId.eq(p.id))
            .order_by_asc(check_in::Column::Months)
            .all(app.store.conn())
            .await
            .unwrap();
        out.push((p, c));
    }
    out
}

#[tokio::test]
async fn a_placement_ledger_stores_each_job_with_its_check_ins() {
    let app = spawn_app().await;
    north(&app).await;
    let fenghua = employer(&app, "丰华物业 Fenghua Property").await;
    let sanlian = employer(&app, "三联家政").await;
    let (worker, as_worker) = actor(&app, "caseworker1", "caseworker").await;
    // The way it came in by its Chinese and English names and its word; dates in four shapes.
    let ledger = "姓名,户号,居民编号,用工单位,岗位,入职日期,就业途径,离职日期,离职原因\n\
                  张伟,A-1,,丰华物业 fenghua property,保洁员,2016/3/4,自己找到（工作组协助）,,\n\
                  李娜,A-1,,三联家政,家政服务员,2016年1月31日,own_search,15.03.2016,合同到期\n\
                  ,,R-007,三联家政,育婴师,２０１６－０２－０１,\"Own search, helped by the team\",,\n";
    let r = import_as(&app, &as_worker, "placements", ledger, Mode::AllOrNothing).await.unwrap();
    assert!(r.ok() && r.committed, "{r:?}");
    assert_eq!(r.new, 3);
    let rows = placed(&app).await;
    let of = |who: i64| rows.iter().find(|(p, _)| p.resident_id == who).unwrap();
    let (zhang, li, wang) =
        (resident_id(&app, "张伟").await, resident_id(&app, "李娜").await, resident_id(&app, "王芳").await);

    let (p, checks) = of(zhang);
    assert_eq!((p.employer_id, p.job_title.as_str(), p.started_on), (fenghua, "保洁员", d("2016-03-04")));
    assert_eq!((p.via, p.ended_on, p.end_reason, p.created_by), (PlacedVia::OwnSearch, None, None, Some(worker)));
    let due: Vec<_> = checks.iter().map(|c| (c.months, c.due_on, c.still_employed, c.by_end)).collect();
    assert_eq!(due, [(3, d("2016-06-04"), None, false), (6, d("2016-09-04"), None, false)]);

    // An end already known settles the check-ins due after it, as recording the end would.
    let (p, checks) = of(li);
    assert_eq!((p.employer_id, p.job_title.as_str(), p.started_on), (sanlian, "家政服务员", d("2016-01-31")));
    assert_eq!((p.ended_on, p.end_reason), (Some(d("2016-03-15")), Some(EndReason::ContractEnded)));
    let due: Vec<_> = checks.iter().map(|c| (c.due_on, c.still_employed, c.by_end, c.done_on)).collect();
    assert_eq!(
        due,
        [
            (d("2016-04-30"), Some(false), true, Some(d("2016-03-15"))),
            (d("2016-07-31"), Some(false), true, Some(d("2016-03-15")))
        ]
    );

    let (p, checks) = of(wang);
    assert_eq!((p.employer_id, p.job_title.as_str(), p.started_on), (sanlian, "育婴师", d("2016-02-01")));
    assert_eq!(checks.len(), 2);

    let before = archive::checksums(&app.store).await.unwrap();
    let again = import_as(&app, &as_worker, "placements", ledger, Mode::AllOrNothing).await.unwrap();
    assert_eq!((again.new, again.unchanged, again.rejected, again.committed), (0, 3, 0, false));
    assert_eq!(before, archive::checksums(&app.store).await.unwrap());
}

#[tokio::test]
async fn bad_placement_rows_are_named_and_stored_only_when_asked() {
    let app = spawn_app().await;
    north(&app).await;
    employer(&app, "丰华物业 Fenghua Property").await;
    employer(&app, "三联家政").await;
    employer(&app, "同名公司").await;
    employer(&app, "同名 公司").await;
    let ledger = "姓名,户号,居民编号,用工单位,岗位,入职日期,就业途径,离职日期,离职原因\n\
                  张伟,A-1,,丰华物业 Fenghua Property,保洁员,2016-03-04,own_search,,\n\
                  李娜,A-1,,不存在的公司,保洁员,2016-03-04,own_search,,\n\
                  赵六,A-1,,三联家政,保洁员,2016-03-04,own_search,,\n\
                  李娜,A-1,,三联家政,,2016-03-04,own_search,,\n\
                  李娜,A-1,,三联家政,保姆,2016-03-04,招聘会,,\n\
                  ,,R-007,三联家政,保姆,2016-03-04,own_search,2016-03-01,dismissed\n\
                  ,,R-007,丰华物业 Fenghua Property,保姆,2016-03-04,own_search,2016-03-20,\n\
                  李娜,A-1,,三联家政,保姆,2016-05-04,,,\n\
                  ,,R-007,三联家政,育婴师,2016-02-01,own_search,,\n\
                  张伟,A-1,,同名公司,保安,2016-02-01,own_search,,\n";
    let expected = vec![
        (3, "employer", "unknown_employer"),
        (4, "full_name", "unknown_resident"),
        (5, "job_title", "required"),
        (6, "via", "via_needs_its_record"), // a fair's placement is recorded from the fair
        (7, "ended_on", "date_before_start"),
        (8, "end_reason", "required"),
        (9, "via", "required"),
        (11, "employer", "ambiguous"), // two employers go by this name
    ];
    let r = run(&app, "placements", ledger, Mode::AllOrNothing).await;
    assert_eq!(refused(&r), expected);
    let unknown = r.errors.iter().find(|e| e.line == 3).unwrap();
    assert_eq!((unknown.column.as_deref(), unknown.value.as_str()), (Some("用工单位"), "不存在的公司"));
    explained(&r);
    assert!(!r.committed);
    assert_eq!((count::<placement::Entity>(&app).await, count::<check_in::Entity>(&app).await), (0, 0));

    let r = run(&app, "placements", ledger, Mode::ValidOnly).await;
    assert_eq!((r.new, r.rejected, r.committed), (2, 8, true));
    let titles: Vec<String> = placed(&app).await.into_iter().map(|(p, _)| p.job_title).collect();
    assert_eq!(titles.len(), 2);
    assert!(titles.contains(&"保洁员".to_owned()) && titles.contains(&"育婴师".to_owned()), "{titles:?}");
    assert_eq!(count::<check_in::Entity>(&app).await, 4);

    let other =
        "姓名,户号,用工单位,岗位,入职日期,就业途径\n张伟,A-1,丰华物业 Fenghua Property,门卫,2016-03-04,own_search\n";
    assert_eq!(
        refused(&run(&app, "placements", other, Mode::AllOrNothing).await),
        [(2, "started_on", "exists_differs")]
    );
}

// ---------------------------------------------------------------------------------------
// Pairs

async fn add_helper(app: &TestApp, kind: &str, user: Option<i64>, name: Option<&str>, home: Option<&str>) -> i64 {
    let household_id = match home {
        Some(code) => Some(
            hearth_core::entity::household::Entity::find()
                .filter(hearth_core::entity::household::Column::Code.eq(code))
                .one(app.store.conn())
                .await
                .unwrap()
                .unwrap()
                .id,
        ),
        None => None,
    };
    let community_id = Some(import::community_for(&app.store, &Actor::system(), "north").await.unwrap().id);
    let h = helpers::HelperInput {
        community_id,
        kind: Some(kind.into()),
        user_id: user,
        name: name.map(Into::into),
        household_id,
        ..Default::default()
    };
    helpers::create(&app.store, &Actor::system(), h).await.unwrap().id
}

/// (household code, helper, cadence, start, end, purpose, end reason) of every pair, sorted.
type PairRow = (String, i64, Cadence, String, Option<String>, Option<String>, Option<String>);

async fn pairs(app: &TestApp) -> Vec<PairRow> {
    let codes: std::collections::HashMap<i64, String> = hearth_core::entity::household::Entity::find()
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.id, h.code))
        .collect();
    let out: Vec<PairRow> = pair::Entity::find()
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|p| {
            let code = codes[&p.household_id].clone();
            (
                code,
                p.helper_id,
                p.cadence,
                p.started_on.to_string(),
                p.ended_on.map(|x| x.to_string()),
                p.purpose,
                p.end_reason,
            )
        })
        .collect();
    sorted(out)
}

fn sorted(mut v: Vec<PairRow>) -> Vec<PairRow> {
    v.sort_by(|a, b| (&a.0, a.1, &a.3).cmp(&(&b.0, b.1, &b.3)));
    v
}

#[tokio::test]
async fn a_pairing_ledger_pairs_households_with_the_helpers_named() {
    let app = spawn_app().await;
    north(&app).await;
    let (liu_user, _) = actor(&app, "liu", "caseworker").await;
    let wang = add_helper(&app, "volunteer", None, Some("王志愿"), None).await;
    let liu = add_helper(&app, "team_member", Some(liu_user), None, None).await;
    let neighbour = add_helper(&app, "neighbour", None, None, Some("A-3")).await;
    let (coordinator, as_coordinator) = actor(&app, "coord", "coordinator").await;
    // Helpers by own name, by login (any case) and a neighbour by household code; cadence in
    // Chinese, English and left blank (weekly, as the form).
    let ledger = "户号,志愿者,联系频率,结对日期,结对目的,结束日期,结束原因\n\
                  A-1,王志愿,每周,2016/4/1,陪伴独居老人,,\n\
                  A-2, LIU ,Monthly,2016年4月5日,,,\n\
                  A-2,王志愿,,05.04.2016,,2016年5月1日,搬走了\n\
                  A-1,A-3,每两周,2016-04-10,邻里互助,,\n";
    let r = import_as(&app, &as_coordinator, "pairs", ledger, Mode::AllOrNothing).await.unwrap();
    assert!(r.ok() && r.committed, "{r:?}");
    assert_eq!(r.new, 4);
    let s = |x: &str| Some(x.to_owned());
    let want = vec![
        ("A-1".into(), wang, Cadence::Weekly, "2016-04-01".into(), None, s("陪伴独居老人"), None),
        ("A-1".into(), neighbour, Cadence::Fortnightly, "2016-04-10".into(), None, s("邻里互助"), None),
        ("A-2".into(), wang, Cadence::Weekly, "2016-04-05".into(), s("2016-05-01"), None, s("搬走了")),
        ("A-2".into(), liu, Cadence::Monthly, "2016-04-05".into(), None, None, None),
    ];
    assert_eq!(pairs(&app).await, sorted(want));
    let all = pair::Entity::find().all(app.store.conn()).await.unwrap();
    assert!(all.iter().all(|p| p.created_by == Some(coordinator)));
    // The volunteer access rule reads the helper's login off the pair.
    let by_liu = all.iter().find(|p| p.helper_id == liu).unwrap();
    assert_eq!(by_liu.helper_user_id, Some(liu_user));

    let before = archive::checksums(&app.store).await.unwrap();
    let again = import_as(&app, &as_coordinator, "pairs", ledger, Mode::AllOrNothing).await.unwrap();
    assert_eq!((again.new, again.unchanged, again.rejected, again.committed), (0, 4, 0, false));
    assert_eq!(before, archive::checksums(&app.store).await.unwrap());
}

#[tokio::test]
async fn bad_pairing_rows_are_named_and_stored_only_when_asked() {
    let app = spawn_app().await;
    north(&app).await;
    let (liu_user, _) = actor(&app, "liu", "caseworker").await;
    add_helper(&app, "volunteer", None, Some("王志愿"), None).await;
    add_helper(&app, "team_member", Some(liu_user), None, None).await;
    add_helper(&app, "neighbour", None, None, Some("A-3")).await;
    let ledger = "户号,志愿者,联系频率,结对日期,结对目的,结束日期,结束原因\n\
                  A-1,王志愿,每周,2016-04-01,,,\n\
                  Z-9,王志愿,每周,2016-04-01,,,\n\
                  A-2,不认识的人,每周,2016-04-01,,,\n\
                  A-1,王志愿,每月,2016-06-01,,,\n\
                  A-2,王志愿,每周,,,,\n\
                  A-2,王志愿,每周,2016-04-01,,2016-03-01,\n\
                  A-3,A-3,每周,2016-04-01,,,\n\
                  A-2,liu,每周,2016-04-01,,,\n";
    let expected = vec![
        (3, "household_code", "unknown_household"),
        (4, "helper", "unknown_helper"),
        (5, "helper", "already_paired"), // line 2 pairs them already, still open
        (6, "started_on", "required"),
        (7, "ended_on", "before_pair_started"),
        (8, "helper", "helper_is_the_household"),
    ];
    let r = run(&app, "pairs", ledger, Mode::AllOrNothing).await;
    assert_eq!(refused(&r), expected);
    explained(&r);
    assert!(!r.committed);
    assert_eq!(count::<pair::Entity>(&app).await, 0, "all or nothing: nothing");

    let r = run(&app, "pairs", ledger, Mode::ValidOnly).await;
    assert_eq!((r.new, r.rejected, r.committed), (2, 6, true));
    let stored: Vec<(String, String)> = pairs(&app).await.into_iter().map(|p| (p.0, p.3)).collect();
    assert_eq!(stored, [("A-1".to_owned(), "2016-04-01".to_owned()), ("A-2".to_owned(), "2016-04-01".to_owned())]);

    let other = "户号,志愿者,联系频率,结对日期\nA-1,王志愿,每月,2016-04-01\n";
    assert_eq!(refused(&run(&app, "pairs", other, Mode::AllOrNothing).await), [(2, "started_on", "exists_differs")]);
    assert_eq!(count::<pair::Entity>(&app).await, 2);
}

// ---------------------------------------------------------------------------------------
// Rights and names

#[tokio::test]
async fn each_template_needs_its_practices_right() {
    let app = spawn_app().await;
    north(&app).await;
    add_helper(&app, "volunteer", None, Some("王志愿"), None).await;
    let ledger = "户号,志愿者,结对日期\nA-1,王志愿,2016-04-01\n";
    // A caseworker may not pair (coordinators do), whatever the mode.
    let (_, caseworker) = actor(&app, "caseworker2", "caseworker").await;
    for mode in [Mode::Check, Mode::AllOrNothing] {
        let r = import_as(&app, &caseworker, "pairs", ledger, mode).await;
        assert!(matches!(r, Err(CoreError::Forbidden)), "{r:?}");
    }
    assert_eq!(count::<pair::Entity>(&app).await, 0);
    // A volunteer takes no roll-call and records no placement.
    let (_, volunteer) = actor(&app, "volunteer1", "volunteer").await;
    for t in ["attendance", "placements"] {
        let r = import_as(&app, &volunteer, t, "户号\nA-1\n", Mode::Check).await;
        assert!(matches!(r, Err(CoreError::Forbidden)), "{t}: {r:?}");
    }
    // A coordinator may.
    let (_, coordinator) = actor(&app, "coordinator1", "coordinator").await;
    let r = import_as(&app, &coordinator, "pairs", ledger, Mode::AllOrNothing).await.unwrap();
    assert_eq!((r.new, r.committed), (1, true), "{r:?}");
    assert_eq!(count::<pair::Entity>(&app).await, 1);
}

/// Each field has its name in both languages: the blank template's bilingual header, and a
/// file headed in either language maps every field.
#[test]
fn every_field_is_named_in_both_languages() {
    for key in ["attendance", "placements", "pairs"] {
        let t = import::template(key).unwrap();
        assert_eq!(AllLanguages.spellings(&format!("import-template-{key}")).len(), 2, "{key}");
        let header = import::template_header(t, &AllLanguages);
        for (f, h) in t.fields.iter().zip(&header) {
            assert!(h.contains(" / "), "{key}.{}: {h}", f.key);
        }
        for lang in 0..2 {
            let names: Vec<String> =
                t.fields.iter().map(|f| AllLanguages.spellings(&t.field_name_key(f.key)).swap_remove(lang)).collect();
            let mapped = import::guess_mapping(t, &names, &AllLanguages);
            let fields: Vec<_> = mapped.iter().map(|c| c.field.as_deref()).collect();
            let want: Vec<_> = t.fields.iter().map(|f| Some(f.key)).collect();
            assert_eq!(fields, want, "{key} in language {lang}: {names:?}");
        }
    }
}
