//! Hardship cases: the ledger balances under any sequence of operations (a property test
//! against a model), two payments at once cannot overdraw a case, bad amounts are refused by
//! field with nothing stored, a caseworker not assigned to a case cannot reach it by any
//! route, and the demo's figures.

use axum::http::StatusCode;
use hearth_core::Actor;
use hearth_core::cases::Stream;
use hearth_core::cases::ledger::{self, MoneyInput};
use hearth_core::cases::records::{self, CaseInput};
use hearth_core::cases::relief::{self, DecisionInput, ReliefInput};
use hearth_core::indicators::{self, Scope};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

use crate::support::*;

async fn figure(app: &TestApp, community: i64, from: &str, to: &str, key: &str) -> Option<f64> {
    let scope = Scope::new(vec![community], d(from), d(to)).unwrap();
    let f = indicators::evaluate(&app.store, &scope, Some(&[key])).await.unwrap();
    f.iter().find(|x| x.key == key).and_then(|x| x.value)
}

/// A case of a new household of north, worked on by `worker`.
async fn a_case(app: &TestApp, code: &str, worker: i64) -> i64 {
    let h = hh(app, "north", code, "2016-01-10", None, 1).await;
    records::open(
        &app.store,
        &Actor::system(),
        CaseInput {
            household_id: Some(h),
            category: Some("illness".into()),
            summary: Some("A seriously ill son".into()),
            opened_on: Some("2016-04-02".into()),
            worker_ids: Some(vec![worker]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

fn money(amount: i64) -> MoneyInput {
    MoneyInput {
        amount: Some(hearth_core::money::format_minor(amount)),
        on: Some("2016-05-01".into()),
        party: Some("someone".into()),
        ..Default::default()
    }
}

#[derive(Clone, Debug)]
enum Op {
    Donate(i64),
    Reverse(usize),
    Apply(i64),
    Approve(usize, i64),
    Receive(usize, i64),
    Pay(i64),
    Return(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let amount = 1i64..=300_000;
    prop_oneof![
        3 => amount.clone().prop_map(Op::Donate),
        1 => (0usize..20).prop_map(Op::Reverse),
        1 => amount.clone().prop_map(Op::Apply),
        1 => ((0usize..5), amount.clone()).prop_map(|(i, a)| Op::Approve(i, a)),
        1 => ((0usize..5), amount.clone()).prop_map(|(i, a)| Op::Receive(i, a)),
        3 => amount.clone().prop_map(Op::Pay),
        1 => amount.prop_map(Op::Return),
    ]
}

/// What the ledger should hold after each operation, computed here.
#[derive(Default)]
struct Model {
    /// (row id, held delta, stream, reversed or a reversal)
    rows: Vec<(i64, i64, Stream, bool)>,
    /// (application id, approved, received)
    apps: Vec<(i64, Option<i64>, i64)>,
    totals: ledger::Totals,
}

impl Model {
    fn add(&mut self, id: i64, stream: Stream, amount: i64, closed: bool) {
        let delta = stream.sign() * amount;
        self.rows.push((id, delta, stream, closed));
        match stream {
            Stream::Donation => self.totals.donations += amount,
            Stream::Relief => self.totals.relief += amount,
            Stream::Payment => self.totals.paid += amount,
            Stream::Returned => self.totals.returned += amount,
            Stream::TransferOut => self.totals.transferred_out += amount,
            Stream::TransferIn => self.totals.transferred_in += amount,
        }
        self.totals.held += delta;
    }
}

/// Any sequence of donations, reversals, applications, approvals, relief received, payments
/// and returns: the ledger always balances, never goes below zero, refuses exactly what
/// would overdraw it, and its stored totals are the model's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_balances_under_any_sequence_of_operations() {
    let app = spawn_app().await;
    app.community("north").await;
    let worker = app.user("worker", "caseworker", &["north"]).await.id;
    let sys = Actor::system();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
    let handle = tokio::runtime::Handle::current();
    let result = runner.run(&proptest::collection::vec(op(), 1..25), |ops| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let case = a_case(&app, &format!("L-{n}"), worker).await;
                let mut m = Model::default();
                for o in &ops {
                    match o {
                        Op::Donate(a) => {
                            let e = ledger::donate(&app.store, &sys, case, money(*a)).await.unwrap();
                            m.add(e.id, Stream::Donation, *a, false);
                        }
                        Op::Pay(a) | Op::Return(a) => {
                            let stream = if matches!(o, Op::Pay(_)) { Stream::Payment } else { Stream::Returned };
                            let r = ledger::pay_out(&app.store, &sys, case, stream, money(*a)).await;
                            if *a > m.totals.held {
                                prop_assert!(r.is_err(), "{o:?} with {} held was accepted", m.totals.held);
                            } else {
                                m.add(r.unwrap().id, stream, *a, false);
                            }
                        }
                        Op::Reverse(i) => {
                            let Some(&(id, delta, stream, closed)) = m.rows.get(*i) else { continue };
                            let r = ledger::reverse(
                                &app.store,
                                &sys,
                                id,
                                ledger::ReversalInput { note: Some("a mistake".into()), on: Some("2016-05-02".into()) },
                            )
                            .await;
                            if closed || m.totals.held - delta < 0 {
                                prop_assert!(r.is_err(), "reversing row {i} was accepted");
                            } else {
                                let e = r.unwrap();
                                m.rows[*i].3 = true;
                                let amount = -(delta * stream.sign());
                                m.add(e.id, stream, amount, true);
                                if stream == Stream::Relief
                                    && let Some(app_row) = m.apps.iter_mut().find(|x| Some(x.0) == e.relief_id)
                                {
                                    app_row.2 += amount;
                                }
                            }
                        }
                        Op::Apply(a) => {
                            let r = relief::apply(
                                &app.store,
                                &sys,
                                case,
                                ReliefInput {
                                    scheme: Some("major illness".into()),
                                    agency: Some("civil affairs".into()),
                                    requested: Some(hearth_core::money::format_minor(*a)),
                                    applied_on: Some("2016-04-10".into()),
                                },
                            )
                            .await
                            .unwrap();
                            m.apps.push((r.id, None, 0));
                        }
                        Op::Approve(i, a) => {
                            let Some(&(id, approved, _)) = m.apps.get(*i) else { continue };
                            let r = relief::decide(
                                &app.store,
                                &sys,
                                id,
                                DecisionInput {
                                    decision: Some("approved".into()),
                                    approved: Some(hearth_core::money::format_minor(*a)),
                                    decided_on: Some("2016-04-20".into()),
                                },
                            )
                            .await;
                            if approved.is_some() {
                                prop_assert!(r.is_err(), "decided twice");
                            } else {
                                r.unwrap();
                                m.apps[*i].1 = Some(*a);
                            }
                        }
                        Op::Receive(i, a) => {
                            let Some(&(id, approved, received)) = m.apps.get(*i) else { continue };
                            let r = ledger::receive_relief(
                                &app.store,
                                &sys,
                                case,
                                MoneyInput { relief_id: Some(id), ..money(*a) },
                            )
                            .await;
                            match approved {
                                Some(ap) if received + a <= ap => {
                                    let e = r.unwrap();
                                    m.apps[*i].2 += a;
                                    m.add(e.id, Stream::Relief, *a, false);
                                }
                                _ => prop_assert!(r.is_err(), "{o:?} accepted beyond the approval"),
                            }
                        }
                    }
                    let stored = ledger::totals(app.store.conn(), case).await.unwrap();
                    prop_assert!(stored.held >= 0, "held went below zero after {o:?}");
                    prop_assert_eq!(
                        stored.held,
                        stored.donations + stored.relief + stored.transferred_in
                            - stored.paid
                            - stored.returned
                            - stored.transferred_out
                    );
                    prop_assert_eq!(stored, m.totals, "after {:?}", o);
                }
                Ok(())
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Two payments at once that together would overdraw the case: exactly one is made.
#[tokio::test]
async fn two_payments_at_once_cannot_overdraw_a_case() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("worker", "caseworker", &["north"]).await;
    let me = app.user("worker2", "caseworker", &["north"]).await.id;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let res = api
        .json("POST", "/api/v1/cases", &json!({"household_id": h, "category": "illness", "summary": "ill", "opened_on": "2016-04-02", "worker_ids": [me]}))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let case = res.json()["id"].as_i64().unwrap();
    let res = api
        .json(
            "POST",
            &format!("/api/v1/cases/{case}/donations"),
            &json!({"amount": "1,000.00", "on": "2016-04-05", "party": "Neighbours"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["amount"], 100000);
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let mut c = api.clone();
        tasks.push(tokio::spawn(async move {
            c.json(
                "POST",
                &format!("/api/v1/cases/{case}/payments"),
                &json!({"amount": "700", "on": "2016-04-06", "party": "the mother"}),
            )
            .await
        }));
    }
    let mut made = 0;
    for t in tasks {
        let r = t.await.unwrap();
        if r.status == StatusCode::CREATED {
            made += 1;
        } else {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
            assert!(r.text.contains("more_than_held"), "{}", r.text);
        }
    }
    assert_eq!(made, 1);
    let ledger = api.get(&format!("/api/v1/cases/{case}/ledger")).await.json();
    assert_eq!(ledger["totals"]["held"], 30000);
}

/// Bad amounts name the field and store nothing; full-width digits are read as digits.
#[tokio::test]
async fn bad_amounts_are_refused_by_field() {
    let app = spawn_app().await;
    app.community("north").await;
    let worker = app.user("worker-w", "caseworker", &["north"]).await.id;
    let case = a_case(&app, "N-2", worker).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    for (typed, code) in [
        ("-5", "amount_not_positive"),
        ("0", "amount_not_positive"),
        ("0.00", "amount_not_positive"),
        ("1.005", "amount_invalid"),
        ("abc", "amount_invalid"),
        ("12e3", "amount_invalid"),
        ("", "required"),
        ("10000000000.01", "amount_too_large"),
        ("99999999999999999999", "amount_too_large"),
    ] {
        let res = api
            .json(
                "POST",
                &format!("/api/v1/cases/{case}/donations"),
                &json!({"amount": typed, "on": "2016-04-05", "anonymous": true}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}: {}", res.text);
        assert_eq!(res.json()["error"]["field_codes"]["amount"], code, "{typed}: {}", res.text);
    }
    let ledger = api.get(&format!("/api/v1/cases/{case}/ledger")).await.json();
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 0, "nothing stored");
    let res = api
        .json(
            "POST",
            &format!("/api/v1/cases/{case}/donations"),
            &json!({"amount": "１２３", "on": "2016-04-05", "anonymous": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["amount"], 12300);
    assert_eq!(res.json()["receipt_number"], "D2016-0001");
    let res = api
        .json(
            "POST",
            &format!("/api/v1/cases/{case}/donations"),
            &json!({"amount": "10000000000.00", "on": "2016-04-06", "anonymous": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "the largest amount is accepted: {}", res.text);
    assert_eq!(res.json()["receipt_number"], "D2016-0002");
}

/// A caseworker not assigned to a case gets 404 from every route that names it, and finds
/// it in no list, search, drill-down or timeline; a volunteer gets 403.
#[tokio::test]
async fn an_unassigned_caseworker_cannot_reach_a_case_by_any_route() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    let assigned = app.user("assigned", "caseworker", &["north"]).await.id;
    let case = a_case(&app, "N-3", assigned).await;
    let sys = Actor::system();
    let d = ledger::donate(&app.store, &sys, case, money(50_000)).await.unwrap();
    let r = relief::apply(
        &app.store,
        &sys,
        case,
        ReliefInput {
            scheme: Some("s".into()),
            agency: Some("a".into()),
            requested: Some("100".into()),
            applied_on: Some("2016-04-03".into()),
        },
    )
    .await
    .unwrap();
    let hid = records::get(&app.store, &sys, case).await.unwrap().case.household_id;
    let mut api = app.api_as("other", "caseworker", &["north"]).await;
    let mut web = app.login_as("other-web", "caseworker", &["north"]).await;
    let api_routes: Vec<(&str, String)> = vec![
        ("GET", format!("/api/v1/cases/{case}")),
        ("PATCH", format!("/api/v1/cases/{case}")),
        ("GET", format!("/api/v1/cases/{case}/ledger")),
        ("POST", format!("/api/v1/cases/{case}/donations")),
        ("POST", format!("/api/v1/cases/{case}/payments")),
        ("POST", format!("/api/v1/cases/{case}/relief-received")),
        ("POST", format!("/api/v1/cases/{case}/returns")),
        ("POST", format!("/api/v1/cases/{case}/transfers")),
        ("POST", format!("/api/v1/cases/ledger/{}/reversal", d.id)),
        ("GET", format!("/api/v1/cases/{case}/relief")),
        ("POST", format!("/api/v1/cases/{case}/relief")),
        ("POST", format!("/api/v1/cases/relief/{}/decision", r.id)),
        ("GET", format!("/api/v1/cases/{case}/notes")),
        ("POST", format!("/api/v1/cases/{case}/notes")),
        ("GET", format!("/api/v1/cases/{case}/follow-ups")),
        ("POST", format!("/api/v1/cases/{case}/follow-ups")),
    ];
    for (method, path) in &api_routes {
        let res = if *method == "GET" { api.get(path).await } else { api.json(method, path, &json!({})).await };
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{method} {path}: {}", res.text);
    }
    let pages: Vec<(&str, String)> = vec![
        ("GET", format!("/cases/{case}")),
        ("POST", format!("/cases/{case}")),
        ("POST", format!("/cases/{case}/notes")),
        ("POST", format!("/cases/{case}/follow-ups")),
        ("POST", format!("/cases/{case}/money")),
        ("POST", format!("/cases/{case}/relief")),
        ("GET", format!("/relief/{}", r.id)),
        ("POST", format!("/relief/{}", r.id)),
        ("POST", format!("/ledger/{}/reverse", d.id)),
        ("GET", format!("/ledger/{}/receipt", d.id)),
    ];
    for (method, path) in &pages {
        let res = if *method == "GET" { web.get(path).await } else { web.post_form(path, &[]).await };
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Lists, the household's page and timeline, and the reports' drill-down.
    assert_eq!(api.get("/api/v1/cases").await.json().as_array().unwrap().len(), 0);
    let list = web.get("/cases").await;
    assert!(!list.text.contains(&format!("/cases/{case}\"")), "listed");
    let page = web.get(&format!("/households/{hid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains(&format!("/cases/{case}")), "the household page shows the case");
    let res =
        api.get("/api/v1/reports/records?key=donations_raised&community=north&from=2016-01-01&to=2016-12-31").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text);
    // The assigned worker and the coordinator reach it; a volunteer may not work on cases.
    let (_, secret) = hearth_core::auth::tokens::create(&app.store, &sys, assigned, "t").await.unwrap();
    let mut mine = app.client();
    mine.bearer = Some(secret);
    assert_eq!(mine.get(&format!("/api/v1/cases/{case}")).await.status, StatusCode::OK);
    assert_eq!(mine.get("/api/v1/cases").await.json().as_array().unwrap().len(), 1);
    let mut coord = app.api_as("coord", "coordinator", &["north"]).await;
    assert_eq!(coord.get(&format!("/api/v1/cases/{case}")).await.status, StatusCode::OK);
    let mut vol = app.api_as("vol", "volunteer", &["north"]).await;
    assert_eq!(vol.get(&format!("/api/v1/cases/{case}")).await.status, StatusCode::FORBIDDEN);
    // Figures (totals only) stay available.
    assert_eq!(figure(&app, north, "2016-01-01", "2016-12-31", "donations_raised").await, Some(50_000.0));
}

/// The demo's figures (shared/DEMO.md): April to June 2016.
#[tokio::test]
async fn the_demo_reproduces_its_case_figures() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let c = hearth_core::registry::communities::by_slug(&app.store, &Actor::system(), "jiafu").await.unwrap().id;
    let f = |key: &'static str| figure(&app, c, "2016-04-01", "2016-06-30", key);
    assert_eq!(f("cases_opened").await, Some(1.0));
    assert_eq!(f("cases_resolved").await, Some(1.0));
    assert_eq!(f("donations_raised").await, Some(295_000.0));
    assert_eq!(f("relief_requested").await, Some(200_000.0));
    assert_eq!(f("relief_approved").await, Some(200_000.0));
    assert_eq!(f("relief_received").await, Some(200_000.0));
    assert_eq!(f("paid_to_families").await, Some(495_000.0));
    assert_eq!(f("held_at_end").await, Some(0.0));
    // The community-wide ledger report: its totals are the sum of its cases, and the figures'.
    let mut coord = app.api_as("coord", "coordinator", &["jiafu"]).await;
    let r = coord.get("/api/v1/cases/ledger?from=2016-04-01&to=2016-05-31").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = r.json();
    let cases = r["cases"].as_array().unwrap();
    let sum = |k: &str| cases.iter().map(|c| c["period"][k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(r["totals"]["donations"].as_i64(), Some(sum("donations")));
    assert_eq!(r["totals"]["paid"].as_i64(), Some(sum("paid")));
    assert_eq!(r["totals"]["donations"], 295_000);
    assert_eq!(r["totals"]["paid"], 350_000);
    let held = figure(&app, c, "2016-04-01", "2016-05-31", "held_at_end").await;
    assert_eq!(r["held_at_end"].as_f64(), held);
    assert_eq!(held, Some(145_000.0));
}

/// Receipt numbers stay unique and without gaps when donations arrive at once.
#[tokio::test]
async fn receipt_numbers_are_unique_under_simultaneous_donations() {
    let app = spawn_app().await;
    app.community("north").await;
    let worker = app.user("worker-r", "caseworker", &["north"]).await.id;
    let case = a_case(&app, "N-4", worker).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = app.store.clone();
        tasks.push(tokio::spawn(async move { ledger::donate(&store, &Actor::system(), case, money(1_000)).await }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().unwrap().receipt_number.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=8).map(|n| format!("D2016-{n:04}")).collect();
    assert_eq!(numbers, expected);
    assert_eq!(ledger::totals(app.store.conn(), case).await.unwrap().held, 8_000);
}
