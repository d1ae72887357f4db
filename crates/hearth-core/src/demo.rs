//! The demo community of shared/DEMO.md: Jiafu Community (佳福社区), 1,710 households and
//! 4,815 residents who all moved in during January and February 2016, plus three demo
//! logins (administrator, coordinator, volunteer).
//!
//! This is the orchestrator: the community, the demo logins and the one audit row. Each
//! practice loads its own part (`Practice::demo`, e.g. `registry/demo.rs` for the people,
//! `visits/demo.rs` for the March 2016 visit round), in `PRACTICES` order, all in one
//! transaction, so the demo loads in seconds on SQLite and PostgreSQL and leaves one audit
//! row that summarises the load.
//!
//! `ensure` is idempotent: when the community `jiafu` exists, no data is added; only the
//! demo logins get fresh random passwords, which the returned report prints.

use crate::audit::Action;
use crate::record::EntityKind;
use std::fmt;

use chrono::{NaiveDate, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::audit::{self, Entry};
use crate::auth::{password, sessions};
use crate::entity::{community, household, pair, resident, user, user_community};
use crate::error::{CoreError, CoreResult, Secret};
use crate::policy::{Actor, Role};
use crate::practice::{DemoContext, PRACTICES};
use crate::store::Store;

pub const SLUG: &str = "jiafu";
pub const COMMUNITY_NAME: &str = "佳福社区 Jiafu Community";
pub const COMMUNITY_ADDRESS: &str = "佳福路88号";
pub const HOUSEHOLDS: usize = 1_710;
pub const RESIDENTS: usize = 4_815;
/// Pairs of the demo volunteer, among the 150 pairs the pairing practice loads.
pub const VOLUNTEER_PAIRS: usize = 5;

pub const ADMIN_USER: &str = "demo-admin";
pub const COORDINATOR_USER: &str = "demo";
pub const VOLUNTEER_USER: &str = "demo-volunteer";

/// Readable random passwords: no 0/o, 1/l/i.
const PASSWORD_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

fn ymd(y: i32, m: u32, d: u32) -> CoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| CoreError::Internal("demo date".into()))
}

// ---------------------------------------------------------------------------------------
// Loading.
// ---------------------------------------------------------------------------------------

/// A demo login with its freshly set password.
#[derive(Clone, Debug)]
pub struct Login {
    pub username: &'static str,
    pub role: Role,
    pub password: Secret,
}

#[derive(Clone, Debug)]
pub struct Report {
    /// Whether this run created the community (false: it was there already).
    pub created: bool,
    pub community: String,
    pub households: u64,
    pub residents: u64,
    pub logins: Vec<Login>,
}

/// 4815 → "4,815".
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.created { "loaded now" } else { "already loaded; nothing added" };
        writeln!(
            f,
            "Demo community {}: {} households, {} residents (slug {SLUG}, {state}).",
            self.community,
            thousands(self.households),
            thousands(self.residents)
        )?;
        writeln!(f, "Demo logins (new passwords on every run):")?;
        for l in &self.logins {
            writeln!(f, "  {:<15} {:<12} {}", l.username, l.role.as_str(), l.password.expose())?;
        }
        write!(f, "Log in at /login on the address hearth serves (by default http://127.0.0.1:8080/login).")
    }
}

/// A readable random password like `k7dm-p3xq-9hfa` (12 random characters, ~59 bits).
pub fn new_password(username: &str) -> CoreResult<String> {
    let mut rng = rand::rng();
    for _ in 0..16 {
        let pw: String = (0..14)
            .map(|i| {
                if i == 4 || i == 9 {
                    '-'
                } else {
                    PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())] as char
                }
            })
            .collect();
        if password::check_policy("password", &pw, username).is_ok() {
            return Ok(pw);
        }
    }
    Err(CoreError::Internal("could not make a demo password".into()))
}

