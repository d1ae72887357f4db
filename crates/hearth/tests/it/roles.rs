//! Every route × every role: allowed, forbidden (403: the role may never do this), or not
//! found (404: the record is outside the user's communities or pairings). Adding a route
//! means adding a row here: the page half is checked against the router's own route list
//! (`hearth_web::practice::page_routes`) and the API half against the OpenAPI document, so
//! a new route cannot be forgotten. A 5xx is never "allowed": it fails the row.

use axum::http::StatusCode;
use hearth_core::Actor;
use hearth_core::registry::{consent, residents};

use crate::support::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum E {
    /// Allowed: any answer but 401/403/404 or a 5xx (a redirect, a page, or 422 for an
    /// empty form).
    A,
    /// 403 Forbidden.
    F,
    /// 404 Not found.
    N,
    /// A server error: never what a row expects.
    ServerError,
    /// 401: only a failed sign-in answers a signed-in client so.
    U,
}
use E::*;

const ROLES: [&str; 5] = ["admin", "coordinator", "caseworker", "volunteer", "viewer"];

fn verdict(status: StatusCode) -> E {
    match status {
        StatusCode::FORBIDDEN => F,
        StatusCode::NOT_FOUND => N,
        StatusCode::UNAUTHORIZED => U,
        s if s.is_server_error() => ServerError,
        _ => A,
    }
}

struct World {
    /// A spreadsheet uploaded to import into north and into south.
    north_upload: i64,
    south_upload: i64,
    /// A 2016 goal in north and in south.
    north_goal: i64,
    south_goal: i64,
    hn: i64,
    hn2: i64,
    hs: i64,
    rn: i64,
    rn2: i64,
    rs: i64,
    cn: i64,
    target_user: i64,
    token_id: i64,
    /// Visits in north and south, each with one follow-up owned by a caseworker there.
    vn: i64,
    vs: i64,
    fun: i64,
    fus: i64,
    /// Classes in north and south: a program, a held session, an enrolment, a certificate.
    north_class: Class,
    south_class: Class,
    /// Employment help in north and south: one of each record.
    north_jobs: Jobs,
    south_jobs: Jobs,
    /// A hardship case in north (assigned to `target`, not to the table's caseworker) and one
    /// in south: the case, a donation, a relief application.
    north_case: (i64, i64, i64),
    south_case: (i64, i64, i64),
    /// The handbook in north and south: a document, a category, a partnership agreement
    /// with a scan.
    north_handbook: Handbook,
    south_handbook: Handbook,
    /// A pair in north (a caseworker with `hn2`, so not the table's volunteer's) and one in
    /// south, each with a contact: (pair, contact).
    north_pair: (i64, i64),
    south_pair: (i64, i64),
    /// A service request and a kind of request in north and in south.
    north_request: (i64, i64),
    south_request: (i64, i64),
}

