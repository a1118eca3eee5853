//! The package store in an OCI registry (Harbor, CNCF distribution, a cloud's).
//!
//! Each version is one OCI artifact in the repository `<prefix>/<namespace>/<name>`,
//! tagged with the version (a valid tag: souk versions have no `+build`
//! metadata). Its manifest has `artifactType` [`ARTIFACT_TYPE`], the empty config
//! (`application/vnd.oci.empty.v1+json`, `{}`), one layer of media type
//! [`LAYER_MEDIA_TYPE`] whose blob is the `.tgz` itself, and annotations naming
//! the template, version and digest. Because the layer is the package's bytes,
//! the layer digest is the package digest.
//!
//! Reads fetch the layer blob **by digest**, not through the tag: the database's
//! digest is the truth, and a tag moved by a publish that never committed cannot
//! change what is served. The blob is read whole and checked against the digest
//! before a byte is served (a package is at most 20 MiB); a mismatch is an
//! internal error, logged once, and nothing is sent.

use super::{verify, PackageRef, PackageStore};
use crate::config::OciStoreConfig;
use crate::error::{Error, Result};
use bytes::{Bytes, BytesMut};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, TryStreamExt};
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciDescriptor, OciImageManifest, OCI_IMAGE_MEDIA_TYPE};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use secrecy::ExposeSecret;
use souk_schema::package::MAX_PACKAGE_BYTES;
use std::collections::BTreeMap;
use std::time::Duration;

/// The `artifactType` of a souk template version.
pub const ARTIFACT_TYPE: &str = "application/vnd.souk.template.v1";
/// The media type of the one layer: the package's `.tgz`.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.souk.template.layer.v1.tar+gzip";
/// The OCI empty descriptor, the config of artifacts that have none.
const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
const EMPTY_DATA: &[u8] = b"{}";
const EMPTY_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

/// Packages as OCI artifacts in a registry.
pub struct OciStore {
    client: Client,
    /// `host[:port]`.
    registry: String,
    /// Repositories are `<prefix>/<namespace>/<name>`; empty: `<namespace>/<name>`.
    prefix: String,
    auth: RegistryAuth,
}

