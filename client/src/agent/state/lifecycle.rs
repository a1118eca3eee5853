//! The states the agent records, as enums: a release's state, a revision's
//! outcome and the kind of operation a journal holds. Each is stored as text in
//! SQLite and shown (status, history, reports) by the same string, its `as_str`.
//!
//! A release's state is the one the agent reports, so its enum is the wire
//! type [`ReleaseState`]; diesel learns it through [`StoredState`].

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteValue};
use std::fmt;
use std::str::FromStr;

pub use souk_schema::wire::ReleaseState;

/// A stored string that names no variant (a database written by a newer agent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a known {kind}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// An enum stored and shown as one string per variant.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident as $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// The stored and shown string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err(UnknownValue {
                        kind: $kind,
                        value: s.to_string(),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // `pad`, so that `{:<9}` lines columns up.
                f.pad(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl ToSql<Text, Sqlite> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.as_str());
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $name {
            fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
                Ok(text.parse()?)
            }
        }
    };
}

/// A [`ReleaseState`] as the `releases.state` column holds it: its name. (A
/// wire type of another crate, which diesel's traits cannot be implemented for.)
#[derive(Debug, Clone, Copy, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct StoredState(pub ReleaseState);

impl From<ReleaseState> for StoredState {
    fn from(state: ReleaseState) -> Self {
        StoredState(state)
    }
}

impl From<StoredState> for ReleaseState {
    fn from(stored: StoredState) -> Self {
        stored.0
    }
}

impl ToSql<Text, Sqlite> for StoredState {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.as_str());
        Ok(IsNull::No)
    }
}

impl FromSql<Text, Sqlite> for StoredState {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        Ok(StoredState(text.parse()?))
    }
}

text_enum! {
    /// A revision's outcome, as `souk history` names it.
    pub enum RevisionOutcome as "revision outcome" {
        /// Recorded, not applied yet (or being applied).
        Pending = "pending",
        /// Running now.
        Deployed = "deployed",
        /// Ran, then replaced by a later revision.
        Superseded = "superseded",
        /// Did not become healthy (or its migration failed); rolled back.
        Failed = "failed",
        /// The agent stopped in the middle of it; rolled back on restart.
        Interrupted = "interrupted",
    }
}

text_enum! {
    /// What an operation in the journal does.
    pub enum OperationKind as "operation" {
        Install = "install",
        Upgrade = "upgrade",
        /// Back to an earlier revision, as a new one (its migrations do not run).
        Rollback = "rollback",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_its_string() {
        use RevisionOutcome::*;
        for o in [Pending, Deployed, Superseded, Failed, Interrupted] {
            assert_eq!(o.as_str().parse::<RevisionOutcome>(), Ok(o));
        }
        for k in [
            OperationKind::Install,
            OperationKind::Upgrade,
            OperationKind::Rollback,
        ] {
            assert_eq!(k.as_str().parse::<OperationKind>(), Ok(k));
        }
        assert_eq!(Superseded.as_str(), "superseded");
        assert_eq!(
            "gone".parse::<RevisionOutcome>(),
            Err(UnknownValue {
                kind: "revision outcome",
                value: "gone".into()
            })
        );
        assert_eq!(format!("[{:<12}]", Deployed), "[deployed    ]");
        assert_eq!(serde_json::to_value(Interrupted).unwrap(), "interrupted");
    }
}