async fn service_request(app: &TestApp, household: i64) -> (i64, i64) {
    use hearth_core::requests::{kinds, records};
    let r = records::open(
        &app.store,
        &Actor::system(),
        records::RequestInput {
            household_id: Some(household),
            kind: Some("cable".into()),
            description: Some("Cable TV hookup".into()),
            opened_on: Some("2016-03-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let kind = kinds::of_community(app.store.conn(), r.community_id).await.unwrap()[0].id;
    (r.id, kind)
}

fn request_pages((r, k): (i64, i64), e: [E; 5], edit: [E; 5]) -> Vec<(&'static str, String, [E; 5])> {
    vec![
        ("GET", format!("/requests/{r}"), e),
        ("POST", format!("/requests/{r}"), e),
        ("POST", format!("/requests/{r}/status"), e),
        ("POST", format!("/request-kinds/{k}"), edit),
    ]
}

fn request_api((r, k): (i64, i64), e: [E; 5], edit: [E; 5]) -> Vec<(&'static str, String, &'static str, [E; 5])> {
    vec![
        ("GET", format!("/api/v1/requests/{r}"), "/api/v1/requests/{id}", e),
        ("PATCH", format!("/api/v1/requests/{r}"), "/api/v1/requests/{id}", e),
        ("POST", format!("/api/v1/requests/{r}/status"), "/api/v1/requests/{id}/status", e),
        ("PATCH", format!("/api/v1/request-kinds/{k}"), "/api/v1/request-kinds/{id}", edit),
    ]
}

struct Handbook {
    document: i64,
    category: i64,
    partnership: i64,
}

async fn handbook(app: &TestApp, community: &str) -> Handbook {
    use hearth_core::handbook::{self, documents, partnerships};
    let sys = Actor::system();
    let s = &app.store;
    let d = documents::create(
        s,
        &sys,
        documents::DocumentInput {
            community: Some(community.into()),
            category: Some("team_rules".into()),
            title: Some(format!("Rules of {community}")),
            body: Some("# Rules".into()),
            published_on: Some("2016-01-05".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let category = handbook::categories(s, &sys, d.community_id).await.unwrap()[0].id;
    let p = partnerships::create(
        s,
        &sys,
        partnerships::PartnershipInput {
            community: Some(community.into()),
            title: Some("Shared rooms".into()),
            parties: Some("us\nthem".into()),
            signed_on: Some("2016-01-08".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    partnerships::attach_scan(s, &sys, p.id, Some("p.pdf"), b"%PDF-1.4\n".to_vec()).await.unwrap();
    Handbook { document: d.id, category, partnership: p.id }
}

/// The handbook pages of one community's records: (reading the handbook, editing it, its
/// categories, reading agreements, editing them).
fn handbook_pages(h: &Handbook, [read, edit, cat, pread, pedit]: [[E; 5]; 5]) -> Vec<(&'static str, String, [E; 5])> {
    let (d, p) = (h.document, h.partnership);
    vec![
        ("GET", format!("/handbook/{d}"), read),
        ("GET", format!("/handbook/{d}/history"), read),
        ("GET", format!("/handbook/{d}/diff?from=1&to=1"), read),
        ("GET", format!("/handbook/{d}/print"), read),
        ("GET", format!("/handbook/{d}/edit"), edit),
        ("POST", format!("/handbook/{d}"), edit),
        ("POST", format!("/handbook/categories/{}", h.category), cat),
        ("GET", format!("/partnerships/{p}"), pread),
        ("GET", format!("/partnerships/{p}/scan"), pread),
        ("GET", format!("/partnerships/{p}/edit"), pedit),
        ("POST", format!("/partnerships/{p}"), pedit),
        ("POST", format!("/partnerships/{p}/scan"), pedit),
    ]
}

/// The handbook API of one community's records.
fn handbook_api(
    h: &Handbook,
    read: [E; 5],
    edit: [E; 5],
    pread: [E; 5],
    pedit: [E; 5],
) -> Vec<(&'static str, String, &'static str, [E; 5])> {
    let (d, p) = (h.document, h.partnership);
    vec![
        ("GET", format!("/api/v1/handbook/{d}"), "/api/v1/handbook/{id}", read),
        ("PATCH", format!("/api/v1/handbook/{d}"), "/api/v1/handbook/{id}", edit),
        ("GET", format!("/api/v1/handbook/{d}/versions"), "/api/v1/handbook/{id}/versions", read),
        ("GET", format!("/api/v1/handbook/{d}/diff?from=1&to=1"), "/api/v1/handbook/{id}/diff", read),
        ("GET", format!("/api/v1/partnerships/{p}"), "/api/v1/partnerships/{id}", pread),
        ("PATCH", format!("/api/v1/partnerships/{p}"), "/api/v1/partnerships/{id}", pedit),
        ("GET", format!("/api/v1/partnerships/{p}/scan"), "/api/v1/partnerships/{id}/scan", pread),
        ("PUT", format!("/api/v1/partnerships/{p}/scan"), "/api/v1/partnerships/{id}/scan", pedit),
    ]
}

async fn pairing(app: &TestApp, household: i64, user: i64) -> (i64, i64) {
    use hearth_core::pairs::{contacts, helpers, records};
    use sea_orm::EntityTrait;
    let sys = Actor::system();
    let h = hearth_core::entity::household::Entity::find_by_id(household).one(app.store.conn()).await.unwrap().unwrap();
    let helper = helpers::create(
        &app.store,
        &sys,
        helpers::HelperInput {
            community_id: Some(h.community_id),
            kind: Some("team_member".into()),
            user_id: Some(user),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let p = records::create(
        &app.store,
        &sys,
        records::PairInput {
            household_id: Some(household),
            helper_id: Some(helper),
            cadence: Some("weekly".into()),
            started_on: Some("2016-04-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let c = contacts::record(
        &app.store,
        &sys,
        p,
        contacts::ContactInput {
            contacted_on: Some("2016-04-05".into()),
            mode: Some("phone".into()),
            reached: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .contact
    .id;
    (p, c)
}

fn pair_pages((p, c): (i64, i64), see: [E; 5], manage: [E; 5]) -> Vec<(&'static str, String, [E; 5])> {
    vec![
        ("GET", format!("/pairs/{p}"), see),
        ("POST", format!("/pairs/{p}/contacts"), see),
        ("GET", format!("/pairs/contacts/{c}"), see),
        ("POST", format!("/pairs/{p}/end"), manage),
    ]
}

fn pair_api((p, _): (i64, i64), see: [E; 5], manage: [E; 5]) -> Vec<(&'static str, String, &'static str, [E; 5])> {
    vec![
        ("GET", format!("/api/v1/pairs/{p}"), "/api/v1/pairs/{id}", see),
        ("GET", format!("/api/v1/pairs/{p}/contacts"), "/api/v1/pairs/{id}/contacts", see),
        ("POST", format!("/api/v1/pairs/{p}/contacts"), "/api/v1/pairs/{id}/contacts", see),
        // Last: an empty body ends the pair today.
        ("POST", format!("/api/v1/pairs/{p}/end"), "/api/v1/pairs/{id}/end", manage),
    ]
}

async fn hardship(app: &TestApp, household: i64, worker: i64) -> (i64, i64, i64) {
    use hearth_core::cases::{ledger, records, relief};
    let sys = Actor::system();
    let c = records::open(
        &app.store,
        &sys,
        records::CaseInput {
            household_id: Some(household),
            category: Some("illness".into()),
            summary: Some("ill".into()),
            opened_on: Some("2016-04-02".into()),
            worker_ids: Some(vec![worker]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let d = ledger::donate(
        &app.store,
        &sys,
        c,
        ledger::MoneyInput {
            amount: Some("100".into()),
            on: Some("2016-04-03".into()),
            anonymous: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let r = relief::apply(
        &app.store,
        &sys,
        c,
        relief::ReliefInput {
            scheme: Some("s".into()),
            agency: Some("a".into()),
            requested: Some("100".into()),
            applied_on: Some("2016-04-03".into()),
        },
    )
    .await
    .unwrap()
    .id;
    (c, d, r)
}

fn case_pages((c, d, r): (i64, i64, i64), e: [E; 5]) -> Vec<(&'static str, String, [E; 5])> {
    vec![
        ("GET", format!("/cases/{c}"), e),
        ("POST", format!("/cases/{c}"), e),
        ("POST", format!("/cases/{c}/notes"), e),
        ("POST", format!("/cases/{c}/follow-ups"), e),
        ("POST", format!("/cases/{c}/money"), e),
        ("POST", format!("/cases/{c}/relief"), e),
        ("GET", format!("/relief/{r}"), e),
        ("POST", format!("/relief/{r}"), e),
        ("POST", format!("/ledger/{d}/reverse"), e),
        ("GET", format!("/ledger/{d}/receipt"), e),
    ]
}

fn case_api((c, d, r): (i64, i64, i64), e: [E; 5]) -> Vec<(&'static str, String, &'static str, [E; 5])> {
    vec![
        ("GET", format!("/api/v1/cases/{c}"), "/api/v1/cases/{id}", e),
        ("PATCH", format!("/api/v1/cases/{c}"), "/api/v1/cases/{id}", e),
        ("GET", format!("/api/v1/cases/{c}/ledger"), "/api/v1/cases/{id}/ledger", e),
        ("POST", format!("/api/v1/cases/{c}/donations"), "/api/v1/cases/{id}/donations", e),
        ("POST", format!("/api/v1/cases/{c}/payments"), "/api/v1/cases/{id}/payments", e),
        ("POST", format!("/api/v1/cases/{c}/relief-received"), "/api/v1/cases/{id}/relief-received", e),
        ("POST", format!("/api/v1/cases/{c}/returns"), "/api/v1/cases/{id}/returns", e),
        ("POST", format!("/api/v1/cases/{c}/transfers"), "/api/v1/cases/{id}/transfers", e),
        ("POST", format!("/api/v1/cases/ledger/{d}/reversal"), "/api/v1/cases/ledger/{id}/reversal", e),
        ("GET", format!("/api/v1/cases/{c}/relief"), "/api/v1/cases/{id}/relief", e),
        ("POST", format!("/api/v1/cases/{c}/relief"), "/api/v1/cases/{id}/relief", e),
        ("POST", format!("/api/v1/cases/relief/{r}/decision"), "/api/v1/cases/relief/{id}/decision", e),
        ("GET", format!("/api/v1/cases/{c}/notes"), "/api/v1/cases/{id}/notes", e),
        ("POST", format!("/api/v1/cases/{c}/notes"), "/api/v1/cases/{id}/notes", e),
        ("GET", format!("/api/v1/cases/{c}/follow-ups"), "/api/v1/cases/{id}/follow-ups", e),
        ("POST", format!("/api/v1/cases/{c}/follow-ups"), "/api/v1/cases/{id}/follow-ups", e),
    ]
}

struct Jobs {
    employer: i64,
    agreement: i64,
    opening: i64,
    fair: i64,
    referral: i64,
    placement: i64,
    check_in: i64,
}

/// An employer with an agreement (and its scan) and an opening, a fair, a resident referred
/// there and placed through the referral (with its check-ins).
async fn jobs(app: &TestApp, community: &str, resident: i64) -> Jobs {
    use hearth_core::jobs::{employers, fairs, openings, placements};
    let sys = Actor::system();
    let s = &app.store;
    let employer = employers::create(
        s,
        &sys,
        employers::EmployerInput {
            community: Some(community.into()),
            name: Some(format!("Employer in {community}")),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let agreement = employers::create_agreement(
        s,
        &sys,
        employers::AgreementInput {
            employer_id: Some(employer),
            title: Some("Referral".into()),
            signed_on: Some("2016-03-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    employers::attach_scan(s, &sys, agreement, Some("a.pdf"), b"%PDF-1.4\n".to_vec()).await.unwrap();
    let opening = openings::create(
        s,
        &sys,
        openings::OpeningInput {
            employer_id: Some(employer),
            title: Some("Cleaner".into()),
            positions: Some(2),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let fair = fairs::create(
        s,
        &sys,
        fairs::FairInput {
            community: Some(community.into()),
            held_on: Some("2016-03-12".into()),
            place: Some("Square".into()),
            employer_ids: Some(vec![employer]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let referral = placements::refer(
        s,
        &sys,
        placements::ReferralInput {
            resident_id: Some(resident),
            opening_id: Some(opening),
            fair_id: Some(fair),
            referred_on: Some("2016-03-13".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let placement = placements::place(
        s,
        &sys,
        placements::PlacementInput {
            resident_id: Some(resident),
            via: Some("referral".into()),
            referral_id: Some(referral),
            started_on: Some("2016-03-20".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let check_in = placements::placement(s, &sys, placement).await.unwrap().check_ins[0].id;
    Jobs { employer, agreement, opening, fair, referral, placement, check_in }
}

/// The employment pages of one community's records, each expecting `e`.
fn job_pages(j: &Jobs, e: [E; 5]) -> Vec<(&'static str, String, [E; 5])> {
    vec![
        ("GET", format!("/employers/{}", j.employer), e),
        ("POST", format!("/employers/{}", j.employer), e),
        ("POST", format!("/employers/{}/contacts", j.employer), e),
        ("POST", format!("/employers/{}/agreements", j.employer), e),
        ("POST", format!("/employers/{}/openings", j.employer), e),
        ("GET", format!("/agreements/{}", j.agreement), e),
        ("POST", format!("/agreements/{}/scan", j.agreement), e),
        ("GET", format!("/agreements/{}/scan", j.agreement), e),
        ("GET", format!("/openings/{}", j.opening), e),
        ("POST", format!("/openings/{}", j.opening), e),
        ("GET", format!("/fairs/{}", j.fair), e),
        ("POST", format!("/fairs/{}", j.fair), e),
        ("GET", format!("/referrals/{}", j.referral), e),
        ("POST", format!("/referrals/{}/steps", j.referral), e),
        ("GET", format!("/placements/{}", j.placement), e),
        ("POST", format!("/placements/{}", j.placement), e),
        ("GET", format!("/check-ins/{}", j.check_in), e),
        ("POST", format!("/check-ins/{}", j.check_in), e),
    ]
}

/// The employment API of one community's records, each expecting `e`.
fn job_api(j: &Jobs, e: [E; 5]) -> Vec<(&'static str, String, &'static str, [E; 5])> {
    vec![
        ("GET", format!("/api/v1/employers/{}", j.employer), "/api/v1/employers/{id}", e),
        ("PATCH", format!("/api/v1/employers/{}", j.employer), "/api/v1/employers/{id}", e),
        ("GET", format!("/api/v1/employers/{}/contacts", j.employer), "/api/v1/employers/{id}/contacts", e),
        ("POST", format!("/api/v1/employers/{}/contacts", j.employer), "/api/v1/employers/{id}/contacts", e),
        ("GET", format!("/api/v1/agreements/{}", j.agreement), "/api/v1/agreements/{id}", e),
        ("PATCH", format!("/api/v1/agreements/{}", j.agreement), "/api/v1/agreements/{id}", e),
        ("GET", format!("/api/v1/agreements/{}/scan", j.agreement), "/api/v1/agreements/{id}/scan", e),
        ("PUT", format!("/api/v1/agreements/{}/scan", j.agreement), "/api/v1/agreements/{id}/scan", e),
        ("GET", format!("/api/v1/openings/{}", j.opening), "/api/v1/openings/{id}", e),
        ("PATCH", format!("/api/v1/openings/{}", j.opening), "/api/v1/openings/{id}", e),
        ("GET", format!("/api/v1/openings/{}/matches", j.opening), "/api/v1/openings/{id}/matches", e),
        ("GET", format!("/api/v1/fairs/{}", j.fair), "/api/v1/fairs/{id}", e),
        ("PATCH", format!("/api/v1/fairs/{}", j.fair), "/api/v1/fairs/{id}", e),
        ("GET", format!("/api/v1/referrals/{}", j.referral), "/api/v1/referrals/{id}", e),
        ("POST", format!("/api/v1/referrals/{}/steps", j.referral), "/api/v1/referrals/{id}/steps", e),
        ("GET", format!("/api/v1/placements/{}", j.placement), "/api/v1/placements/{id}", e),
        ("PATCH", format!("/api/v1/placements/{}", j.placement), "/api/v1/placements/{id}", e),
        ("GET", format!("/api/v1/check-ins/{}", j.check_in), "/api/v1/check-ins/{id}", e),
        ("POST", format!("/api/v1/check-ins/{}", j.check_in), "/api/v1/check-ins/{id}", e),
    ]
}

struct Class {
    program: i64,
    session: i64,
    enrolment: i64,
    certificate: i64,
}

/// A program with one session last week, one resident enrolled, marked present for the
/// whole session, and their certificate.
async fn class(app: &TestApp, community: &str, resident: i64) -> Class {
    use hearth_core::programs::{ProgramInput, SlotInput, certificates, roll_call, schedule};
    let sys = Actor::system();
    let day = chrono::Local::now().date_naive() - chrono::TimeDelta::days(7);
    let p = schedule::create(
        &app.store,
        &sys,
        ProgramInput {
            community: Some(community.into()),
            name: Some(format!("Class in {community}")),
            kind: Some("language".into()),
            starts_on: Some(day.to_string()),
            ends_on: Some(day.to_string()),
            certificate_minutes: Some(60),
            schedule: vec![SlotInput {
                weekday: Some(i64::from(chrono::Datelike::weekday(&day).number_from_monday())),
                starts_at: Some("19:00".into()),
                duration_minutes: Some(90),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let session = schedule::list_sessions(&app.store, &sys, Some(p.id), None, None).await.unwrap()[0].id;
    let enrolment = schedule::enrol(&app.store, &sys, p.id, Some(resident), None).await.unwrap().id;
    roll_call::mark(&app.store, &sys, session, roll_call::Mark { resident_id: Some(resident), ..Default::default() })
        .await
        .unwrap();
    let certificate = certificates::issue(&app.store, &sys, p.id, Some(resident)).await.unwrap().id;
    Class { program: p.id, session, enrolment, certificate }
}

async fn visit_with_need(app: &TestApp, household_id: i64, user: i64) -> (i64, i64) {
    use hearth_core::visits::{NeedInput, VisitInput, records};
    let d = records::record(
        &app.store,
        &Actor::system(),
        VisitInput {
            household_id: Some(household_id),
            visited_on: Some("2016-03-02".into()),
            purpose: Some("welcome".into()),
            visitors: vec![user],
            needs: vec![NeedInput {
                description: Some("Needs a school place".into()),
                category: Some("schooling".into()),
                owner_user_id: Some(user),
                due_on: Some("2016-03-20".into()),
                resident_id: None,
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (d.visit.id, d.follow_ups[0].id)
}

/// A 2016 goal of a community, committed to by `owner`.
async fn goal(app: &TestApp, community: &str, owner: i64) -> i64 {
    use hearth_core::goals::{self, GoalInput};
    goals::create(
        &app.store,
        &Actor::system(),
        GoalInput {
            community: Some(community.into()),
            year: Some(2016),
            indicator: Some("placements".into()),
            target: Some("47".into()),
            owner_user_id: Some(owner),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// A household ledger uploaded by `user` (a caseworker of `slug`), not yet checked.
async fn upload(slug: &str, user: i64, app: &TestApp) -> i64 {
    let actor = Actor {
        user_id: Some(user),
        username: "uploader".into(),
        role: hearth_core::Role::Caseworker,
        scope: hearth_core::Scope::All,
        via_token: None,
    };
    let bytes = "户号,地址\nU-1,嘉福路1号\n".as_bytes().to_vec();
    hearth_core::import::uploads::create(&app.store, &actor, slug, "households", "ledger.csv", bytes).await.unwrap().id
}

async fn world(app: &TestApp) -> World {
    app.community("north").await;
    app.community("south").await;
    let hn = app.household("north", "N-1").await.id;
    let hn2 = app.household("north", "N-2").await.id;
    let hs = app.household("south", "S-1").await.id;
    let sys = Actor::system();
    let resident = |h: i64, name: &str| residents::ResidentInput {
        household_id: Some(h),
        full_name: Some(name.into()),
        ..Default::default()
    };
    let rn = residents::create(&app.store, &sys, resident(hn, "张伟")).await.unwrap().id;
    let rn2 = residents::create(&app.store, &sys, resident(hn2, "李娜")).await.unwrap().id;
    let rs = residents::create(&app.store, &sys, resident(hs, "王芳")).await.unwrap().id;
    let cn = consent::create(
        &app.store,
        &sys,
        hn,
        consent::ConsentInput {
            given_by: Some("张伟".into()),
            given_on: Some("2016-03-01".into()),
            scope_services: true,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let target_user = app.user("target", "caseworker", &["north"]).await.id;
    let (token, _) = hearth_core::auth::tokens::create(&app.store, &sys, target_user, "t").await.unwrap();
    let south_user = app.user("target-south", "caseworker", &["south"]).await.id;
    let (vn, fun) = visit_with_need(app, hn, target_user).await;
    let (vs, fus) = visit_with_need(app, hs, south_user).await;
    let north_class = class(app, "north", rn).await;
    let south_class = class(app, "south", rs).await;
    let north_jobs = jobs(app, "north", rn).await;
    let south_jobs = jobs(app, "south", rs).await;
    let north_handbook = handbook(app, "north").await;
    let south_handbook = handbook(app, "south").await;
    let north_case = hardship(app, hn, target_user).await;
    let south_case = hardship(app, hs, south_user).await;
    let north_pair = pairing(app, hn2, target_user).await;
    let south_pair = pairing(app, hs, south_user).await;
    let north_request = service_request(app, hn).await;
    let south_request = service_request(app, hs).await;
    let north_upload = upload("north", target_user, app).await;
    let south_upload = upload("south", south_user, app).await;
    let north_goal = goal(app, "north", target_user).await;
    let south_goal = goal(app, "south", south_user).await;
    World {
        north_upload,
        south_upload,
        north_goal,
        south_goal,
        hn,
        hn2,
        hs,
        rn,
        rn2,
        rs,
        cn,
        target_user,
        token_id: token.id,
        vn,
        vs,
        fun,
        fus,
        north_class,
        south_class,
        north_jobs,
        south_jobs,
        north_handbook,
        south_handbook,
        north_case,
        south_case,
        north_pair,
        south_pair,
        north_request,
        south_request,
    }
}

/// (method, path, expectation per role in ROLES order).
fn page_routes(w: &World) -> Vec<(&'static str, String, [E; 5])> {
    let (hn, hn2, hs, rn, rn2, rs, cn, tu) = (w.hn, w.hn2, w.hs, w.rn, w.rn2, w.rs, w.cn, w.target_user);
    let mut rows = vec![
        ("GET", "/".into(), [A, A, A, A, A]),
        ("GET", "/households".into(), [A, A, A, A, F]),
        ("GET", "/households/new".into(), [A, A, A, F, F]),
        ("POST", "/households".into(), [A, A, A, F, F]),
        ("GET", format!("/households/{hn}"), [A, A, A, A, F]),
        ("GET", format!("/households/{hn2}"), [A, A, A, N, F]),
        ("GET", format!("/households/{hs}"), [A, N, N, N, F]),
        ("GET", format!("/households/{hn}/edit"), [A, A, A, F, F]),
        ("GET", format!("/households/{hs}/edit"), [A, N, N, F, F]),
        ("POST", format!("/households/{hn}"), [A, A, A, F, F]),
        ("POST", format!("/households/{hs}"), [A, N, N, F, F]),
        ("POST", format!("/households/{hn}/consents"), [A, A, A, F, F]),
        ("POST", format!("/consents/{cn}/withdraw"), [A, A, A, F, F]),
        ("GET", format!("/households/{hn}/residents/new"), [A, A, A, F, F]),
        ("POST", format!("/households/{hn}/residents"), [A, A, A, F, F]),
        ("GET", "/residents".into(), [A, A, A, A, F]),
        ("GET", format!("/residents/{rn}"), [A, A, A, A, F]),
        ("GET", format!("/residents/{rn2}"), [A, A, A, N, F]),
        ("GET", format!("/residents/{rs}"), [A, N, N, N, F]),
        ("GET", format!("/residents/{rn}/edit"), [A, A, A, F, F]),
        ("POST", format!("/residents/{rn}"), [A, A, A, F, F]),
        ("POST", format!("/residents/{rs}"), [A, N, N, F, F]),
        ("GET", "/login".into(), [A, A, A, A, A]),
        // An empty sign-in form fails as a sign-in (and leaves the session alone).
        ("POST", "/login".into(), [U, U, U, U, U]),
        ("GET", "/setup/not-a-real-link".into(), [N, N, N, N, N]),
        ("POST", "/setup/not-a-real-link".into(), [N, N, N, N, N]),
        ("POST", "/lang".into(), [A, A, A, A, A]),
        ("GET", "/session/alive".into(), [A, A, A, A, A]),
        ("GET", "/account".into(), [A, A, A, A, A]),
        ("POST", "/account/language".into(), [A, A, A, A, A]),
        ("POST", "/account/password".into(), [A, A, A, A, A]),
        ("POST", "/account/tokens".into(), [A, A, A, A, A]),
        // Someone else's token: only an admin may revoke it; for others it does not exist.
        ("POST", format!("/account/tokens/{}/revoke", w.token_id), [A, N, N, N, N]),
        ("GET", "/admin".into(), [A, F, F, F, F]),
        ("GET", "/admin/users".into(), [A, F, F, F, F]),
        ("GET", "/admin/users/new".into(), [A, F, F, F, F]),
        ("POST", "/admin/users/new".into(), [A, F, F, F, F]),
        ("GET", format!("/admin/users/{tu}"), [A, F, F, F, F]),
        ("POST", format!("/admin/users/{tu}"), [A, F, F, F, F]),
        ("POST", format!("/admin/users/{tu}/disable"), [A, F, F, F, F]),
        ("POST", format!("/admin/users/{tu}/enable"), [A, F, F, F, F]),
        ("POST", format!("/admin/users/{tu}/reset"), [A, F, F, F, F]),
        ("GET", "/admin/communities".into(), [A, F, F, F, F]),
        ("GET", "/admin/communities/new".into(), [A, F, F, F, F]),
        ("POST", "/admin/communities/new".into(), [A, F, F, F, F]),
        ("GET", "/admin/audit".into(), [A, A, F, F, F]),
        ("GET", "/admin/export".into(), [A, F, F, F, F]),
        ("POST", "/admin/export".into(), [A, F, F, F, F]),
        ("POST", "/admin/audit/verify".into(), [A, F, F, F, F]),
        // A volunteer records visits to the households they are paired with.
        ("GET", format!("/households/{hn}/visits/new"), [A, A, A, A, F]),
        ("GET", format!("/households/{hn2}/visits/new"), [A, A, A, N, F]),
        ("GET", format!("/households/{hs}/visits/new"), [A, N, N, N, F]),
        ("POST", format!("/households/{hn}/visits"), [A, A, A, A, F]),
        ("POST", format!("/households/{hs}/visits"), [A, N, N, N, F]),
        ("GET", format!("/households/{hn}/follow-ups/new"), [A, A, A, F, F]),
        ("GET", format!("/households/{hs}/follow-ups/new"), [A, N, N, F, F]),
        ("POST", format!("/households/{hn}/follow-ups"), [A, A, A, F, F]),
        ("POST", format!("/households/{hs}/follow-ups"), [A, N, N, F, F]),
        ("GET", "/programs".into(), [A, A, A, F, F]),
        ("GET", "/programs/new".into(), [A, A, A, F, F]),
        ("POST", "/programs".into(), [A, A, A, F, F]),
        ("GET", format!("/programs/{}", w.north_class.program), [A, A, A, F, F]),
        ("GET", format!("/programs/{}", w.south_class.program), [A, N, N, F, F]),
        ("GET", format!("/programs/{}/participants.xlsx", w.north_class.program), [A, A, A, F, F]),
        ("GET", format!("/programs/{}/participants.xlsx", w.south_class.program), [A, N, N, F, F]),
        ("POST", format!("/programs/{}", w.north_class.program), [A, A, A, F, F]),
        ("POST", format!("/programs/{}", w.south_class.program), [A, N, N, F, F]),
        ("POST", format!("/programs/{}/enrolments", w.north_class.program), [A, A, A, F, F]),
        ("POST", format!("/programs/{}/enrolments", w.south_class.program), [A, N, N, F, F]),
        ("POST", format!("/programs/{}/sessions", w.north_class.program), [A, A, A, F, F]),
        ("POST", format!("/programs/{}/sessions", w.south_class.program), [A, N, N, F, F]),
        ("POST", format!("/programs/{}/certificates", w.north_class.program), [A, A, A, F, F]),
        ("POST", format!("/programs/{}/certificates", w.south_class.program), [A, N, N, F, F]),
        ("POST", format!("/enrolments/{}/end", w.north_class.enrolment), [A, A, A, F, F]),
        ("POST", format!("/enrolments/{}/end", w.south_class.enrolment), [A, N, N, F, F]),
        ("GET", format!("/sessions/{}", w.north_class.session), [A, A, A, F, F]),
        ("GET", format!("/sessions/{}", w.south_class.session), [A, N, N, F, F]),
        ("POST", format!("/sessions/{}", w.north_class.session), [A, A, A, F, F]),
        ("POST", format!("/sessions/{}", w.south_class.session), [A, N, N, F, F]),
        ("POST", format!("/sessions/{}/attendance", w.north_class.session), [A, A, A, F, F]),
        ("POST", format!("/sessions/{}/attendance", w.south_class.session), [A, N, N, F, F]),
        ("GET", format!("/sessions/{}/sheet", w.north_class.session), [A, A, A, F, F]),
        ("GET", format!("/sessions/{}/sheet", w.south_class.session), [A, N, N, F, F]),
        ("GET", format!("/certificates/{}", w.north_class.certificate), [A, A, A, F, F]),
        ("GET", format!("/certificates/{}", w.south_class.certificate), [A, N, N, F, F]),
        // The public check of a certificate: anyone, signed in or not.
        ("GET", "/verify".into(), [A, A, A, A, A]),
        ("POST", "/verify".into(), [A, A, A, A, A]),
        ("GET", format!("/visits/{}", w.vn), [A, A, A, F, F]),
        ("GET", format!("/visits/{}", w.vs), [A, N, N, F, F]),
        ("GET", "/visits/coverage".into(), [A, A, A, F, F]),
        ("GET", "/visits/plan.xlsx?community=north".into(), [A, A, A, F, F]),
        ("GET", "/visits/plan.xlsx?community=south".into(), [A, N, N, F, F]),
        ("GET", "/follow-ups".into(), [A, A, A, A, F]),
        ("GET", "/follow-ups?queue=overdue".into(), [A, A, A, A, F]),
        ("GET", "/follow-ups?queue=all".into(), [A, A, A, A, F]),
        ("GET", format!("/follow-ups/{}", w.fun), [A, A, A, N, F]),
        ("GET", format!("/follow-ups/{}", w.fus), [A, N, N, N, F]),
        ("POST", format!("/follow-ups/{}", w.fun), [A, A, A, N, F]),
        ("POST", format!("/follow-ups/{}", w.fus), [A, N, N, N, F]),
        ("GET", "/reports".into(), [A, A, A, A, A]),
        ("GET", "/dashboard".into(), [A, A, A, A, A]),
        ("GET", "/dashboard?community=north&month=2016-03&sort=c0&dir=desc".into(), [A, A, A, A, A]),
        ("GET", "/reports?community=north&from=2016-03-01&to=2016-03-31".into(), [A, A, A, A, A]),
        ("GET", "/reports.csv?community=north".into(), [A, A, A, A, A]),
        ("GET", "/reports.xlsx?community=north".into(), [A, A, A, A, A]),
        ("GET", "/reports/print?community=north".into(), [A, A, A, A, A]),
        // The records behind a figure list people: not for volunteers (paired households only) or viewers.
        ("GET", "/reports/records?key=households&community=north".into(), [A, A, A, F, F]),
        ("GET", "/reports/records.csv?key=households&community=north".into(), [A, A, A, F, F]),
        // Frozen months: everyone who reads reports sees them; coordinators close them.
        ("GET", "/reports/months?community=north".into(), [A, A, A, A, A]),
        ("POST", "/reports/months/close".into(), [A, A, F, F, F]),
        ("GET", "/reports/months/north/2016-03".into(), [A, A, A, A, A]),
        ("GET", "/reports/months/south/2016-03".into(), [A, N, N, N, N]),
        // An open month has no frozen report to export (closed ones: tests/it/months.rs).
        ("GET", "/reports/months/north/2016-03/frozen.csv".into(), [N, N, N, N, N]),
        ("GET", "/reports/months/north/2016-03/frozen.xlsx".into(), [N, N, N, N, N]),
        ("GET", "/reports/months/north/2016-03/print".into(), [N, N, N, N, N]),
    ];
    let list = [A, A, A, F, F];
    for path in ["/jobs", "/employers", "/openings", "/fairs", "/referrals", "/placements", "/check-ins"] {
        rows.push(("GET", path.into(), list));
    }
    for path in ["/employers", "/fairs", "/referrals", "/placements"] {
        rows.push(("POST", path.into(), list));
    }
    rows.extend(job_pages(&w.north_jobs, list));
    rows.extend(job_pages(&w.south_jobs, [A, N, N, F, F]));
    rows.push(("GET", "/cases".into(), list));
    rows.push(("GET", format!("/cases/new?household={}", w.hn), list));
    // An empty form names no household, and a case is opened from its household's page.
    rows.push(("POST", "/cases".into(), [N, N, N, F, F]));
    // Not assigned to the table's caseworker: 404, as a case of another community is.
    rows.extend(case_pages(w.north_case, [A, A, N, F, F]));
    rows.extend(case_pages(w.south_case, [A, N, N, F, F]));
    for path in ["/requests", "/requests/bulk", "/request-kinds"] {
        rows.push(("GET", path.into(), list));
    }
    rows.push(("GET", format!("/requests/new?household={}", w.hn), list));
    rows.push(("GET", format!("/requests/new?household={}", w.hs), [A, N, N, F, F]));
    // An empty form names no household (a request is opened from its household's page).
    rows.push(("POST", "/requests".into(), [N, N, N, F, F]));
    // Empty forms: no households chosen (422), the confirm step.
    for path in ["/requests/bulk", "/requests/resolve"] {
        rows.push(("POST", path.into(), list));
    }
    // Kinds are edited by coordinators and admins.
    rows.push(("POST", "/request-kinds".into(), [A, A, F, F, F]));
    rows.extend(request_pages(w.north_request, list, [A, A, F, F, F]));
    rows.extend(request_pages(w.south_request, [A, N, N, F, F], [A, N, N, F, F]));
    // The handbook: the team's own rules are read by volunteers too, never by viewers;
    // coordinators write them. Agreements: read by caseworkers, written by coordinators.
    let (read, edit) = ([A, A, A, A, F], [A, A, F, F, F]);
    for (m, path, e) in [
        ("GET", "/handbook", read),
        ("GET", "/handbook?q=rules&category=team_rules", read),
        ("GET", "/handbook/booklet", read),
        ("GET", "/handbook/new", edit),
        ("POST", "/handbook", edit),
        ("GET", "/handbook/categories", edit),
        ("POST", "/handbook/categories", edit),
        ("GET", "/partnerships", list),
        ("GET", "/partnerships/new", edit),
        ("POST", "/partnerships", edit),
    ] {
        rows.push((m, path.into(), e));
    }
    rows.extend(handbook_pages(&w.north_handbook, [read, edit, edit, list, edit]));
    // Another community's: not found for whoever may read its kind; a category is renamed
    // only by those who edit (403 first).
    let (n4, n3) = ([A, N, N, N, F], [A, N, N, F, F]);
    rows.extend(handbook_pages(&w.south_handbook, [n4, n4, [A, N, F, F, F], n3, n3]));
    // Pairing: volunteers see their own pairs only (the table's is with `hn`, not these).
    let see = [A, A, A, A, F];
    let manage = [A, A, F, F, F];
    rows.push(("GET", "/pairs".into(), see));
    rows.push(("GET", "/pairs?missed=2".into(), see));
    rows.push(("GET", format!("/pairs/new?household={}", w.hn), manage));
    // An empty form names no household, and a pair is made from its household's page.
    rows.push(("POST", "/pairs".into(), [N, N, F, F, F]));
    rows.push(("GET", "/helpers".into(), see));
    rows.push(("POST", "/helpers".into(), manage));
    rows.extend(pair_pages(w.north_pair, [A, A, A, N, F], manage));
    rows.extend(pair_pages(w.south_pair, [A, N, N, N, F], [A, N, F, F, F]));
    // Goals: everyone who reads reports reads goals and the letter; coordinators set them.
    // An empty change keeps everything; an empty withdrawal lacks its version (422).
    let manage = [A, A, F, F, F];
    rows.push(("GET", "/goals".into(), [A, A, A, A, A]));
    rows.push(("GET", "/goals?year=2016&community=south".into(), [A, N, N, N, N]));
    rows.push(("GET", "/goals/letter?year=2016".into(), [A, A, A, A, A]));
    rows.push(("GET", "/goals/new".into(), manage));
    rows.push(("POST", "/goals".into(), manage));
    for (g, e) in [(w.north_goal, manage), (w.south_goal, [A, N, N, N, N])] {
        rows.push(("GET", format!("/goals/{g}/edit"), e));
        rows.push(("POST", format!("/goals/{g}"), e));
        rows.push(("POST", format!("/goals/{g}/delete"), e));
    }
    // Imports: whoever adds people in a community imports into it.
    let edit = [A, A, A, F, F];
    rows.push(("GET", "/households.xlsx?q=zw".into(), [A, A, A, A, F]));
    rows.push(("GET", "/residents.xlsx?q=zw".into(), [A, A, A, A, F]));
    rows.push(("GET", "/follow-ups.xlsx?queue=all".into(), [A, A, A, A, F]));
    rows.push(("GET", "/imports".into(), edit));
    rows.push(("POST", "/imports".into(), edit));
    rows.push(("GET", "/imports/templates/households.csv".into(), edit));
    rows.push(("GET", "/imports/templates/residents.xlsx".into(), edit));
    for (u, e) in [(w.north_upload, edit), (w.south_upload, [A, N, N, F, F])] {
        rows.push(("GET", format!("/imports/{u}"), e));
        rows.push(("GET", format!("/imports/{u}/progress"), e));
        rows.push(("POST", format!("/imports/{u}/check"), e));
        rows.push(("POST", format!("/imports/{u}/run"), e));
        // Nothing refused yet: there is no file of refused rows.
        rows.push(("GET", format!("/imports/{u}/rejected.csv"), [N, N, N, F, F]));
    }
    // Residents' data rights: coordinators and admins, in their communities.
    for (r, e) in [(w.rn, [A, A, F, F, F]), (w.rs, [A, N, F, F, F])] {
        rows.push(("GET", format!("/residents/{r}/data"), e));
        rows.push(("GET", format!("/residents/{r}/data.json"), e));
        rows.push(("GET", format!("/residents/{r}/erase"), e));
        // Without a reason nothing is erased (422).
        rows.push(("POST", format!("/residents/{r}/erase"), e));
    }
    rows.push(("GET", "/retention".into(), [A, A, F, F, F]));
    rows.push(("POST", "/retention".into(), [A, A, F, F, F]));
    rows.push(("POST", "/retention/erase".into(), [A, A, F, F, F]));
    for (h, e) in [(w.hn, [A, A, F, F, F]), (w.hs, [A, N, F, F, F])] {
        rows.push(("GET", format!("/households/{h}/erase"), e));
        rows.push(("POST", format!("/households/{h}/erase"), e));
    }
    // Last: it ends the session of whoever asks.
    rows.push(("POST", "/logout".into(), [A, A, A, A, A]));
    rows
}

/// Does a concrete path (query dropped) match a route template (`{x}` matches one segment)?
fn matches_template(path: &str, template: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let (p, t): (Vec<&str>, Vec<&str>) = (path.split('/').collect(), template.split('/').collect());
    p.len() == t.len() && p.iter().zip(&t).all(|(a, b)| (b.starts_with('{') && b.ends_with('}')) || a == b)
}

/// The page routes the router has that no row of `rows` exercises.
fn unlisted_page_routes(rows: &[(&'static str, String, [E; 5])]) -> Vec<String> {
    hearth_web::practice::page_routes()
        .into_iter()
        .filter(|(method, template)| {
            !rows.iter().any(|(m, path, _)| *m == method.as_str() && matches_template(path, template))
        })
        .map(|(method, template)| format!("{method} {template}"))
        .collect()
}

/// (method, path, OpenAPI path template, expectation per role).
fn api_routes(w: &World) -> Vec<(&'static str, String, &'static str, [E; 5])> {
    let (hn, hs, rn, rs, cn, tid) = (w.hn, w.hs, w.rn, w.rs, w.cn, w.token_id);
    let mut rows = vec![
        ("GET", "/api/v1/communities".into(), "/api/v1/communities", [A, A, A, A, A]),
        ("POST", "/api/v1/communities".into(), "/api/v1/communities", [A, F, F, F, F]),
        ("GET", "/api/v1/communities/north".into(), "/api/v1/communities/{slug}", [A, A, A, A, A]),
        ("GET", "/api/v1/communities/south".into(), "/api/v1/communities/{slug}", [A, N, N, N, N]),
        ("GET", "/api/v1/households".into(), "/api/v1/households", [A, A, A, A, F]),
        ("POST", "/api/v1/households".into(), "/api/v1/households", [A, A, A, F, F]),
        ("GET", format!("/api/v1/households/{hn}"), "/api/v1/households/{id}", [A, A, A, A, F]),
        ("GET", format!("/api/v1/households/{hs}"), "/api/v1/households/{id}", [A, N, N, N, F]),
        ("PATCH", format!("/api/v1/households/{hn}"), "/api/v1/households/{id}", [A, A, A, F, F]),
        ("GET", "/api/v1/residents".into(), "/api/v1/residents", [A, A, A, A, F]),
        ("POST", "/api/v1/residents".into(), "/api/v1/residents", [A, A, A, F, F]),
        ("GET", format!("/api/v1/residents/{rn}"), "/api/v1/residents/{id}", [A, A, A, A, F]),
        ("GET", format!("/api/v1/residents/{rs}"), "/api/v1/residents/{id}", [A, N, N, N, F]),
        ("PATCH", format!("/api/v1/residents/{rn}"), "/api/v1/residents/{id}", [A, A, A, F, F]),
        // Volunteers see name and contact only: consent records do not exist for them.
        ("GET", format!("/api/v1/households/{hn}/consents"), "/api/v1/households/{id}/consents", [A, A, A, N, F]),
        ("POST", format!("/api/v1/households/{hn}/consents"), "/api/v1/households/{id}/consents", [A, A, A, F, F]),
        ("GET", format!("/api/v1/consents/{cn}"), "/api/v1/consents/{id}", [A, A, A, N, F]),
        ("POST", format!("/api/v1/consents/{cn}/withdraw"), "/api/v1/consents/{id}/withdraw", [A, A, A, F, F]),
        ("GET", "/api/v1/tokens".into(), "/api/v1/tokens", [A, A, A, A, A]),
        ("GET", "/api/v1/audit".into(), "/api/v1/audit", [A, A, F, F, F]),
        ("POST", "/api/v1/tokens".into(), "/api/v1/tokens", [A, A, A, A, A]),
        // Someone else's token: only an admin may revoke it; for others it does not exist.
        ("DELETE", format!("/api/v1/tokens/{tid}"), "/api/v1/tokens/{id}", [A, N, N, N, N]),
        ("GET", "/api/v1/visits".into(), "/api/v1/visits", [A, A, A, F, F]),
        ("POST", "/api/v1/visits".into(), "/api/v1/visits", [A, A, A, A, F]),
        ("GET", format!("/api/v1/visits/{}", w.vn), "/api/v1/visits/{id}", [A, A, A, F, F]),
        ("GET", format!("/api/v1/visits/{}", w.vs), "/api/v1/visits/{id}", [A, N, N, F, F]),
        ("GET", "/api/v1/follow-ups".into(), "/api/v1/follow-ups", [A, A, A, A, F]),
        ("POST", "/api/v1/follow-ups".into(), "/api/v1/follow-ups", [A, A, A, F, F]),
        ("GET", format!("/api/v1/follow-ups/{}", w.fun), "/api/v1/follow-ups/{id}", [A, A, A, N, F]),
        ("GET", format!("/api/v1/follow-ups/{}", w.fus), "/api/v1/follow-ups/{id}", [A, N, N, N, F]),
        ("PATCH", format!("/api/v1/follow-ups/{}", w.fun), "/api/v1/follow-ups/{id}", [A, A, A, N, F]),
        ("PATCH", format!("/api/v1/follow-ups/{}", w.fus), "/api/v1/follow-ups/{id}", [A, N, N, N, F]),
        ("GET", "/api/v1/indicators".into(), "/api/v1/indicators", [A, A, A, A, A]),
        ("GET", "/api/v1/reports?community=north".into(), "/api/v1/reports", [A, A, A, A, A]),
        ("GET", "/api/v1/reports/records?key=households".into(), "/api/v1/reports/records", [A, A, A, F, F]),
        ("GET", "/api/v1/reports/months?community=north".into(), "/api/v1/reports/months", [A, A, A, A, A]),
        ("POST", "/api/v1/reports/months".into(), "/api/v1/reports/months", [A, A, F, F, F]),
        (
            "GET",
            "/api/v1/reports/months/north/2016-03".into(),
            "/api/v1/reports/months/{community}/{month}",
            [A, A, A, A, A],
        ),
        ("GET", "/api/v1/programs".into(), "/api/v1/programs", [A, A, A, F, F]),
        ("POST", "/api/v1/programs".into(), "/api/v1/programs", [A, A, A, F, F]),
        ("GET", format!("/api/v1/programs/{}", w.north_class.program), "/api/v1/programs/{id}", [A, A, A, F, F]),
        ("GET", format!("/api/v1/programs/{}", w.south_class.program), "/api/v1/programs/{id}", [A, N, N, F, F]),
        ("PATCH", format!("/api/v1/programs/{}", w.north_class.program), "/api/v1/programs/{id}", [A, A, A, F, F]),
        ("PATCH", format!("/api/v1/programs/{}", w.south_class.program), "/api/v1/programs/{id}", [A, N, N, F, F]),
        (
            "POST",
            format!("/api/v1/programs/{}/enrolments", w.north_class.program),
            "/api/v1/programs/{id}/enrolments",
            [A, A, A, F, F],
        ),
        (
            "POST",
            format!("/api/v1/programs/{}/enrolments", w.south_class.program),
            "/api/v1/programs/{id}/enrolments",
            [A, N, N, F, F],
        ),
        (
            "POST",
            format!("/api/v1/programs/{}/certificates", w.north_class.program),
            "/api/v1/programs/{id}/certificates",
            [A, A, A, F, F],
        ),
        (
            "POST",
            format!("/api/v1/programs/{}/certificates", w.south_class.program),
            "/api/v1/programs/{id}/certificates",
            [A, N, N, F, F],
        ),
        (
            "PATCH",
            format!("/api/v1/enrolments/{}", w.north_class.enrolment),
            "/api/v1/enrolments/{id}",
            [A, A, A, F, F],
        ),
        (
            "PATCH",
            format!("/api/v1/enrolments/{}", w.south_class.enrolment),
            "/api/v1/enrolments/{id}",
            [A, N, N, F, F],
        ),
        ("GET", "/api/v1/sessions".into(), "/api/v1/sessions", [A, A, A, F, F]),
        ("POST", "/api/v1/sessions".into(), "/api/v1/sessions", [A, A, A, F, F]),
        ("GET", format!("/api/v1/sessions/{}", w.north_class.session), "/api/v1/sessions/{id}", [A, A, A, F, F]),
        ("GET", format!("/api/v1/sessions/{}", w.south_class.session), "/api/v1/sessions/{id}", [A, N, N, F, F]),
        ("PATCH", format!("/api/v1/sessions/{}", w.north_class.session), "/api/v1/sessions/{id}", [A, A, A, F, F]),
        ("PATCH", format!("/api/v1/sessions/{}", w.south_class.session), "/api/v1/sessions/{id}", [A, N, N, F, F]),
        (
            "GET",
            format!("/api/v1/attendance?session_id={}", w.north_class.session),
            "/api/v1/attendance",
            [A, A, A, F, F],
        ),
        (
            "GET",
            format!("/api/v1/attendance?session_id={}", w.south_class.session),
            "/api/v1/attendance",
            [A, N, N, F, F],
        ),
        ("POST", "/api/v1/attendance".into(), "/api/v1/attendance", [A, A, A, F, F]),
    ];
    let list = [A, A, A, F, F];
    for path in [
        "/api/v1/employers",
        "/api/v1/agreements",
        "/api/v1/openings",
        "/api/v1/fairs",
        "/api/v1/referrals",
        "/api/v1/placements",
    ] {
        rows.push(("GET", path.into(), path, list));
        rows.push(("POST", path.into(), path, list));
    }
    rows.push(("GET", "/api/v1/check-ins".into(), "/api/v1/check-ins", list));
    rows.extend(job_api(&w.north_jobs, list));
    rows.extend(job_api(&w.south_jobs, [A, N, N, F, F]));
    rows.push(("GET", "/api/v1/cases".into(), "/api/v1/cases", list));
    rows.push(("POST", "/api/v1/cases".into(), "/api/v1/cases", list));
    rows.push(("GET", "/api/v1/cases/ledger?from=2016-01-01&to=2016-12-31".into(), "/api/v1/cases/ledger", list));
    rows.extend(case_api(w.north_case, [A, A, N, F, F]));
    rows.extend(case_api(w.south_case, [A, N, N, F, F]));
    for path in ["/api/v1/requests", "/api/v1/requests/bulk", "/api/v1/requests/bulk-resolve"] {
        rows.push(("POST", path.into(), path, list));
    }
    rows.push(("GET", "/api/v1/requests".into(), "/api/v1/requests", list));
    rows.push(("GET", "/api/v1/request-kinds".into(), "/api/v1/request-kinds", list));
    rows.push(("POST", "/api/v1/request-kinds".into(), "/api/v1/request-kinds", [A, A, F, F, F]));
    rows.extend(request_api(w.north_request, list, [A, A, F, F, F]));
    rows.extend(request_api(w.south_request, [A, N, N, F, F], [A, N, N, F, F]));
    let (read, edit) = ([A, A, A, A, F], [A, A, F, F, F]);
    rows.push(("GET", "/api/v1/handbook".into(), "/api/v1/handbook", read));
    rows.push(("POST", "/api/v1/handbook".into(), "/api/v1/handbook", edit));
    rows.push(("GET", "/api/v1/partnerships".into(), "/api/v1/partnerships", list));
    rows.push(("POST", "/api/v1/partnerships".into(), "/api/v1/partnerships", edit));
    rows.extend(handbook_api(&w.north_handbook, read, edit, list, edit));
    rows.extend(handbook_api(&w.south_handbook, [A, N, N, N, F], [A, N, N, N, F], [A, N, N, F, F], [A, N, N, F, F]));
    let see = [A, A, A, A, F];
    let manage = [A, A, F, F, F];
    for path in ["/api/v1/helpers", "/api/v1/pairs"] {
        rows.push(("GET", path.into(), path, see));
        rows.push(("POST", path.into(), path, manage));
    }
    rows.extend(pair_api(w.north_pair, [A, A, A, N, F], manage));
    rows.extend(pair_api(w.south_pair, [A, N, N, N, F], [A, N, F, F, F]));
    rows.push(("GET", "/api/v1/goals".into(), "/api/v1/goals", [A, A, A, A, A]));
    rows.push(("POST", "/api/v1/goals".into(), "/api/v1/goals", manage));
    for (g, read, e) in [(w.north_goal, [A, A, A, A, A], manage), (w.south_goal, [A, N, N, N, N], [A, N, N, N, N])] {
        rows.push(("GET", format!("/api/v1/goals/{g}"), "/api/v1/goals/{id}", read));
        rows.push(("PATCH", format!("/api/v1/goals/{g}"), "/api/v1/goals/{id}", e));
        rows.push(("DELETE", format!("/api/v1/goals/{g}"), "/api/v1/goals/{id}", e));
    }
    rows
}

#[tokio::test]
async fn every_page_route_for_every_role() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut clients = Vec::new();
    for role in ROLES {
        clients.push(app.login_as(role, role, &["north"]).await);
    }
    app.pair("volunteer", w.hn).await;
    let mut wrong = Vec::new();
    for (method, path, expected) in page_routes(&w) {
        for (i, role) in ROLES.iter().enumerate() {
            let c = &mut clients[i];
            let res = if method == "GET" { c.get(&path).await } else { c.post_form(&path, &[]).await };
            if res.status == StatusCode::SEE_OTHER && res.location().starts_with("/login") && path != "/logout" {
                wrong.push(format!("{method} {path} as {role}: logged out (by an earlier row?)"));
                continue;
            }
            let got = verdict(res.status);
            if got != expected[i] {
                wrong.push(format!("{method} {path} as {role}: expected {:?}, got {} ", expected[i], res.status));
            }
        }
    }
    assert!(wrong.is_empty(), "role × route mismatches:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn every_api_route_for_every_role() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut clients = Vec::new();
    for role in ROLES {
        clients.push(app.api_as(role, role, &["north"]).await);
    }
    app.pair("volunteer", w.hn).await;
    let mut wrong = Vec::new();
    for (method, path, _, expected) in api_routes(&w) {
        for (i, role) in ROLES.iter().enumerate() {
            let c = &mut clients[i];
            let res =
                if method == "GET" { c.get(&path).await } else { c.json(method, &path, &serde_json::json!({})).await };
            let got = verdict(res.status);
            if got != expected[i] {
                wrong.push(format!(
                    "{method} {path} as {role}: expected {:?}, got {} {}",
                    expected[i], res.status, res.text
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "role × API route mismatches:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_api_table_covers_every_documented_route() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let doc = app.client().get("/api/openapi.json").await.json();
    let table: Vec<(String, String)> =
        api_routes(&w).into_iter().map(|(m, _, tpl, _)| (m.to_lowercase(), tpl.to_owned())).collect();
    let mut missing = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if !table.contains(&(method.clone(), path.clone())) {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(missing.is_empty(), "routes without a role row: {missing:?}");
    let undocumented: Vec<String> = table
        .iter()
        .filter(|(m, tpl)| !doc["paths"][tpl.as_str()][m.as_str()].is_object())
        .map(|(m, tpl)| format!("{} {tpl}", m.to_uppercase()))
        .collect();
    assert!(undocumented.is_empty(), "rows for undocumented routes: {undocumented:?}");
}

#[tokio::test]
async fn the_page_table_covers_every_page_route_of_the_router() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let rows = page_routes(&w);
    let missing = unlisted_page_routes(&rows);
    assert!(missing.is_empty(), "page routes without a role row: {missing:?}");
    // And the check can fail: without its rows, a route is reported.
    let fewer: Vec<_> = rows.into_iter().filter(|(_, p, _)| !p.starts_with("/visits/coverage")).collect();
    assert_eq!(unlisted_page_routes(&fewer), vec!["GET /visits/coverage".to_owned()]);
    assert!(matches_template("/households/12/edit?x=1", "/households/{id}/edit"));
    assert!(!matches_template("/households/12", "/households/{id}/edit"));
}

#[tokio::test]
async fn anonymous_requests_are_sent_to_login_or_get_401() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut anon = app.client();
    for (method, path, _) in page_routes(&w) {
        // The public pages (sign-in, setup links) answer anonymous visitors themselves.
        if method != "GET" || path == "/" || path == "/login" || path.starts_with("/setup/") || path == "/verify" {
            continue;
        }
        let res = anon.get(&path).await;
        // A script's ping: 401, never a redirect for fetch to follow.
        if path == "/session/alive" {
            assert_eq!(res.status, StatusCode::UNAUTHORIZED);
            continue;
        }
        assert_eq!(res.status, StatusCode::SEE_OTHER, "GET {path}");
        assert!(res.location().starts_with("/login?next="), "GET {path} → {}", res.location());
    }
    for (method, path, _, _) in api_routes(&w) {
        if method != "GET" {
            continue;
        }
        let res = anon.get(&path).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "GET {path}");
        assert_eq!(res.json()["error"]["code"], "unauthenticated");
    }
}
