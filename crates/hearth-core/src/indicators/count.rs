//! Declared counts: "the rows of table T in these communities that match C, counted (or
//! counted distinct), grouped by community and dimension columns" — and the records behind
//! each figure — generated from one declaration written with entity columns.
//!
//! A declaration says which rows (`Rows`: the table, its id and community columns, joins for
//! labels and conditions, the label and date a drill-down row shows, and what kind of record
//! a row is) and which of them count (`when`: a condition on the scope's period). The
//! community condition is added here, as `=` for one community (so SQLite uses the
//! `(community_id, …)` index range) and `IN` for several.

use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Func, IntoIden, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DynIden, EntityName, QueryResult};

use super::{Dims, Record, RecordPage, Row, Scope};
use crate::error::CoreResult;
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;

/// A column of an entity, qualified by its table.
#[derive(Clone, Debug)]
pub struct Col {
    table: DynIden,
    column: DynIden,
}

/// `col(household::Column::Code)`: the qualified column, for declarations.
pub fn col<C: ColumnTrait>(c: C) -> Col {
    Col { table: c.entity_name(), column: c.into_iden() }
}

impl Col {
    pub fn expr(&self) -> Expr {
        Expr::col((self.table.clone(), self.column.clone()))
    }
}

/// A drill-down column's value for a period.
pub type Detail = fn(&Scope) -> Expr;

/// The rows an indicator counts or lists, and how a drill-down row is shown.
#[derive(Clone, Debug)]
pub struct Rows {
    table: DynIden,
    id: Col,
    community: Col,
    joins: Vec<(DynIden, Col, Col)>,
    label: Col,
    on: Col,
    kind: EntityKind,
    /// What else a drill-down row says, by stable key (the web layer translates
    /// `reports-column-<key>`): an owner, a due date, the last visit.
    details: Vec<(&'static str, Detail)>,
    left_joins: Vec<(DynIden, Col, Col)>,
    /// Joins only the drill-down needs (the label's table): a count never pays for them.
    label_joins: Vec<(DynIden, Col, Col)>,
}

impl Rows {
    /// Rows of `entity`, keyed by `id`, confined by `community`; a drill-down row is shown
    /// by `label` and dated by `on` (both may be columns of a joined table).
    pub fn of<E: EntityName + Default>(kind: EntityKind, id: Col, community: Col, label: Col, on: Col) -> Rows {
        Rows {
            table: E::default().into_iden(),
            id,
            community,
            joins: Vec::new(),
            label,
            on,
            kind,
            details: Vec::new(),
            left_joins: Vec::new(),
            label_joins: Vec::new(),
        }
    }

    /// An inner join of `entity` on `left = right` that only the drill-down's label and
    /// details read — along a required foreign key, so it never changes which rows count,
    /// and the aggregate leaves it out (a count of a million attendances does not look up a
    /// million names).
    pub fn label_join<E: EntityName + Default>(mut self, left: Col, right: Col) -> Rows {
        self.label_joins.push((E::default().into_iden(), left, right));
        self
    }

    /// A column of the drill-down list, named `key`; `value` may depend on the period (the
    /// last visit up to its end). Values are shown as text.
    pub fn detail(mut self, key: &'static str, value: Detail) -> Rows {
        self.details.push((key, value));
        self
    }

    /// A left join of `entity` on `left = right`, for a detail that may be missing (an
    /// owner): it never drops a row from the count.
    pub fn left_join<E: EntityName + Default>(mut self, left: Col, right: Col) -> Rows {
        self.left_joins.push((E::default().into_iden(), left, right));
        self
    }

    /// An inner join of `entity` on `left = right`.
    pub fn join<E: EntityName + Default>(mut self, left: Col, right: Col) -> Rows {
        self.joins.push((E::default().into_iden(), left, right));
        self
    }

    fn select(&self) -> SelectStatement {
        let mut q = Query::select();
        q.from(self.table.clone());
        for (t, l, r) in &self.joins {
            q.inner_join(t.clone(), l.expr().equals((r.table.clone(), r.column.clone())));
        }
        q
    }

    /// The select of a drill-down page: the inner joins, and the left joins its details need.
    fn select_listed(&self) -> SelectStatement {
        let mut q = self.select();
        for (t, l, r) in &self.label_joins {
            q.inner_join(t.clone(), l.expr().equals((r.table.clone(), r.column.clone())));
        }
        for (t, l, r) in &self.left_joins {
            q.left_join(t.clone(), l.expr().equals((r.table.clone(), r.column.clone())));
        }
        q
    }

