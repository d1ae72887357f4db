//! The journeys, in the order they run. Each is an `async fn(Browser) -> Res` in the module of
//! its practice; [`all`] lists them. Every journey runs on a fresh server (fresh database) and a
//! fresh browser, at 360×740 and at 1366×768.

mod auth;
mod cases;
mod dashboard;
mod goals;
mod handbook;
mod imports;
mod jobs;
mod months;
mod pairs;
mod programs;
mod registry;
mod requests;
mod visits;

use crate::harness::{Journey, journey};

pub fn all() -> Vec<Journey> {
    vec![
        journey("first-run-setup", auth::first_run_setup),
        journey("login", auth::login).also_on_postgres(),
        journey("language", auth::switch_language),
        journey("logout", auth::logout),
        journey("household-with-residents", registry::household_with_residents).also_on_postgres(),
        journey("resident-search-pinyin", registry::search_by_pinyin_initials),
        journey("resident-edit-bad-value", registry::edit_with_bad_value),
        journey("withdraw-consent-confirm", registry::withdraw_consent_through_the_confirm_step),
        journey("volunteer-not-paired", registry::volunteer_cannot_open_unpaired_household),
        journey("visit-with-two-needs", visits::record_visit_with_two_needs_journey).also_on_postgres(),
        journey("resolve-leaves-overdue", visits::resolve_leaves_overdue_queue),
        journey("today-after-login", visits::today_after_login).also_on_postgres(),
        journey("screenshots", visits::screenshots_of_the_main_pages),
        journey("visit-after-session-ended", visits::visit_saved_after_the_session_ended)
            .serving_with(&["--session-idle-seconds", "10"]),
        journey("program-weekly", programs::create_weekly_program).serving_with(&["--demo"]),
        journey("roll-call-with-reload", programs::roll_call_with_reload).serving_with(&["--demo"]).also_on_postgres(),
        journey("certificate-verify", programs::certificate_and_verify).serving_with(&["--demo"]),
        journey("job-fair-to-check-in", jobs::fair_to_check_in).serving_with(&["--demo"]).also_on_postgres(),
        journey("hardship-case", cases::open_to_resolved).serving_with(&["--demo"]).also_on_postgres(),
        journey("pair-volunteer-contact", pairs::pair_a_volunteer_who_records_a_contact)
            .serving_with(&["--demo"])
            .also_on_postgres(),
        journey("handbook-procedure-diff-booklet", handbook::edit_procedure_diff_and_booklet).serving_with(&["--demo"]),
        journey("bulk-requests", requests::bulk_for_a_building).serving_with(&["--demo"]),
        journey("months", months::close_edit_and_see_revised).also_on_postgres(),
        journey("goals", goals::set_a_goal_and_see_progress_move).serving_with(&["--demo"]).also_on_postgres(),
        journey("dashboard", dashboard::charts_goals_and_queues).serving_with(&["--demo"]),
        journey("import-and-rights", imports::import_a_ledger_and_handle_a_residents_request).serving_with(&["--demo"]),
        journey("export-page", imports::export_page_and_list_downloads).serving_with(&["--demo"]),
    ]
}
