//! The registry's typed configuration, loaded once at start and passed explicitly.
//!
//! Precedence: command-line flags > environment (`SOUK_*`) > TOML file
//! (`--config FILE` or `SOUK_CONFIG`) > defaults. Configuration errors are kept
//! apart from [`crate::Error`]: they stop the process before any request exists.

use crate::search::tokenize::CjkMode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default data folder, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "./souk-data";

/// Everything the registry needs to know to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port` to listen on; port 0 picks a free port (tests do).
    pub listen: String,
    /// Where the SQLite database and the package folder live by default.
    pub data_dir: PathBuf,
    pub database: DatabaseConfig,
    /// Connections in the database pool (`SOUK_DATABASE_POOL_SIZE`); `None`
    /// takes the backend's default (8 for SQLite, 16 per replica for PostgreSQL).
    pub database_pool_size: Option<u32>,
    pub store: StoreConfig,
    /// The admin token to make sure of at start. Without one, a registry that has
    /// no admin token yet generates one and shows it once.
    pub admin_token: Option<SecretString>,
    /// A `tracing` filter (`info`, `souk_registry=debug,actix_web=warn`).
    pub log: String,
    /// How log lines are written (`SOUK_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Publish the example catalog when the database has no template yet.
    pub demo: bool,
    pub search: SearchConfig,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<LogFormat, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("`{s}` is not a log format: `text` or `json`")),
        }
    }
}

/// The name of the Meilisearch index when none is given.
pub const DEFAULT_SEARCH_INDEX: &str = "souk-templates";

/// Where search runs.
#[derive(Debug, Clone)]
pub enum SearchConfig {
    /// In memory, rebuilt from the database at start (the default); CJK text
    /// cut into bigrams unless `cjk` says otherwise (tests and benchmarks only).
    Embedded { cjk: CjkMode },
    /// A Meilisearch server (`SOUK_SEARCH_URL`, `SOUK_SEARCH_KEY`,
    /// `SOUK_SEARCH_INDEX`), fed from the event outbox.
    Meilisearch {
        url: String,
        key: Option<SecretString>,
        index: String,
    },
}

impl Default for SearchConfig {
    fn default() -> SearchConfig {
        SearchConfig::Embedded {
            cjk: CjkMode::default(),
        }
    }
}

/// Where metadata lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A SQLite file, created when missing.
    Sqlite { path: PathBuf },
    /// A PostgreSQL database: `postgres://user:password@host[:port]/name`, or
    /// any connection string libpq takes (`?host=/var/run/postgresql`,
    /// `sslmode=require`). Several replicas may share it.
    Postgres { url: DatabaseUrl },
}

/// A database URL, which may hold a password: never shown.
#[derive(Clone)]
pub struct DatabaseUrl(pub SecretString);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl([REDACTED])")
    }
}

impl PartialEq for DatabaseUrl {
    fn eq(&self, other: &Self) -> bool {
        self.0.expose_secret() == other.0.expose_secret()
    }
}

impl Eq for DatabaseUrl {}

/// Where packages live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// A content-addressed folder: `<root>/packages/sha256/<2 hex>/<hex>.tgz`.
    Folder { root: PathBuf },
    /// OCI artifacts in a registry: `oci://host[:port]/prefix` (TLS) or
    /// `oci+http://…` (plain HTTP, meant for loopback).
    Oci(OciStoreConfig),
}

/// An OCI registry holding the packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciStoreConfig {
    /// `host[:port]`.
    pub registry: String,
    /// The repositories' common prefix (`souk`, `team/souk`); may be empty.
    pub prefix: String,
    /// Plain HTTP instead of TLS (`oci+http://`).
    pub plain_http: bool,
    /// From `SOUK_STORE_USERNAME` and `SOUK_STORE_PASSWORD`; anonymous without.
    pub credentials: Option<OciCredentials>,
}