    fn in_communities(&self, scope: &Scope) -> Cond {
        match scope.communities.as_slice() {
            [one] => Cond::all().add(self.community.expr().eq(*one)),
            many => Cond::all().add(self.community.expr().is_in(many.to_vec())),
        }
    }
}

/// A declared count. Build with `Count::rows(…).when(…)`, then `.distinct(…)` or `.dim(…)`.
#[derive(Clone, Debug)]
pub struct Count {
    rows: Rows,
    when: fn(&Scope) -> Cond,
    /// Count distinct values of this column; the drill-down lists `Rows` whose id is one of them.
    pub(super) distinct: Option<(Col, Rows)>,
    /// Adds up this column instead of counting rows (minutes attended).
    pub(super) sum: Option<Col>,
    pub(super) dims: Vec<(&'static str, Col)>,
}

impl Count {
    pub fn rows(rows: Rows, when: fn(&Scope) -> Cond) -> Count {
        Count { rows, when, distinct: None, sum: None, dims: Vec::new() }
    }

    /// Adds up `column` over the rows (hours delivered: the minutes of each attendance);
    /// the drill-down lists the rows added.
    pub fn sum(mut self, column: Col) -> Count {
        self.sum = Some(column);
        self
    }

    /// Counts distinct values of `column` (e.g. households visited); the records behind the
    /// figure are the `records` rows with those ids.
    pub fn distinct(mut self, column: Col, records: Rows) -> Count {
        self.distinct = Some((column, records));
        self
    }

    /// A dimension: figures per value of `column`, named `name`.
    pub fn dim(mut self, name: &'static str, column: Col) -> Count {
        self.dims.push((name, column));
        self
    }

    fn matching(&self, scope: &Scope) -> Cond {
        self.rows.in_communities(scope).add((self.when)(scope))
    }

    /// The aggregate: one row per community (when `grouped`) and dimension values.
    pub(super) async fn values(&self, store: &Store, scope: &Scope, grouped: bool) -> CoreResult<Vec<Row>> {
        let mut q = self.rows.select();
        if grouped {
            q.expr(self.rows.community.expr());
        }
        // Dimension values are read as text on both backends (a program id, a kind).
        for (_, c) in &self.dims {
            q.expr(c.expr().cast_as(Alias::new("text")));
        }
        match (&self.distinct, &self.sum) {
            (Some((c, _)), _) => q.expr(Func::count_distinct(c.expr())),
            // An integer on both backends, 0 for no rows.
            (None, Some(c)) => {
                let sum: Expr = Func::sum(c.expr()).into();
                q.expr(Func::coalesce([sum, Expr::val(0)]).cast_as(Alias::new("bigint")))
            }
            (None, None) => q.expr(Func::count(self.rows.id.expr())),
        };
        q.cond_where(self.matching(scope));
        if grouped {
            q.add_group_by([self.rows.community.expr()]);
        }
        if !self.dims.is_empty() {
            q.add_group_by(self.dims.iter().map(|(_, c)| c.expr()));
        }
        let rows = store.conn().query_all(&q).await?;
        rows.iter().map(|r| self.row(r, grouped)).collect()
    }

    fn row(&self, r: &QueryResult, grouped: bool) -> CoreResult<Row> {
        let mut i = 0;
        let community = if grouped {
            i += 1;
            Some(r.try_get_by_index::<i64>(0)?)
        } else {
            None
        };
        let mut dims = Dims::new();
        for (name, _) in &self.dims {
            let v: Option<String> = r.try_get_by_index(i)?;
            dims.insert((*name).to_owned(), v.unwrap_or_default());
            i += 1;
        }
        Ok(Row { community, dims, value: r.try_get_by_index(i)? })
    }

    /// The rows listed for the figure at `dims`, and the condition that selects them.
    fn listed(&self, scope: &Scope, dims: &Dims) -> (&Rows, Cond) {
        let mut cond = self.matching(scope);
        for (name, c) in &self.dims {
            if let Some(v) = dims.get(*name) {
                cond = cond.add(c.expr().cast_as(Alias::new("text")).eq(v.clone()));
            }
        }
        match &self.distinct {
            None => (&self.rows, cond),
            Some((c, target)) => {
                let mut sub = self.rows.select();
                sub.expr(c.expr()).cond_where(cond);
                (target, Cond::all().add(target.id.expr().in_subquery(sub)))
            }
        }
    }

