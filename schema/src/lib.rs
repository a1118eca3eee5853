//! The souk template model, shared by the registry, the CLI and the agent.
//!
//! A template is described by a manifest (`souk.yaml`, see [`manifest::Manifest`]).
//! The flow through this crate is always the same:
//!
//! 1. [`manifest::parse`] reads YAML or JSON into the raw [`manifest::Manifest`]
//!    (unknown fields are errors, each error names its field path);
//! 2. [`validate::validate`] checks every rule of the format and returns **all**
//!    problems at once, or a [`Template`]: a manifest whose names, versions and
//!    requirements are known to be valid;
//! 3. [`package`] packs a folder into a reproducible `.tgz` and unpacks one safely,
//!    yielding a [`package::Package`] (template + files + [`Digest`]).
//!
//! [`resolve`] picks a version for a semver requirement and computes upgrade paths;
//! [`interpolate`] understands `${…}` references; [`schema`] emits the JSON Schema.
//! [`graph`] is the `dependsOn` graph of the components (start order, cycles,
//! layers), shared by validation, the importers, the agent and the diagram.
//!
//! This crate does no I/O beyond reading a folder or a tarball, and depends on no
//! server, database, HTTP or async runtime crate.

pub mod backoff;
pub mod categories;
pub mod digest;
pub mod error;
pub mod graph;
pub mod import;
pub mod interpolate;
pub mod manifest;
pub mod names;
pub mod package;
pub mod resolve;
pub mod schema;
pub mod validate;
pub mod wire;

pub use digest::Digest;
pub use error::{Error, Problem, Problems};
pub use manifest::Manifest;
pub use names::{ComponentName, Namespace, TemplateName};
pub use validate::Template;
