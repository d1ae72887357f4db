//! SeaORM entities: one per table, shared by both backends.
//!
//! Integer keys are `i64` everywhere (the migration makes them 64-bit on both backends), dates
//! are calendar dates (`NaiveDate`), and timestamps are UTC.

pub mod agreement;
pub mod agreement_scan;
pub mod api_token;
pub mod attendance;
pub mod audit_log;
pub mod audit_record;
pub mod case;
pub mod case_follow_up;
pub mod case_resident;
pub mod case_worker;
pub mod certificate;
pub mod check_in;
pub mod closed_month;
pub mod closed_month_line;
pub mod community;
pub mod consent;
pub mod employer;
pub mod employer_contact;
pub mod enrolment;
pub mod fair_employer;
pub mod fair_opening;
pub mod follow_up;
pub mod follow_up_history;
pub mod goal;
pub mod handbook_category;
pub mod handbook_document;
pub mod handbook_version;
pub mod helper;
pub mod household;
pub mod import;
pub mod job_fair;
pub mod ledger_entry;
pub mod login_device;
pub mod login_throttle;
pub mod note;
pub mod opening;
pub mod pair;
pub mod pair_contact;
pub mod partnership;
pub mod partnership_scan;
pub mod placement;
pub mod program;
pub mod program_session;
pub mod program_slot;
pub mod program_trainer;
pub mod receipt_counter;
pub mod referral;
pub mod referral_step;
pub mod relief_application;
pub mod request;
pub mod request_kind;
pub mod resident;
pub mod retention;
pub mod session;
pub mod setup_link;
pub mod user;
pub mod user_community;
pub mod visit;
pub mod visit_visitor;

pub type Timestamp = chrono::DateTime<chrono::Utc>;
