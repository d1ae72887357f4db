//! Handbook figures: documents in force (published by the period's end) by category, and
//! partnership agreements in force at the period's end (signed by then and not expired
//! before it) — "how many agreements does the team work under", which is what a report on
//! a quarter asks, rather than how many happened to be signed within it.

use sea_orm::sea_query::{Cond, ExprTrait};

use crate::entity::{handbook_document as doc, partnership};
use crate::indicators::{Count, Indicator, Rows, Scope, Timing, col};
use crate::record::EntityKind;

const PRACTICE: &str = "handbook";

pub fn indicators() -> Vec<Indicator> {
    vec![
        Indicator::count(
            "handbook_documents",
            PRACTICE,
            Timing::AsOfEnd,
            Count::rows(documents(), published_by_end).dim("category", col(doc::Column::Category)),
        ),
        Indicator::count(
            "partnership_agreements",
            PRACTICE,
            Timing::AsOfEnd,
            Count::rows(partnerships(), in_force_at_end),
        ),
    ]
}

fn published_by_end(s: &Scope) -> Cond {
    Cond::all().add(col(doc::Column::PublishedOn).expr().lte(s.to))
}

fn in_force_at_end(s: &Scope) -> Cond {
    Cond::all().add(col(partnership::Column::SignedOn).expr().lte(s.to)).add(
        Cond::any()
            .add(col(partnership::Column::ValidUntil).expr().is_null())
            .add(col(partnership::Column::ValidUntil).expr().gte(s.to)),
    )
}

fn documents() -> Rows {
    use doc::Column as D;
    Rows::of::<doc::Entity>(
        EntityKind::HandbookDocument,
        col(D::Id),
        col(D::CommunityId),
        col(D::Title),
        col(D::PublishedOn),
    )
    .detail("category", |_| col(D::Category).expr())
}

fn partnerships() -> Rows {
    use partnership::Column as P;
    Rows::of::<partnership::Entity>(
        EntityKind::Partnership,
        col(P::Id),
        col(P::CommunityId),
        col(P::Title),
        col(P::SignedOn),
    )
    .detail("valid_until", |_| col(P::ValidUntil).expr())
}
