//! Small builders every migration uses, so foreign keys and indexes are declared alike.

use sea_orm_migration::prelude::*;

/// A foreign key to `to_table.id` that refuses deletes of referenced rows (records are
/// never silently lost).
pub fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, "id").on_delete(ForeignKeyAction::Restrict).take()
}

pub fn index(name: &'static str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table).if_not_exists();
    for col in cols {
        stmt.col(*col);
    }
    stmt.take()
}