impl OciStoreConfig {
    /// Is the registry on this machine (`127.0.0.0/8`, `::1`, `localhost`)?
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => &self.registry,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// Basic credentials of the OCI registry (also exchanged for a bearer token
/// when the registry asks for one).
#[derive(Debug, Clone)]
pub struct OciCredentials {
    pub username: String,
    pub password: SecretString,
}

impl PartialEq for OciCredentials {
    fn eq(&self, other: &Self) -> bool {
        self.username == other.username
            && self.password.expose_secret() == other.password.expose_secret()
    }
}

impl Eq for OciCredentials {}

/// What the command line says; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    pub demo: bool,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration file `{path}`: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("{0}")]
    Unsupported(String),
    #[error("`{name}`: {message}")]
    Invalid { name: &'static str, message: String },
}

/// The optional TOML file; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_pool_size: Option<u32>,
    store: Option<String>,
    admin_token: Option<String>,
    log: Option<String>,
    log_format: Option<String>,
    demo: Option<bool>,
    search_url: Option<String>,
    search_key: Option<String>,
    search_index: Option<String>,
}

impl Config {
    /// Load from `flags`, the process environment and the TOML file they name.
    pub fn load(flags: Flags) -> Result<Config, ConfigError> {
        Self::load_with(flags, |key| std::env::var(key).ok())
    }

    /// Load with `env` standing in for the environment (tests pass a map).
    pub fn load_with(
        flags: Flags,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let env = |key: &str| env(key).filter(|v| !v.is_empty());
        let file_path = flags
            .config_file
            .clone()
            .or_else(|| env("SOUK_CONFIG").map(PathBuf::from));
        let file = match &file_path {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };

        let listen = flags
            .listen
            .or_else(|| env("SOUK_LISTEN"))
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let data_dir = flags
            .data_dir
            .or_else(|| env("SOUK_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database = match env("SOUK_DATABASE_URL").or(file.database_url) {
            Some(url) => parse_database_url(&url)?,
            None => DatabaseConfig::Sqlite {
                path: data_dir.join("souk.db"),
            },
        };
        let database_pool_size = match env("SOUK_DATABASE_POOL_SIZE") {
            Some(n) => Some(n.parse().map_err(|_| ConfigError::Invalid {
                name: "SOUK_DATABASE_POOL_SIZE",
                message: format!("`{n}` is not a number of connections"),
            })?),
            None => file.database_pool_size,
        };
        if database_pool_size.is_some_and(|n| !(1..=1000).contains(&n)) {
            return Err(ConfigError::Invalid {
                name: "SOUK_DATABASE_POOL_SIZE",
                message: "a pool holds 1 to 1000 connections".into(),
            });
        }
        let store = match env("SOUK_STORE").or(file.store) {
            Some(s) => StoreConfig::parse(&s, env)?,
            None => StoreConfig::Folder {
                root: data_dir.clone(),
            },
        };
        let admin_token = env("SOUK_ADMIN_TOKEN")
            .or(file.admin_token)
            .map(SecretString::from);
        if let Some(t) = &admin_token {
            crate::auth::check_admin_token(t).map_err(|message| ConfigError::Invalid {
                name: "SOUK_ADMIN_TOKEN",
                message,
            })?;
        }
        let log = env("SOUK_LOG")
            .or(file.log)
            .unwrap_or_else(|| "info".to_string());
        let log_format = match env("SOUK_LOG_FORMAT").or(file.log_format) {
            Some(f) => f.parse().map_err(|message| ConfigError::Invalid {
                name: "SOUK_LOG_FORMAT",
                message,
            })?,
            None => LogFormat::default(),
        };
        let demo = flags.demo
            || env("SOUK_DEMO").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
            || file.demo.unwrap_or(false);
        let search = match env("SOUK_SEARCH_URL").or(file.search_url) {
            None => SearchConfig::default(),
            Some(url) => parse_search(
                url,
                env("SOUK_SEARCH_KEY").or(file.search_key),
                env("SOUK_SEARCH_INDEX").or(file.search_index),
            )?,
        };
        Ok(Config {
            listen,
            data_dir,
            database,
            database_pool_size,
            store,
            admin_token,
            log,
            log_format,
            demo,
            search,
        })
    }

    /// A configuration for a registry in `data_dir` on a free loopback port;
    /// the starting point of tests and embedding.
    pub fn for_data_dir(data_dir: &Path) -> Config {
        Config {
            listen: "127.0.0.1:0".to_string(),
            data_dir: data_dir.to_path_buf(),
            database: DatabaseConfig::Sqlite {
                path: data_dir.join("souk.db"),
            },
            database_pool_size: None,
            store: StoreConfig::Folder {
                root: data_dir.to_path_buf(),
            },
            admin_token: None,
            log: "info".to_string(),
            log_format: LogFormat::Text,
            demo: false,
            search: SearchConfig::default(),
        }
    }
}

/// `http(s)://host:port` of Meilisearch, its key and index name.
fn parse_search(
    url: String,
    key: Option<String>,
    index: Option<String>,
) -> Result<SearchConfig, ConfigError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ConfigError::Invalid {
            name: "SOUK_SEARCH_URL",
            message: "a Meilisearch URL starts with `http://` or `https://`".into(),
        });
    }
    let index = index.unwrap_or_else(|| DEFAULT_SEARCH_INDEX.to_string());
    let valid = !index.is_empty()
        && index.len() <= 400
        && index
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(ConfigError::Invalid {
            name: "SOUK_SEARCH_INDEX",
            message: "an index name is letters, digits, `-` and `_`".into(),
        });
    }
    Ok(SearchConfig::Meilisearch {
        url,
        key: key.map(SecretString::from),
        index,
    })
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.to_path_buf(),
        source: Box::new(source),
    })
}

