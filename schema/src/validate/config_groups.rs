//! `configGroups`: env shared by several components.

use super::Validator;
use crate::names::is_component_like;

impl Validator<'_> {
    pub(super) fn config_groups(&mut self) {
        let m = self.m;
        self.unique(
            m.config_groups
                .iter()
                .enumerate()
                .map(|(i, g)| (format!("configGroups[{i}].name"), g.name.as_str())),
            "config group",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        for (gi, g) in m.config_groups.iter().enumerate() {
            if g.components.is_empty() {
                self.p.push(
                    format!("configGroups[{gi}].components"),
                    "list the components that receive this group",
                );
            }
            for (i, c) in g.components.iter().enumerate() {
                if self.component_named(c).is_none() {
                    self.p.push(
                        format!("configGroups[{gi}].components[{i}]"),
                        format!("no component named `{c}`"),
                    );
                }
            }
            self.env_names(&format!("configGroups[{gi}].env"), g.env.keys());
        }
    }
}
