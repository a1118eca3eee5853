//! `plugins`: the operations capabilities (sidecars, init containers) that
//! components attach.

use super::{is_image_reference, Validator};
use crate::manifest::PluginKind;
use crate::names::is_component_like;

impl Validator<'_> {
    pub(super) fn plugins(&mut self) {
        let m = self.m;
        self.unique(
            m.plugins
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("plugins[{i}].name"), p.name.as_str())),
            "plugin",
            is_component_like,
            "lowercase letters, digits and `-`, starting with a letter",
        );
        for (i, p) in m.plugins.iter().enumerate() {
            if !is_image_reference(&p.image) {
                self.p.push(
                    format!("plugins[{i}].image"),
                    format!("`{}` is not an image reference", p.image),
                );
            }
            if p.kind == PluginKind::Init && !p.ports.is_empty() {
                self.p.push(
                    format!("plugins[{i}].ports"),
                    "an init plugin runs to completion and cannot expose ports",
                );
            }
            self.ports(&format!("plugins[{i}].ports"), &p.ports);
            self.env_names(&format!("plugins[{i}].env"), p.env.keys());
        }
    }
}
