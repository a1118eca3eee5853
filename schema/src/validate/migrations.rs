//! `migrations`: the data upgrades the agent runs during an upgrade.

use super::Validator;
use crate::names::is_component_like;

impl Validator<'_> {
    pub(super) fn migrations(&mut self) {
        let m = self.m;
        self.unique(
            m.migrations
                .iter()
                .enumerate()
                .map(|(i, g)| (format!("migrations[{i}].name"), g.name.as_str())),
            "migration",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        for (i, mg) in m.migrations.iter().enumerate() {
            self.req(&format!("migrations[{i}].from"), &mg.from);
            if self.component_named(&mg.component).is_none() {
                self.p.push(
                    format!("migrations[{i}].component"),
                    format!("no component named `{}`", mg.component),
                );
            }
            if mg.command.is_empty() {
                self.p
                    .push(format!("migrations[{i}].command"), "must not be empty");
            }
        }
    }
}