    /// The ids of the records this figure counts (for marking them in another list).
    fn ids(&self, scope: &Scope, dims: &Dims) -> SelectStatement {
        let (shown, cond) = self.listed(scope, dims);
        let mut q = shown.select();
        q.expr(shown.id.expr()).cond_where(cond);
        q
    }

    /// Whether this count and `other` list the same kind of record, so one's ids can mark
    /// the other's rows (households visited among households).
    pub(super) fn lists_same_kind(&self, other: &Count) -> bool {
        self.listed_kind() == other.listed_kind()
    }

    fn listed_kind(&self) -> EntityKind {
        self.listed_rows().kind
    }

    fn listed_rows(&self) -> &Rows {
        self.distinct.as_ref().map_or(&self.rows, |(_, t)| t)
    }

    /// One keyset page of the records behind the figure for `dims`. With `counted_by`, a
    /// ratio's denominator lists every record and says of each whether the numerator counts
    /// it (column `counted`: "yes"/"no").
    pub(super) async fn records(
        &self,
        store: &Store,
        scope: &Scope,
        dims: &Dims,
        after: Option<i64>,
        limit: u64,
        counted_by: Option<&Count>,
    ) -> CoreResult<RecordPage> {
        let (shown, cond) = self.listed(scope, dims);
        let mut q = shown.select_listed();
        q.expr(shown.id.expr()).expr(shown.community.expr()).expr(shown.label.expr()).expr(shown.on.expr());
        let mut keys: Vec<&'static str> = Vec::new();
        let mut details: Vec<&(&'static str, Detail)> = shown.details.iter().collect();
        if let Some(num) = counted_by {
            keys.push("counted");
            q.expr(Expr::case(shown.id.expr().in_subquery(num.ids(scope, dims)), "yes").finally("no"));
            // The numerator's own columns (the last visit), over the same table.
            let theirs = num.listed_rows();
            for (t, l, r) in
                theirs.label_joins.iter().filter(|(t, _, _)| !shown.label_joins.iter().any(|(u, _, _)| u == t))
            {
                q.inner_join(t.clone(), l.expr().equals((r.table.clone(), r.column.clone())));
            }
            for (t, l, r) in &theirs.left_joins {
                q.left_join(t.clone(), l.expr().equals((r.table.clone(), r.column.clone())));
            }
            details.extend(theirs.details.iter().filter(|(k, _)| !shown.details.iter().any(|(m, _)| m == k)));
        }
        for (key, value) in details {
            keys.push(key);
            q.expr(value(scope).cast_as(Alias::new("text")));
        }
        q.cond_where(cond);
        if let Some(a) = after {
            q.and_where(shown.id.expr().gt(a));
        }
        q.order_by_expr(shown.id.expr(), Order::Asc).limit(limit + 1);
        let rows = store.conn().query_all(&q).await?;
        record_page(rows, limit, shown.kind, &keys)
    }
}

/// A drill-down page from rows selected as `id, community_id, label, on`, fetched with
/// `LIMIT limit + 1` so the extra row tells if more follow.
fn record_page(
    rows: Vec<QueryResult>,
    limit: u64,
    kind: EntityKind,
    details: &[&'static str],
) -> CoreResult<RecordPage> {
    let more = rows.len() as u64 > limit;
    let items = rows
        .iter()
        .take(limit as usize)
        .map(|r| {
            let id: i64 = r.try_get_by_index(0)?;
            Ok(Record {
                id,
                community_id: r.try_get_by_index(1)?,
                label: r.try_get_by_index(2)?,
                on: r.try_get_by_index::<Option<chrono::NaiveDate>>(3)?,
                record: RecordRef::new(kind, id),
                details: details
                    .iter()
                    .enumerate()
                    .map(|(i, k)| Ok((*k, r.try_get_by_index::<Option<String>>(4 + i)?)))
                    .collect::<CoreResult<Vec<_>>>()?,
            })
        })
        .collect::<CoreResult<Vec<_>>>()?;
    let next_after = if more { items.last().map(|r| r.id) } else { None };
    Ok(RecordPage { items, next_after })
}

/// `column` within the scope's period (inclusive), for `when` conditions.
pub fn within(column: Col, scope: &Scope) -> Cond {
    Cond::all().add(column.expr().gte(scope.from)).add(column.expr().lte(scope.to))
}