/// `postgres://…` or `postgresql://…`; `sqlite://PATH`, `sqlite:PATH` or a
/// bare path. Other schemes are refused by name only: a URL may hold a
/// password, so it is never echoed.
fn parse_database_url(url: &str) -> Result<DatabaseConfig, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseConfig::Postgres {
            url: DatabaseUrl(SecretString::from(url)),
        });
    }
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if let Some((scheme, _)) = url.split_once("://") {
        return Err(ConfigError::Unsupported(format!(
            "`SOUK_DATABASE_URL`: `{scheme}` databases are not supported; use `sqlite://PATH` or `postgres://…`"
        )));
    } else {
        url
    };
    if path.is_empty() {
        return Err(ConfigError::Invalid {
            name: "SOUK_DATABASE_URL",
            message: "the SQLite path is empty".into(),
        });
    }
    Ok(DatabaseConfig::Sqlite {
        path: PathBuf::from(path),
    })
}

impl StoreConfig {
    /// A folder, as a bare path or `file://PATH`; or an OCI registry,
    /// `oci://host[:port][/prefix]` over TLS or `oci+http://…` over plain HTTP,
    /// with credentials from `SOUK_STORE_USERNAME` and `SOUK_STORE_PASSWORD` in
    /// `env` (never in the URL, which gets logged).
    pub fn parse(
        s: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<StoreConfig, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            name: "SOUK_STORE",
            message,
        };
        let (rest, plain_http) = if let Some(rest) = s.strip_prefix("oci://") {
            (rest, false)
        } else if let Some(rest) = s.strip_prefix("oci+http://") {
            (rest, true)
        } else if let Some(rest) = s.strip_prefix("file://") {
            return Ok(StoreConfig::Folder {
                root: PathBuf::from(rest),
            });
        } else if let Some((scheme, _)) = s.split_once("://") {
            return Err(ConfigError::Unsupported(format!(
                "`SOUK_STORE`: `{scheme}` package stores are not supported; use a folder path, `oci://HOST/PREFIX` or `oci+http://HOST/PREFIX`"
            )));
        } else {
            return Ok(StoreConfig::Folder {
                root: PathBuf::from(s),
            });
        };
        let (registry, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if registry.contains('@') {
            // Not echoed: it may hold a password.
            return Err(invalid(
                "credentials do not go in the URL; set `SOUK_STORE_USERNAME` and `SOUK_STORE_PASSWORD`"
                    .into(),
            ));
        }
        if registry.is_empty()
            || !registry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        {
            return Err(invalid(format!(
                "`{registry}` is not a registry `host[:port]`"
            )));
        }
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty() && !prefix.split('/').all(is_repository_component) {
            return Err(invalid(format!(
                "`{prefix}` is not a repository prefix: lowercase letters, digits and `._-` between `/`"
            )));
        }
        let credentials = match (env("SOUK_STORE_USERNAME"), env("SOUK_STORE_PASSWORD")) {
            (Some(username), Some(password)) => Some(OciCredentials {
                username,
                password: SecretString::from(password),
            }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Invalid {
                    name: "SOUK_STORE_USERNAME",
                    message: "set both `SOUK_STORE_USERNAME` and `SOUK_STORE_PASSWORD`, or neither"
                        .into(),
                })
            }
        };
        Ok(StoreConfig::Oci(OciStoreConfig {
            registry: registry.to_string(),
            prefix: prefix.to_string(),
            plain_http,
            credentials,
        }))
    }
}

