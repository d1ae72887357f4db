//! What kind of record something is, and references to records.
//!
//! The core names records by kind and id; only the web layer knows URLs (each web practice
//! registers the pages of its kinds), so a page can move without the core changing, and the
//! audit log, the timeline and the drill-down lists speak the same words.

use serde::Serialize;

/// The kinds of record hearth keeps, stored (audit log) and sent (API) as their snake_case
/// name. A practice adds its kinds here, one line each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Community,
    User,
    #[serde(rename = "api_token")]
    Token,
    Session,
    SetupLink,
    Household,
    Resident,
    Consent,
    Visit,
    FollowUp,
    Program,
    ProgramSession,
    Enrolment,
    Attendance,
    Certificate,
    Employer,
    EmployerContact,
    Agreement,
    Opening,
    JobFair,
    Referral,
    Placement,
    CheckIn,
    Case,
    LedgerEntry,
    ReliefApplication,
    Helper,
    Pair,
    PairContact,
    HandbookDocument,
    HandbookCategory,
    Partnership,
    ServiceRequest,
    RequestKind,
    Goal,
    /// A report's figures or drill-down, read as a whole.
    Report,
    /// One version of a community's frozen monthly report.
    ClosedMonth,
    ReportRecords,
    /// The audit log itself (verifications, browsing).
    Audit,
    /// The export archive (and backups) of a deployment.
    Archive,
    /// A spreadsheet uploaded to import.
    Import,
}

impl EntityKind {
    pub const ALL: [EntityKind; 41] = [
        EntityKind::Community,
        EntityKind::User,
        EntityKind::Token,
        EntityKind::Session,
        EntityKind::SetupLink,
        EntityKind::Household,
        EntityKind::Resident,
        EntityKind::Consent,
        EntityKind::Visit,
        EntityKind::FollowUp,
        EntityKind::Program,
        EntityKind::ProgramSession,
        EntityKind::Enrolment,
        EntityKind::Attendance,
        EntityKind::Certificate,
        EntityKind::Employer,
        EntityKind::EmployerContact,
        EntityKind::Agreement,
        EntityKind::Opening,
        EntityKind::JobFair,
        EntityKind::Referral,
        EntityKind::Placement,
        EntityKind::CheckIn,
        EntityKind::Case,
        EntityKind::LedgerEntry,
        EntityKind::ReliefApplication,
        EntityKind::Helper,
        EntityKind::Pair,
        EntityKind::PairContact,
        EntityKind::HandbookDocument,
        EntityKind::HandbookCategory,
        EntityKind::Partnership,
        EntityKind::ServiceRequest,
        EntityKind::RequestKind,
        EntityKind::Goal,
        EntityKind::Report,
        EntityKind::ClosedMonth,
        EntityKind::ReportRecords,
        EntityKind::Audit,
        EntityKind::Archive,
        EntityKind::Import,
    ];

    /// The stored name: never changed once released.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Community => "community",
            EntityKind::User => "user",
            EntityKind::Token => "api_token",
            EntityKind::Session => "session",
            EntityKind::SetupLink => "setup_link",
            EntityKind::Household => "household",
            EntityKind::Resident => "resident",
            EntityKind::Consent => "consent",
            EntityKind::Visit => "visit",
            EntityKind::FollowUp => "follow_up",
            EntityKind::Program => "program",
            EntityKind::ProgramSession => "program_session",
            EntityKind::Enrolment => "enrolment",
            EntityKind::Attendance => "attendance",
            EntityKind::Certificate => "certificate",
            EntityKind::Employer => "employer",
            EntityKind::EmployerContact => "employer_contact",
            EntityKind::Agreement => "agreement",
            EntityKind::Opening => "opening",
            EntityKind::JobFair => "job_fair",
            EntityKind::Referral => "referral",
            EntityKind::Placement => "placement",
            EntityKind::CheckIn => "check_in",
            EntityKind::Case => "case",
            EntityKind::LedgerEntry => "ledger_entry",
            EntityKind::ReliefApplication => "relief_application",
            EntityKind::Helper => "helper",
            EntityKind::Pair => "pair",
            EntityKind::PairContact => "pair_contact",
            EntityKind::HandbookDocument => "handbook_document",
            EntityKind::HandbookCategory => "handbook_category",
            EntityKind::Partnership => "partnership",
            EntityKind::ServiceRequest => "service_request",
            EntityKind::RequestKind => "request_kind",
            EntityKind::Goal => "goal",
            EntityKind::Report => "report",
            EntityKind::ClosedMonth => "closed_month",
            EntityKind::ReportRecords => "report_records",
            EntityKind::Audit => "audit",
            EntityKind::Archive => "archive",
            EntityKind::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Fluent key of its name (`entity-follow-up`).
    pub fn fluent_key(self) -> String {
        format!("entity-{}", self.as_str().replace('_', "-"))
    }
}

impl std::fmt::Display for EntityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record by kind and id; the web layer turns it into a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RecordRef {
    pub kind: EntityKind,
    pub id: i64,
}

impl RecordRef {
    pub fn new(kind: EntityKind, id: i64) -> RecordRef {
        RecordRef { kind, id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in EntityKind::ALL {
            assert_eq!(EntityKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::Value::String(k.as_str().into())));
        }
        assert_eq!(EntityKind::FollowUp.fluent_key(), "entity-follow-up");
    }
}
