//! Who may do what, in one place. Handlers ask this module; they never compare roles.
//!
//! Two layers: `allows(role, permission)` is the role matrix (DESIGN.md §6), and the
//! record checks (`household_in_scope`, …) confine every record to the actor's
//! communities — and, for volunteers, to the households they are paired with. A record
//! outside scope is `NotFound`, never `Forbidden`, so scope cannot be probed.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::entity::pair;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// A user's role, stored as its snake_case name (`users.role`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sea_orm::EnumIter, sea_orm::DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(sea_orm::sea_query::StringLen::None)", rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    Caseworker,
    Volunteer,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Coordinator, Role::Caseworker, Role::Volunteer, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Caseworker => "caseworker",
            Role::Volunteer => "volunteer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Everything a route can require. Adding a practice adds its permissions here and a row
/// to `allows`; the role × route test then covers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Open household and resident records (volunteers: only paired households).
    ViewPeople,
    /// Create and edit households, residents and consent.
    EditPeople,
    /// Create communities and change deployment-wide settings.
    ManageCommunities,
    ManageUsers,
    /// Read the audit log: admins all of it, coordinators their communities' entries.
    ViewAudit,
    /// Re-compute the whole log's chains (the deployment's too): admins.
    VerifyAudit,
    /// Aggregate reports (suppressed for viewers when the reports issue lands).
    ViewReports,
    /// Record and read household visits, open follow-ups, assign them to anyone.
    RecordVisits,
    /// Work on follow-ups: change status, resolve. Volunteers only on follow-ups they own
    /// for households they are paired with (`follow_up_in_scope`).
    WorkFollowUps,
    /// Run classes: programs, sessions, enrolment, roll-call, certificates.
    RunPrograms,
    /// Employment help: employers, agreements, openings, fairs, referrals, placements,
    /// check-ins.
    HelpIntoWork,
    /// Hardship cases: open them, and work on those assigned (`cases::visible`).
    WorkCases,
    /// See every hardship case of one's communities (and their records behind figures).
    SeeAllCases,
    /// Record a visit to a household one may see: the team to any household of their
    /// communities, a volunteer to a household they are paired with (`household_in_scope`).
    VisitHouseholds,
    /// Pairing: see pairs and record contacts (volunteers: only their own pairs).
    ContactPairs,
    /// Add helpers; create, end and reassign pairs.
    ManagePairs,
    /// Read the team's handbook (its rules and procedures). Volunteers work by these rules
    /// too, so they read them; viewers (report readers outside the team) do not.
    ReadHandbook,
    /// Write handbook documents and name its categories: the coordinators who own the rules.
    EditHandbook,
    /// Read partnership agreements (who the team works with and on what terms).
    ReadPartnerships,
    /// Record and change partnership agreements and their scans.
    EditPartnerships,
    /// Service requests to utilities and services: open them (one household or many),
    /// move them along, resolve them; edit the community's kinds of request.
    TrackRequests,
    /// Add, rename and retire a community's kinds of service request.
    EditRequestKinds,
    /// Close a month: freeze its report as a new version (coordinators, who answer for it).
    CloseMonths,
    /// Set, change and withdraw a community's yearly goals (reading them and their progress
    /// is `ViewReports`: goals are aggregates).
    ManageGoals,
    /// Residents' requests about their data: a copy of it, erasure, retention review.
    HandleDataRequests,
    /// Everything in the deployment as an export archive.
    ExportAll,
}

pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        ViewPeople => matches!(role, Admin | Coordinator | Caseworker | Volunteer),
        EditPeople => matches!(role, Admin | Coordinator | Caseworker),
        ManageCommunities | ManageUsers | VerifyAudit => role == Admin,
        ViewAudit => matches!(role, Admin | Coordinator),
        ViewReports => true,
        RecordVisits => matches!(role, Admin | Coordinator | Caseworker),
        WorkFollowUps => matches!(role, Admin | Coordinator | Caseworker | Volunteer),
        RunPrograms => matches!(role, Admin | Coordinator | Caseworker),
        HelpIntoWork => matches!(role, Admin | Coordinator | Caseworker),
        WorkCases => matches!(role, Admin | Coordinator | Caseworker),
        SeeAllCases => matches!(role, Admin | Coordinator),
        VisitHouseholds => matches!(role, Admin | Coordinator | Caseworker | Volunteer),
        ContactPairs => matches!(role, Admin | Coordinator | Caseworker | Volunteer),
        ManagePairs => matches!(role, Admin | Coordinator),
        ReadHandbook => matches!(role, Admin | Coordinator | Caseworker | Volunteer),
        EditHandbook | EditPartnerships => matches!(role, Admin | Coordinator),
        ReadPartnerships => matches!(role, Admin | Coordinator | Caseworker),
        TrackRequests => matches!(role, Admin | Coordinator | Caseworker),
        EditRequestKinds => matches!(role, Admin | Coordinator),
        CloseMonths => matches!(role, Admin | Coordinator),
        ManageGoals => matches!(role, Admin | Coordinator),
        HandleDataRequests => matches!(role, Admin | Coordinator),
        ExportAll => role == Admin,
    }
}