/// Loads the demo if it is not there, resets the demo logins, and returns the report.
#[tracing::instrument(skip_all)]
pub async fn ensure(store: &Store) -> CoreResult<String> {
    Ok(load(store).await?.to_string())
}

struct DemoUser {
    username: &'static str,
    display_name: &'static str,
    role: Role,
}

const DEMO_USERS: [DemoUser; 3] = [
    DemoUser { username: ADMIN_USER, display_name: "Demo Admin 演示管理员", role: Role::Admin },
    DemoUser { username: COORDINATOR_USER, display_name: "Demo Coordinator 演示协调员", role: Role::Coordinator },
    DemoUser { username: VOLUNTEER_USER, display_name: "Demo Volunteer 演示志愿者", role: Role::Volunteer },
];

/// Like `ensure`, with the figures and passwords as values.
#[tracing::instrument(skip_all)]
pub async fn load(store: &Store) -> CoreResult<Report> {
    let passwords = [new_password(ADMIN_USER)?, new_password(COORDINATOR_USER)?, new_password(VOLUNTEER_USER)?];
    let [a, b, c] = passwords.clone();
    let hashes = tokio::try_join!(password::hash(a), password::hash(b), password::hash(c))?;
    let hashes = [hashes.0, hashes.1, hashes.2];
    let actor = Actor::system();
    let now = Utc::now();

    let tx = store.write().await?;
    let existing = community::Entity::find().filter(community::Column::Slug.eq(SLUG)).one(&tx).await?;
    let created = existing.is_none();
    let community = match existing {
        Some(c) => c,
        None => {
            community::ActiveModel {
                name: Set(COMMUNITY_NAME.to_owned()),
                slug: Set(SLUG.to_owned()),
                address: Set(Some(COMMUNITY_ADDRESS.to_owned())),
                established_on: Set(Some(ymd(2016, 1, 1)?)),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&tx)
            .await?
        }
    };
    let mut user_ids = Vec::with_capacity(DEMO_USERS.len());
    for (u, hash) in DEMO_USERS.iter().zip(hashes) {
        user_ids.push(ensure_user(&tx, u, community.id, hash).await?);
    }
    if created {
        let mut ctx = DemoContext {
            community_id: community.id,
            coordinator: user_ids.get(1).copied(),
            volunteer: user_ids.get(2).copied(),
            team: [user_ids.get(1), user_ids.first()].into_iter().flatten().copied().collect(),
            household_ids: Vec::new(),
        };
        let mut facts = Vec::new();
        for p in PRACTICES {
            if let Some(step) = p.demo {
                facts.extend(step(&tx, &mut ctx).await?);
            }
        }
        facts.push(format!("{} demo users", DEMO_USERS.len()));
        audit::append(
            &tx,
            &actor,
            Entry::new(Action::DemoLoad, EntityKind::Community, Some(community.id))
                .community(community.id)
                .summary(format!("demo community loaded: {}", facts.join(", "))),
        )
        .await?;
    } else {
        audit::append(
            &tx,
            &actor,
            Entry::new(Action::DemoLogins, EntityKind::User, None).community(community.id).summary(format!(
                "new passwords for {}",
                DEMO_USERS.iter().map(|u| u.username).collect::<Vec<_>>().join(", ")
            )),
        )
        .await?;
    }
    tx.commit().await?;
    store.auth_changed();
    if created {
        freeze_months(store, community.id, user_ids.get(1).copied()).await?;
    }

    let households =
        household::Entity::find().filter(household::Column::CommunityId.eq(community.id)).count(store.conn()).await?;
    let residents =
        resident::Entity::find().filter(resident::Column::CommunityId.eq(community.id)).count(store.conn()).await?;
    Ok(Report {
        created,
        community: community.name,
        households,
        residents,
        logins: DEMO_USERS
            .iter()
            .zip(passwords)
            .map(|(u, p)| Login { username: u.username, role: u.role, password: Secret(p) })
            .collect(),
    })
}