impl std::fmt::Debug for OciStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciStore")
            .field("registry", &self.registry)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl OciStore {
    /// A client of the registry `config` names. Nothing is contacted yet.
    pub fn open(config: &OciStoreConfig) -> Result<OciStore> {
        // oci-client's reqwest is built with rustls and no crypto provider of its
        // own: install ring, the provider the rest of the workspace builds. An
        // error means one is installed already, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::try_from(ClientConfig {
            protocol: if config.plain_http {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(60)),
            user_agent: concat!("souk-registry/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        })
        .map_err(|e| {
            Error::internal(
                format!(
                    "creating the client of the OCI registry `{}`",
                    config.registry
                ),
                e,
            )
        })?;
        let auth = match &config.credentials {
            Some(c) => RegistryAuth::Basic(c.username.clone(), c.password.expose_secret().into()),
            None => RegistryAuth::Anonymous,
        };
        if config.plain_http && !config.is_loopback() {
            tracing::warn!(
                oci.registry = %config.registry,
                "the OCI package store is reached over plain HTTP on a non-loopback address"
            );
        }
        Ok(OciStore {
            client,
            registry: config.registry.clone(),
            prefix: config.prefix.clone(),
            auth,
        })
    }

    /// The repository of a template: `<prefix>/<namespace>/<name>`.
    pub fn repository(&self, template: &souk_schema::TemplateName) -> String {
        let path = format!("{}/{}", template.namespace(), template.name());
        if self.prefix.is_empty() {
            path
        } else {
            format!("{}/{path}", self.prefix)
        }
    }

    /// The tag of a version: the version itself. Tags cannot hold `+`, which
    /// souk versions never do (validation refuses build metadata).
    pub fn tag(version: &semver::Version) -> String {
        version.to_string()
    }

    fn reference(&self, package: &PackageRef) -> Reference {
        Reference::with_tag(
            self.registry.clone(),
            self.repository(&package.template),
            Self::tag(&package.version),
        )
    }

    /// The manifest of `package`, whose `.tgz` is `size` bytes.
    fn manifest(package: &PackageRef, size: usize) -> OciImageManifest {
        let title = format!("{}-{}.tgz", package.template.name(), package.version);
        let layer_annotations =
            BTreeMap::from([("org.opencontainers.image.title".to_string(), title.clone())]);
        let annotations = BTreeMap::from([
            ("org.opencontainers.image.title".to_string(), title),
            (
                "dev.souk.template.name".to_string(),
                package.template.to_string(),
            ),
            (
                "dev.souk.template.version".to_string(),
                package.version.to_string(),
            ),
            (
                "dev.souk.template.digest".to_string(),
                package.digest.to_string(),
            ),
        ]);
        OciImageManifest {
            schema_version: 2,
            media_type: Some(OCI_IMAGE_MEDIA_TYPE.to_string()),
            artifact_type: Some(ARTIFACT_TYPE.to_string()),
            config: OciDescriptor {
                media_type: EMPTY_MEDIA_TYPE.to_string(),
                digest: EMPTY_DIGEST.to_string(),
                size: EMPTY_DATA.len() as i64,
                ..OciDescriptor::default()
            },
            layers: vec![OciDescriptor {
                media_type: LAYER_MEDIA_TYPE.to_string(),
                digest: package.digest.to_string(),
                size: size as i64,
                annotations: Some(layer_annotations),
                ..OciDescriptor::default()
            }],
            subject: None,
            annotations: Some(annotations),
        }
    }

    fn failed(&self, what: &str, package: &PackageRef, e: OciDistributionError) -> Error {
        Error::internal(
            format!(
                "{what} `{}@{}` ({}) in the OCI registry `{}`",
                package.template, package.version, package.digest, self.registry
            ),
            e,
        )
    }

    async fn put_async(&self, package: &PackageRef, bytes: Bytes) -> Result<()> {
        let reference = self.reference(package);
        self.client
            .store_auth_if_needed(&self.registry, &self.auth)
            .await;
        // Idempotent: nothing to push when the tag already names these bytes.
        // Another artifact under the tag is one whose publish never committed
        // (versions are checked to be new first): it is replaced.
        match self.client.pull_manifest(&reference, &self.auth).await {
            Ok((oci_client::manifest::OciManifest::Image(m), _))
                if m.artifact_type.as_deref() == Some(ARTIFACT_TYPE)
                    && m.layers.len() == 1
                    && m.layers[0].digest == package.digest.as_str() =>
            {
                let present = self
                    .client
                    .blob_exists(&reference, package.digest.as_str())
                    .await
                    .map_err(|e| self.failed("checking the package", package, e))?;
                if present {
                    return Ok(());
                }
            }
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(self.failed("reading the manifest of", package, e)),
        }
        let manifest = Self::manifest(package, bytes.len());
        let layer = ImageLayer::new(bytes, LAYER_MEDIA_TYPE.to_string(), None);
        let config = Config::new(EMPTY_DATA, EMPTY_MEDIA_TYPE.to_string(), None);
        self.client
            .push(&reference, &[layer], config, &self.auth, Some(manifest))
            .await
            .map_err(|e| self.failed("pushing", package, e))?;
        Ok(())
    }

    async fn get_async(&self, package: &PackageRef) -> Result<Option<Bytes>> {
        let reference = self.reference(package);
        self.client
            .store_auth_if_needed(&self.registry, &self.auth)
            .await;
        let layer = OciDescriptor {
            media_type: LAYER_MEDIA_TYPE.to_string(),
            digest: package.digest.to_string(),
            ..OciDescriptor::default()
        };
        let stream = match self.client.pull_blob_stream(&reference, &layer).await {
            Ok(s) => s,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(self.failed("reading", package, e)),
        };
        let expected = stream.content_length.unwrap_or(0).min(MAX_PACKAGE_BYTES);
        let mut buf = BytesMut::with_capacity(expected as usize);
        let mut stream = stream.stream;
        // oci-client checks the digest as the stream ends; `verify` checks it
        // again on the whole, so nothing unchecked is ever returned.
        while let Some(chunk) = stream.try_next().await.map_err(|e| {
            Error::internal(
                format!(
                    "reading the package `{}` from the OCI registry `{}`",
                    package.digest, self.registry
                ),
                e,
            )
        })? {
            if (buf.len() + chunk.len()) as u64 > MAX_PACKAGE_BYTES {
                return Err(Error::internal(
                    format!(
                        "reading the package `{}` from the OCI registry `{}`",
                        package.digest, self.registry
                    ),
                    format!("the blob is larger than {MAX_PACKAGE_BYTES} bytes"),
                ));
            }
            buf.extend_from_slice(&chunk);
        }
        verify(&package.digest, buf.freeze()).map(Some)
    }

    async fn check_async(&self) -> Result<()> {
        // `/v2/`, and a token for a pull when the registry wants one: the
        // registry answers and the credentials are good.
        let probe = Reference::with_tag(
            self.registry.clone(),
            if self.prefix.is_empty() {
                "souk".to_string()
            } else {
                self.prefix.clone()
            },
            "health".to_string(),
        );
        self.client
            .auth(&probe, &self.auth, RegistryOperation::Pull)
            .await
            .map(|_| ())
            .map_err(|e| {
                Error::internal(format!("reaching the OCI registry `{}`", self.registry), e)
            })
    }
}

/// Does `e` say that the manifest, blob or repository does not exist?
fn is_not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown
                    | OciErrorCode::BlobUnknown
                    | OciErrorCode::NameUnknown
                    | OciErrorCode::NotFound
            )
        }),
        _ => false,
    }
}

impl PackageStore for OciStore {
    fn put<'a>(&'a self, package: &'a PackageRef, bytes: Bytes) -> BoxFuture<'a, Result<()>> {
        self.put_async(package, bytes).boxed()
    }

    fn get<'a>(&'a self, package: &'a PackageRef) -> BoxFuture<'a, Result<Option<Bytes>>> {
        self.get_async(package).boxed()
    }

    fn check(&self) -> BoxFuture<'_, Result<()>> {
        self.check_async().boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use souk_schema::Digest;

    #[test]
    fn empty_digest_is_the_digest_of_the_empty_config() {
        assert_eq!(Digest::of(EMPTY_DATA).as_str(), EMPTY_DIGEST);
    }

    #[test]
    fn tags_and_manifests() {
        let v: semver::Version = "1.2.3-rc.1".parse().unwrap();
        assert_eq!(OciStore::tag(&v), "1.2.3-rc.1");
        let package = PackageRef {
            template: "acme/app".parse().unwrap(),
            version: v,
            digest: Digest::of(b"x"),
        };
        let m = serde_json::to_value(OciStore::manifest(&package, 1)).unwrap();
        assert_eq!(m["artifactType"], ARTIFACT_TYPE);
        assert_eq!(m["config"]["mediaType"], EMPTY_MEDIA_TYPE);
        assert_eq!(m["layers"][0]["mediaType"], LAYER_MEDIA_TYPE);
        assert_eq!(m["layers"][0]["digest"], package.digest.as_str());
        assert_eq!(m["annotations"]["dev.souk.template.name"], "acme/app");
        assert_eq!(m["annotations"]["dev.souk.template.version"], "1.2.3-rc.1");
    }
}