/// Which communities an actor may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Communities(Vec<i64>),
}

/// The authenticated party behind a request or a CLI command.
#[derive(Clone, Debug)]
pub struct Actor {
    /// `None` for the command line acting as the operator.
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    /// The API token the request came with, if it did: every audit entry of the request
    /// names it, so a token's use is in the log without a write of its own.
    pub via_token: Option<i64>,
}

impl Actor {
    /// The operator at the command line: full access, audited as `cli`.
    pub fn system() -> Actor {
        Actor { user_id: None, username: "cli".into(), role: Role::Admin, scope: Scope::All, via_token: None }
    }

    /// Someone not (yet) logged in, as audited for a failed or blocked login: no rights.
    pub fn anonymous() -> Actor {
        Actor {
            user_id: None,
            username: "anonymous".into(),
            role: Role::Viewer,
            scope: Scope::Communities(Vec::new()),
            via_token: None,
        }
    }

    pub fn require(&self, permission: Permission) -> CoreResult<()> {
        if allows(self.role, permission) { Ok(()) } else { Err(CoreError::Forbidden) }
    }

    pub fn sees_community(&self, community_id: i64) -> bool {
        match &self.scope {
            Scope::All => true,
            Scope::Communities(ids) => ids.contains(&community_id),
        }
    }

    /// Community ids to filter by, or `None` for all.
    pub fn community_filter(&self) -> Option<&[i64]> {
        match &self.scope {
            Scope::All => None,
            Scope::Communities(ids) => Some(ids),
        }
    }

    pub fn is_volunteer(&self) -> bool {
        self.role == Role::Volunteer
    }
}

/// Households a volunteer is currently paired with.
pub async fn paired_household_ids(store: &Store, actor: &Actor) -> CoreResult<Vec<i64>> {
    let Some(uid) = actor.user_id else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64> = pair::Entity::find()
        .select_only()
        .column(pair::Column::HouseholdId)
        .filter(pair::Column::HelperUserId.eq(uid))
        .filter(pair::Column::EndedOn.is_null())
        .into_tuple()
        .all(store.conn())
        .await?;
    Ok(ids)
}

/// The record check for households: in the actor's communities, and for volunteers
/// paired with them. Everything that shows or changes a household goes through here.
pub async fn household_in_scope(store: &Store, actor: &Actor, household_id: i64, community_id: i64) -> CoreResult<()> {
    if !actor.sees_community(community_id) {
        return Err(CoreError::NotFound);
    }
    if actor.is_volunteer() && !paired_household_ids(store, actor).await?.contains(&household_id) {
        return Err(CoreError::NotFound);
    }
    Ok(())
}

/// How much of a resident an actor may see: volunteers get name and contact only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonView {
    Full,
    ContactOnly,
}

pub fn person_view(actor: &Actor) -> PersonView {
    if actor.is_volunteer() { PersonView::ContactOnly } else { PersonView::Full }
}

/// Consent records are more than name and contact: only a full view of people sees them.
/// For everyone else they do not exist (404), by every route.
pub fn sees_consent(actor: &Actor) -> bool {
    person_view(actor) == PersonView::Full
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_sees_no_people_and_volunteer_cannot_edit() {
        assert!(!allows(Role::Viewer, Permission::ViewPeople));
        assert!(allows(Role::Volunteer, Permission::ViewPeople));
        assert!(!allows(Role::Volunteer, Permission::EditPeople));
        assert!(!allows(Role::Coordinator, Permission::ManageUsers));
        assert!(allows(Role::Admin, Permission::ViewAudit));
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