/// The demo coordinator closes March–June 2016 (frozen monthly reports), and then a phone
/// call to a paired household on 2016-05-12 is written up late: May's live figures move
/// (contacts made and reached, +1 each), its frozen report does not, so the month shows
/// "revised" with the difference. Only on the run that creates the community, so a second
/// run adds nothing. (The reference figures — March's registry, visits and requests, the
/// classes', jobs' and case's totals, 150 pairs keeping every contact window — are untouched:
/// the call falls in a window the pair already kept.)
async fn freeze_months(store: &Store, community_id: i64, coordinator: Option<i64>) -> CoreResult<()> {
    let actor = Actor {
        user_id: coordinator,
        username: COORDINATOR_USER.to_owned(),
        role: Role::Coordinator,
        scope: crate::policy::Scope::Communities(vec![community_id]),
        via_token: None,
    };
    for month in ["2016-03", "2016-04", "2016-05", "2016-06"] {
        crate::reports::months::close(store, &actor, SLUG, month).await?;
    }
    let first = pair::Entity::find()
        .filter(pair::Column::CommunityId.eq(community_id))
        .order_by_asc(pair::Column::Id)
        .one(store.conn())
        .await?;
    if let Some(p) = first {
        crate::pairs::contacts::record(
            store,
            &actor,
            p.id,
            crate::pairs::contacts::ContactInput {
                contacted_on: Some("2016-05-12".into()),
                mode: Some("phone".into()),
                reached: Some(true),
                note: Some("Written up late: call on 12 May 补录的电话联系".into()),
                needs: Vec::new(),
            },
        )
        .await?;
    }
    Ok(())
}

/// Creates the demo user or resets it to its demo role, enabled, with the new password;
/// an existing user's sessions end, as with any password change.
async fn ensure_user<C: ConnectionTrait>(conn: &C, u: &DemoUser, community_id: i64, hash: String) -> CoreResult<i64> {
    let now = Utc::now();
    let existing = user::Entity::find().filter(user::Column::Username.eq(u.username)).one(conn).await?;
    let id = match existing {
        Some(found) => {
            let id = found.id;
            let mut a: user::ActiveModel = found.into();
            a.role = Set(u.role);
            a.password_hash = Set(Some(hash));
            a.password_changed_at = Set(Some(now));
            a.disabled = Set(false);
            a.update(conn).await?;
            sessions::end_all_for_user(conn, id).await?;
            id
        }
        None => {
            user::ActiveModel {
                username: Set(u.username.to_owned()),
                display_name: Set(u.display_name.to_owned()),
                role: Set(u.role),
                password_hash: Set(Some(hash)),
                language: Set(None),
                disabled: Set(false),
                created_at: Set(now),
                password_changed_at: Set(Some(now)),
                ..Default::default()
            }
            .insert(conn)
            .await?
            .id
        }
    };
    if u.role != Role::Admin {
        let linked = user_community::Entity::find()
            .filter(user_community::Column::UserId.eq(id))
            .filter(user_community::Column::CommunityId.eq(community_id))
            .one(conn)
            .await?
            .is_some();
        if !linked {
            user_community::ActiveModel { user_id: Set(id), community_id: Set(community_id) }.insert(conn).await?;
        }
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_readable_and_pass_the_policy() {
        let p = new_password("demo").unwrap_or_default();
        assert_eq!(p.len(), 14);
        assert_eq!(p.matches('-').count(), 2);
        assert!(p.chars().filter(|c| *c != '-').all(|c| PASSWORD_ALPHABET.contains(&(c as u8))));
        assert!(password::check_policy("password", &p, "demo").is_ok());
        assert_ne!(p, new_password("demo").unwrap_or_default());
        assert_eq!(thousands(4815), "4,815");
        assert_eq!(thousands(1710), "1,710");
        assert_eq!(thousands(999), "999");
    }
}
