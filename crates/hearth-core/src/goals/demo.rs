//! The demo's 2016 goals for Jiafu (shared/DEMO.md: "one yearly goal set for 2016, a signed
//! goal letter between team leader and members"): the figures the team's first year then
//! reached — 310 language-class person-times, 47 residents placed in jobs, every household
//! visited, every household's cable TV connected, 150 households paired — so the goals page
//! shows them met and the letter prints as signed.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};

use crate::entity::goal;
use crate::indicators::Dims;

/// (indicator, dims, target in its unit, owner: 0 coordinator, 1 admin, 2 volunteer, note).
type DemoGoal = (&'static str, Option<(&'static str, &'static str)>, i64, usize, &'static str);

const GOALS: [DemoGoal; 5] = [
    ("person_times", Some(("program_kind", "language")), 310, 0, "每周一次免费普通话课"),
    ("placements", None, 47, 1, "与三家合作企业举办招聘会"),
    ("visit_coverage_pct", None, 1000, 0, "入户走访全覆盖"),
    ("request_coverage_pct", Some(("request_kind", "cable")), 1000, 1, "有线电视开通全覆盖"),
    ("households_paired", None, 150, 2, "结对帮扶150户"),
];

pub(crate) fn step<'a>(
    tx: &'a sea_orm::DatabaseTransaction,
    ctx: &'a mut crate::practice::DemoContext,
) -> crate::practice::BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let owners = [ctx.coordinator, ctx.team.get(1).copied(), ctx.volunteer];
        let now = Utc::now();
        let mut n = 0;
        for (key, dim, target, who, note) in GOALS {
            let Some(owner) = owners.get(who).copied().flatten().or(ctx.coordinator) else { continue };
            let dims: Dims = dim.map(|(k, v)| (k.to_owned(), v.to_owned())).into_iter().collect();
            goal::ActiveModel {
                community_id: Set(ctx.community_id),
                year: Set(2016),
                indicator: Set(key.to_owned()),
                dims: Set(super::dims_key(&dims)),
                target: Set(target),
                owner_user_id: Set(owner),
                note: Set(Some(note.to_owned())),
                created_by: Set(ctx.coordinator),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(tx)
            .await?;
            n += 1;
        }
        Ok(vec![format!("{n} goals for 2016")])
    })
}
