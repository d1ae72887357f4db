//! The registry's part of a household's timeline: moving in and out, members joining the
//! record, consent given and withdrawn (consent only for actors who may see it).

use crate::entity::household;
use crate::error::CoreResult;
use crate::policy::Actor;
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::timeline::Event;

pub(super) fn events<'a>(store: &'a Store, actor: &'a Actor, h: &'a household::Model) -> BoxFut<'a, Vec<Event>> {
    Box::pin(collect(store, actor, h))
}

async fn collect(store: &Store, actor: &Actor, h: &household::Model) -> CoreResult<Vec<Event>> {
    let mut out = Vec::new();
    if let Some(on) = h.moved_in_on {
        out.push(Event::new(on, "household_moved_in").summary(h.code.clone()));
    }
    if let Some(on) = h.moved_out_on {
        out.push(Event::new(on, "household_moved_out").summary(h.code.clone()));
    }
    for r in super::residents::of_household(store, actor, h).await? {
        out.push(
            Event::new(r.created_at.date_naive(), "resident_added")
                .at(r.created_at)
                .summary(r.full_name.clone())
                .record(RecordRef::new(EntityKind::Resident, r.id)),
        );
    }
    for c in super::consent::visible(store, actor, h).await?.unwrap_or_default() {
        let record = RecordRef::new(EntityKind::Consent, c.id);
        if let Some(on) = c.withdrawn_on {
            out.push(Event::new(on, "consent_withdrawn").summary(c.given_by.clone()).record(record));
        }
        out.push(Event::new(c.given_on, "consent_given").summary(c.given_by).record(record));
    }
    Ok(out)
}
