//! `${…}` references in env values, args, commands, config files and ingress hosts.
//!
//! The grammar is small: `${params.NAME}`, `${components.NAME.host}`,
//! `${components.NAME.ports.PORT}`, `${release.name}`, `${template.version}`,
//! and `$${` for a literal `${`. Anything else is an error at lint time.

use std::fmt;

/// One reference found in a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reference {
    Param(String),
    ComponentHost(String),
    ComponentPort { component: String, port: String },
    ReleaseName,
    TemplateVersion,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Param(p) => write!(f, "${{params.{p}}}"),
            Reference::ComponentHost(c) => write!(f, "${{components.{c}.host}}"),
            Reference::ComponentPort { component, port } => {
                write!(f, "${{components.{component}.ports.{port}}}")
            }
            Reference::ReleaseName => f.write_str("${release.name}"),
            Reference::TemplateVersion => f.write_str("${template.version}"),
        }
    }
}

/// A piece of an interpolated string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Ref(Reference),
}

/// Split `s` into text and references, or say what is wrong with the first bad one.
pub fn parse(s: &str) -> Result<Vec<Segment<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        let after = &rest[pos..];
        if after.starts_with("$${") {
            if pos > 0 {
                out.push(Segment::Text(&rest[..pos]));
            }
            out.push(Segment::Text("${"));
            rest = &rest[pos + 3..];
        } else if after.starts_with("${") {
            if pos > 0 {
                out.push(Segment::Text(&rest[..pos]));
            }
            let end = after.find('}').ok_or_else(|| {
                format!("unclosed `${{` in `{s}` (write `$${{` for a literal `${{`)")
            })?;
            let inner = &after[2..end];
            out.push(Segment::Ref(parse_reference(inner)?));
            rest = &after[end + 1..];
        } else {
            out.push(Segment::Text(&rest[..pos + 1]));
            rest = &rest[pos + 1..];
        }
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest));
    }
    Ok(out)
}

fn parse_reference(inner: &str) -> Result<Reference, String> {
    let parts: Vec<&str> = inner.trim().split('.').collect();
    let ok = |r: Reference| Ok(r);
    match parts.as_slice() {
        ["params", name] if !name.is_empty() => ok(Reference::Param(name.to_string())),
        ["components", c, "host"] if !c.is_empty() => ok(Reference::ComponentHost(c.to_string())),
        ["components", c, "ports", p] if !c.is_empty() && !p.is_empty() => {
            ok(Reference::ComponentPort {
                component: c.to_string(),
                port: p.to_string(),
            })
        }
        ["release", "name"] => ok(Reference::ReleaseName),
        ["template", "version"] => ok(Reference::TemplateVersion),
        _ => Err(format!(
            "unknown reference `${{{inner}}}`: expected `${{params.NAME}}`, `${{components.NAME.host}}`, `${{components.NAME.ports.PORT}}`, `${{release.name}}` or `${{template.version}}`"
        )),
    }
}

/// The references in `s`.
pub fn references(s: &str) -> Result<Vec<Reference>, String> {
    Ok(parse(s)?
        .into_iter()
        .filter_map(|seg| match seg {
            Segment::Ref(r) => Some(r),
            Segment::Text(_) => None,
        })
        .collect())
}

/// Expand `s`, asking `lookup` for each reference's value.
pub fn expand(
    s: &str,
    mut lookup: impl FnMut(&Reference) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    for seg in parse(s)? {
        match seg {
            Segment::Text(t) => out.push_str(t),
            Segment::Ref(r) => out.push_str(&lookup(&r)?),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&[Reference], &str>) {
        match (references(input), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "{input}"),
            (Err(got), Err(want)) => assert!(got.contains(want), "{input}: {got}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn reference_table() {
        use Reference::*;
        check("plain", Ok(&[]));
        check("$HOME and $1", Ok(&[]));
        check("${params.domain}", Ok(&[Param("domain".into())]));
        check(
            "mysql://${components.mysql.host}:${components.mysql.ports.mysql}/db",
            Ok(&[
                ComponentHost("mysql".into()),
                ComponentPort {
                    component: "mysql".into(),
                    port: "mysql".into(),
                },
            ]),
        );
        check(
            "${release.name}-${template.version}",
            Ok(&[ReleaseName, TemplateVersion]),
        );
        check("$${params.x}", Ok(&[]));
        check("${params.x", Err("unclosed"));
        check("${env.HOME}", Err("unknown reference `${env.HOME}`"));
        check("${components.mysql}", Err("unknown reference"));
        check("${}", Err("unknown reference"));
    }

    #[test]
    fn expand_replaces_and_unescapes() {
        let out = expand("a=${params.a} lit=$${x} $5", |r| match r {
            Reference::Param(p) => Ok(format!("<{p}>")),
            _ => Err("no".into()),
        })
        .unwrap();
        assert_eq!(out, "a=<a> lit=${x} $5");
    }
}