/// One `/`-separated part of an OCI repository name:
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn is_repository_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter().all(|c| alnum(c) || b"._-".contains(c))
        && !s.contains("..")
        && !s.contains("___")
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn load(flags: Flags, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load_with(flags, |k| env.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = load(Flags::default(), &[]).unwrap();
        assert_eq!(c.listen, DEFAULT_LISTEN);
        assert_eq!(c.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert_eq!(
            c.database,
            DatabaseConfig::Sqlite {
                path: PathBuf::from(DEFAULT_DATA_DIR).join("souk.db")
            }
        );
        assert_eq!(
            c.store,
            StoreConfig::Folder {
                root: PathBuf::from(DEFAULT_DATA_DIR)
            }
        );
        assert!(c.admin_token.is_none());
        assert!(!c.demo);
    }

    #[test]
    fn the_log_format_is_text_or_json() {
        assert_eq!(
            load(Flags::default(), &[]).unwrap().log_format,
            LogFormat::Text
        );
        for (value, want) in [("text", LogFormat::Text), ("json", LogFormat::Json)] {
            let c = load(Flags::default(), &[("SOUK_LOG_FORMAT", value)]).unwrap();
            assert_eq!(c.log_format, want);
        }
        let err = load(Flags::default(), &[("SOUK_LOG_FORMAT", "JSON")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`SOUK_LOG_FORMAT`: `JSON` is not a log format: `text` or `json`"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("souk.toml");
        std::fs::write(&file, "log_format = \"json\"\n").unwrap();
        let c = load(
            Flags {
                config_file: Some(file),
                ..Flags::default()
            },
            &[],
        )
        .unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn flags_beat_env_beat_file_beat_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("souk.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:1\"\ndata_dir = \"/file\"\nlog = \"debug\"\ndemo = true\n",
        )
        .unwrap();
        let flags = Flags {
            listen: Some("127.0.0.1:3".into()),
            config_file: Some(file.clone()),
            ..Flags::default()
        };
        let c = load(
            flags,
            &[("SOUK_LISTEN", "127.0.0.1:2"), ("SOUK_DATA_DIR", "/env")],
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:3");
        assert_eq!(c.data_dir, PathBuf::from("/env"));
        assert_eq!(c.log, "debug");
        assert!(c.demo);
        assert_eq!(c.log_format, LogFormat::Text);

        let c = load(
            Flags::default(),
            &[
                ("SOUK_CONFIG", file.to_str().unwrap()),
                ("SOUK_LISTEN", "127.0.0.1:2"),
            ],
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:2");
        assert_eq!(c.data_dir, PathBuf::from("/file"));
    }

    #[test]
    fn unknown_file_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("souk.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let flags = Flags {
            config_file: Some(file),
            ..Flags::default()
        };
        assert!(matches!(load(flags, &[]), Err(ConfigError::Parse { .. })));
    }

    #[test]
    fn database_urls() {
        let c = load(
            Flags::default(),
            &[("SOUK_DATABASE_URL", "sqlite:///tmp/x.db")],
        )
        .unwrap();
        assert_eq!(
            c.database,
            DatabaseConfig::Sqlite {
                path: PathBuf::from("/tmp/x.db")
            }
        );
        let c = load(
            Flags::default(),
            &[
                ("SOUK_DATABASE_URL", "postgres://u:hunter2@db/souk"),
                ("SOUK_DATABASE_POOL_SIZE", "32"),
            ],
        )
        .unwrap();
        let DatabaseConfig::Postgres { url } = &c.database else {
            panic!("{:?}", c.database)
        };
        assert_eq!(url.0.expose_secret(), "postgres://u:hunter2@db/souk");
        assert_eq!(c.database_pool_size, Some(32));
        assert!(!format!("{c:?}").contains("hunter2"));
        let err = load(
            Flags::default(),
            &[("SOUK_DATABASE_URL", "mysql://u:hunter2@db/souk")],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`mysql` databases are not supported"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        for bad in ["0", "many", "5000"] {
            let err = load(Flags::default(), &[("SOUK_DATABASE_POOL_SIZE", bad)])
                .unwrap_err()
                .to_string();
            assert!(err.contains("SOUK_DATABASE_POOL_SIZE"), "{err}");
        }
        let err = load(Flags::default(), &[("SOUK_STORE", "s3://bucket/souk")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not supported"), "{err}");
    }

    #[test]
    fn oci_stores() {
        let c = load(
            Flags::default(),
            &[
                ("SOUK_STORE", "oci://harbor.example.com/team/souk/"),
                ("SOUK_STORE_USERNAME", "robot$souk"),
                ("SOUK_STORE_PASSWORD", "hunter2"),
            ],
        )
        .unwrap();
        let StoreConfig::Oci(oci) = &c.store else {
            panic!("{:?}", c.store)
        };
        assert_eq!(oci.registry, "harbor.example.com");
        assert_eq!(oci.prefix, "team/souk");
        assert!(!oci.plain_http && !oci.is_loopback());
        let creds = oci.credentials.as_ref().unwrap();
        assert_eq!(creds.username, "robot$souk");
        assert_eq!(creds.password.expose_secret(), "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));

        let c = load(
            Flags::default(),
            &[("SOUK_STORE", "oci+http://127.0.0.1:5000/souk")],
        )
        .unwrap();
        assert_eq!(
            c.store,
            StoreConfig::Oci(OciStoreConfig {
                registry: "127.0.0.1:5000".into(),
                prefix: "souk".into(),
                plain_http: true,
                credentials: None,
            })
        );
        let StoreConfig::Oci(oci) = &c.store else {
            unreachable!()
        };
        assert!(oci.is_loopback());

        for bad in [
            "oci://",
            "oci://u:hunter2@harbor/souk",
            "oci://harbor/Souk",
            "oci://harbor/a//b",
        ] {
            let err = load(Flags::default(), &[("SOUK_STORE", bad)])
                .unwrap_err()
                .to_string();
            assert!(!err.contains("hunter2"), "{err}");
        }
        let err = load(
            Flags::default(),
            &[
                ("SOUK_STORE", "oci://harbor/souk"),
                ("SOUK_STORE_USERNAME", "u"),
            ],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("SOUK_STORE_PASSWORD"), "{err}");
    }

    #[test]
    fn search_is_embedded_unless_a_meilisearch_url_is_given() {
        assert!(matches!(
            load(Flags::default(), &[]).unwrap().search,
            SearchConfig::Embedded {
                cjk: CjkMode::Bigrams
            }
        ));
        let c = load(
            Flags::default(),
            &[
                ("SOUK_SEARCH_URL", "http://127.0.0.1:7700"),
                ("SOUK_SEARCH_KEY", "masterKey-hunter2"),
            ],
        )
        .unwrap();
        let SearchConfig::Meilisearch { url, key, index } = &c.search else {
            panic!("{:?}", c.search)
        };
        assert_eq!(
            (url.as_str(), index.as_str()),
            ("http://127.0.0.1:7700", DEFAULT_SEARCH_INDEX)
        );
        assert_eq!(key.as_ref().unwrap().expose_secret(), "masterKey-hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(load(Flags::default(), &[("SOUK_SEARCH_URL", "127.0.0.1:7700")]).is_err());
        assert!(load(
            Flags::default(),
            &[
                ("SOUK_SEARCH_URL", "http://m:7700"),
                ("SOUK_SEARCH_INDEX", "a/b")
            ]
        )
        .is_err());
    }

    #[test]
    fn admin_token_is_secret_and_checked() {
        let token = format!("souk_{}", "a".repeat(40));
        let c = load(Flags::default(), &[("SOUK_ADMIN_TOKEN", &token)]).unwrap();
        assert_eq!(c.admin_token.as_ref().unwrap().expose_secret(), token);
        assert!(!format!("{c:?}").contains(&token));
        assert!(load(Flags::default(), &[("SOUK_ADMIN_TOKEN", "short")]).is_err());
    }
}
