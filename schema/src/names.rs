//! Names that can only hold valid values: namespaces, template and component names.

use std::fmt;
use std::str::FromStr;

/// `[a-z0-9][a-z0-9-]{0,62}`: one segment of a template name.
pub fn is_segment(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// `[a-z][a-z0-9-]{0,62}`: a component, port, volume or plugin name.
pub fn is_component_like(s: &str) -> bool {
    is_segment(s) && s.as_bytes()[0].is_ascii_lowercase()
}

/// `[a-z][a-z0-9_]*`: a parameter name.
pub fn is_param_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $check:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, String> {
                if $check(s) {
                    Ok($name(s.to_string()))
                } else {
                    Err(format!(concat!("`{}` is not a valid ", $what), s))
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::parse(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_newtype!(
    /// A vendor namespace such as `acme`: `[a-z0-9][a-z0-9-]{0,62}`.
    Namespace,
    is_segment,
    "namespace (lowercase letters, digits and `-`, starting with a letter or digit, at most 63)"
);

string_newtype!(
    /// A component name: `[a-z][a-z0-9-]{0,62}`.
    ComponentName,
    is_component_like,
    "component name (lowercase letters, digits and `-`, starting with a letter, at most 63)"
);

/// A template's full name, `namespace/name`, such as `acme/smart-warehouse`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemplateName {
    namespace: Namespace,
    name: String,
}

impl TemplateName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (ns, name) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not a template name: expected `namespace/name`"))?;
        let namespace = Namespace::parse(ns).map_err(|_| {
            format!("`{s}`: the namespace `{ns}` must be lowercase letters, digits and `-`, starting with a letter or digit, at most 63")
        })?;
        if !is_segment(name) {
            return Err(format!(
                "`{s}`: the name `{name}` must be lowercase letters, digits and `-`, starting with a letter or digit, at most 63"
            ));
        }
        Ok(TemplateName {
            namespace,
            name: name.to_string(),
        })
    }

    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// The part after the `/`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for TemplateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl FromStr for TemplateName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TemplateName::parse(s)
    }
}

impl serde::Serialize for TemplateName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TemplateName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TemplateName::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names() {
        let t = TemplateName::parse("acme/smart-warehouse").unwrap();
        assert_eq!(t.namespace().as_str(), "acme");
        assert_eq!(t.name(), "smart-warehouse");
        assert_eq!(t.to_string(), "acme/smart-warehouse");
        for bad in [
            "acme", "Acme/x", "acme/-x", "acme/x/y", "/x", "acme/", "acme/x_y",
        ] {
            assert!(
                TemplateName::parse(bad).is_err(),
                "{bad} should be rejected"
            );
        }
        assert!(TemplateName::parse(&format!("a/{}", "x".repeat(63))).is_ok());
        assert!(TemplateName::parse(&format!("a/{}", "x".repeat(64))).is_err());
    }

    #[test]
    fn component_and_param_names() {
        assert!(is_component_like("mysql"));
        assert!(!is_component_like("1mysql"));
        assert!(is_param_name("admin_password"));
        assert!(!is_param_name("admin-password"));
        assert!(!is_param_name("_x"));
    }
}
