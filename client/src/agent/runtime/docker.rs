//! [`DockerRuntime`]: the [`Runtime`] on a Docker Engine, through bollard.
//!
//! Per release: one network `souk-RELEASE` on which every replica answers to
//! its component's name; one named volume per component and volume,
//! `souk-RELEASE-COMPONENT-VOLUME`, labelled, outliving containers; config
//! files written once, content-addressed, under the agent's data dir and
//! bind-mounted read-only. Volume snapshots go through the archive API on a
//! created (never started) container of the component's own image, so no
//! helper image is needed.

use super::{ContainerInfo, JobOutcome, Owner, Result, Runtime, RuntimeError};
use crate::agent::render::{ComponentSpec, FileSpec};
use bollard::models::{
    ContainerCreateBody, DeviceRequest, EndpointSettings, HostConfig, Mount, MountType,
    NetworkCreateRequest, NetworkingConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
    VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, DownloadFromContainerOptionsBuilder,
    ListContainersOptionsBuilder, ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveVolumeOptionsBuilder, StopContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Labels every container, volume and network souk makes carries.
pub const LABEL_RELEASE: &str = "souk.release";
pub const LABEL_COMPONENT: &str = "souk.component";
pub const LABEL_REVISION: &str = "souk.revision";
pub const LABEL_TEMPLATE: &str = "souk.template";
pub const LABEL_VERSION: &str = "souk.version";
const LABEL_FINGERPRINT: &str = "souk.fingerprint";
const LABEL_REPLICA: &str = "souk.replica";
const LABEL_SIDECAR: &str = "souk.sidecar";
const LABEL_JOB: &str = "souk.job";

/// Where a snapshot helper mounts the volume it reads or writes.
const SNAPSHOT_MOUNT: &str = "/souk-snapshot/volume";
/// Seconds a container gets to stop before it is killed.
const STOP_TIMEOUT: i32 = 10;

/// A Docker Engine, and the folder where config files are written for it.
#[derive(Debug, Clone)]
pub struct DockerRuntime {
    docker: Docker,
    files_dir: PathBuf,
    /// Draw a pull's progress in bytes on stderr (a person at a terminal).
    pull_bar: bool,
}

/// The bytes a pull has downloaded, over every layer the engine has reported.
#[derive(Debug, Default)]
struct PullBytes {
    layers: BTreeMap<String, (u64, u64)>,
}

impl PullBytes {
    /// Account for one message of the engine's pull stream.
    fn update(&mut self, info: &bollard::models::CreateImageInfo) {
        let Some(id) = &info.id else { return };
        let detail = info.progress_detail.as_ref();
        let bytes = |v: Option<i64>| v.and_then(|n| u64::try_from(n).ok());
        match info.status.as_deref() {
            Some("Downloading") => {
                let current = bytes(detail.and_then(|d| d.current)).unwrap_or(0);
                let total = bytes(detail.and_then(|d| d.total)).unwrap_or(current);
                self.layers
                    .insert(id.clone(), (current, total.max(current)));
            }
            Some("Download complete") => {
                if let Some(layer) = self.layers.get_mut(id) {
                    layer.0 = layer.1;
                }
            }
            _ => {}
        }
    }

    /// Downloaded and expected bytes.
    fn totals(&self) -> (u64, u64) {
        self.layers
            .values()
            .fold((0, 0), |(d, t), (current, total)| (d + current, t + total))
    }
}

fn err(action: impl Into<String>) -> impl FnOnce(bollard::errors::Error) -> RuntimeError {
    let action = action.into();
    move |e| RuntimeError {
        action,
        cause: crate::error::root_cause(&e),
    }
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

pub fn network_name(release: &str) -> String {
    format!("souk-{release}")
}

pub fn volume_name(release: &str, component: &str, volume: &str) -> String {
    format!("souk-{release}-{component}-{volume}")
}

impl DockerRuntime {
    /// Connect to the engine `DOCKER_HOST` names (`unix://…` or `tcp://…`;
    /// the local socket by default); config files go under `files_dir`, which
    /// must be absolute.
    pub fn connect(files_dir: PathBuf) -> Result<Self> {
        let docker = Docker::connect_with_defaults().map_err(err("connect to Docker"))?;
        Ok(DockerRuntime {
            docker,
            files_dir,
            pull_bar: false,
        })
    }

    /// Show each pull's progress in bytes on stderr, for a person at a terminal.
    pub fn with_pull_bar(mut self, on: bool) -> Self {
        self.pull_bar = on;
        self
    }

    fn labels(owner: &Owner, component: &str) -> HashMap<String, String> {
        HashMap::from([
            (LABEL_RELEASE.into(), owner.release.clone()),
            (LABEL_COMPONENT.into(), component.into()),
            (LABEL_REVISION.into(), owner.revision.to_string()),
            (LABEL_TEMPLATE.into(), owner.template.clone()),
            (LABEL_VERSION.into(), owner.version.clone()),
        ])
    }

    /// Write `content` once under the files folder; its path.
    fn materialise(&self, content: &str) -> Result<String> {
        let digest: String = Sha256::digest(content.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = self.files_dir.join(&digest);
        if !path.exists() {
            let io = |e: std::io::Error| RuntimeError {
                action: format!("write a config file under `{}`", self.files_dir.display()),
                cause: e.to_string(),
            };
            std::fs::create_dir_all(&self.files_dir).map_err(io)?;
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, content).map_err(io)?;
            std::fs::rename(&tmp, &path).map_err(io)?;
        }
        Ok(path.to_string_lossy().into_owned())
    }

    async fn ensure_volume(&self, owner: &Owner, component: &str, volume: &str) -> Result<String> {
        let name = volume_name(&owner.release, component, volume);
        let mut labels = HashMap::from([
            (LABEL_RELEASE.to_string(), owner.release.clone()),
            (LABEL_COMPONENT.to_string(), component.to_string()),
        ]);
        labels.insert("souk.volume".into(), volume.into());
        self.docker
            .create_volume(VolumeCreateRequest {
                name: Some(name.clone()),
                labels: Some(labels),
                ..Default::default()
            })
            .await
            .map_err(err(format!("create volume `{name}`")))?;
        Ok(name)
    }

    /// Mounts of a component's volumes and files.
    async fn mounts(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        files: &[FileSpec],
    ) -> Result<Vec<Mount>> {
        let mut mounts = Vec::new();
        for v in &spec.volumes {
            let name = self.ensure_volume(owner, &spec.name, &v.name).await?;
            mounts.push(Mount {
                target: Some(v.path.clone()),
                source: Some(name),
                typ: Some(MountType::VOLUME),
                ..Default::default()
            });
        }
        for f in files {
            mounts.push(Mount {
                target: Some(f.path.clone()),
                source: Some(self.materialise(&f.content)?),
                typ: Some(MountType::BIND),
                read_only: Some(true),
                ..Default::default()
            });
        }
        Ok(mounts)
    }

    fn env(env: &std::collections::BTreeMap<String, String>) -> Vec<String> {
        env.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    async fn create(&self, name: &str, body: ContainerCreateBody) -> Result<String> {
        // A leftover of the same name (a crash between create and record) goes first.
        let _ = self
            .docker
            .remove_container(
                name,
                Some(RemoveContainerOptionsBuilder::default().force(true).build()),
            )
            .await;
        let created = self
            .docker
            .create_container(
                Some(CreateContainerOptionsBuilder::default().name(name).build()),
                body,
            )
            .await
            .map_err(err(format!("create container `{name}`")))?;
        Ok(created.id)
    }

    /// A container made like `spec` that is created but never started: the
    /// archive API reads and writes its volumes.
    async fn snapshot_helper(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        volume: &str,
    ) -> Result<String> {
        let source = self.ensure_volume(owner, &spec.name, volume).await?;
        let mut labels = Self::labels(owner, &spec.name);
        labels.insert(LABEL_JOB.into(), "snapshot".into());
        let name = format!("souk-{}-{}-snapshot-{volume}", owner.release, spec.name);
        self.create(
            &name,
            ContainerCreateBody {
                image: Some(spec.image.clone()),
                labels: Some(labels),
                network_disabled: Some(true),
                host_config: Some(HostConfig {
                    mounts: Some(vec![Mount {
                        target: Some(SNAPSHOT_MOUNT.into()),
                        source: Some(source),
                        typ: Some(MountType::VOLUME),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
    }
}

impl Runtime for DockerRuntime {
    async fn describe(&self) -> Result<String> {
        let v = self
            .docker
            .version()
            .await
            .map_err(err("ask Docker its version"))?;
        Ok(format!("docker {}", v.version.unwrap_or_default()))
    }

    async fn prepare(&self, release: &str) -> Result<()> {
        let name = network_name(release);
        match self
            .docker
            .inspect_network(
                &name,
                None::<bollard::query_parameters::InspectNetworkOptions>,
            )
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(err(format!("inspect network `{name}`"))(e)),
        }
        self.docker
            .create_network(NetworkCreateRequest {
                name: name.clone(),
                driver: Some("bridge".into()),
                labels: Some(HashMap::from([(LABEL_RELEASE.into(), release.into())])),
                ..Default::default()
            })
            .await
            .map_err(err(format!("create network `{name}`")))?;
        Ok(())
    }

    async fn pull(&self, image: &str, progress: &(dyn Fn(&str) + Sync)) -> Result<()> {
        if self.docker.inspect_image(image).await.is_ok() {
            return Ok(());
        }
        progress(&format!("pulling `{image}`"));
        let (repo, tag) = split_tag(image);
        let mut options = CreateImageOptionsBuilder::default().from_image(repo);
        if let Some(tag) = tag {
            options = options.tag(tag);
        }
        let mut stream = self.docker.create_image(Some(options.build()), None, None);
        let mut layers = std::collections::BTreeSet::new();
        let bar = if self.pull_bar {
            let style = ProgressStyle::with_template(
                "  {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
            )
            .expect("a valid progress template");
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(style)
        } else {
            ProgressBar::hidden()
        };
        let mut bytes = PullBytes::default();
        while let Some(item) = stream.next().await {
            let info = item.map_err(err(format!("pull `{image}`")))?;
            bytes.update(&info);
            let (done, total) = bytes.totals();
            bar.set_length(total);
            bar.set_position(done);
            if let Some(detail) = info.error_detail {
                return Err(RuntimeError {
                    action: format!("pull `{image}`"),
                    cause: detail.message.unwrap_or_default(),
                });
            }
            if info.status.as_deref() == Some("Pull complete") {
                if let Some(id) = info.id {
                    if layers.insert(id.clone()) {
                        bar.suspend(|| progress(&format!("  layer {id} pulled")));
                    }
                }
            }
        }
        bar.finish_and_clear();
        Ok(())
    }

    async fn start_replica(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        replica: u32,
    ) -> Result<String> {
        let fingerprint = spec.fingerprint();
        let mut labels = Self::labels(owner, &spec.name);
        labels.insert(LABEL_FINGERPRINT.into(), fingerprint.clone());
        labels.insert(LABEL_REPLICA.into(), replica.to_string());
        let network = network_name(&owner.release);

        // Init plugins run to completion first, in the component's image's place.
        for plugin in &spec.init_plugins {
            let mut job_spec = spec.clone();
            job_spec.image = plugin.image.clone();
            job_spec.env.extend(plugin.env.clone());
            let mut command = plugin.command.clone();
            command.extend(plugin.args.clone());
            let outcome = self
                .run_job(
                    owner,
                    &job_spec,
                    &format!("plugin-{}", plugin.name),
                    &command,
                    &[],
                )
                .await?;
            if outcome.exit_code != 0 {
                return Err(RuntimeError {
                    action: format!("run init plugin `{}` of `{}`", plugin.name, spec.name),
                    cause: format!("exit code {}: {}", outcome.exit_code, outcome.output),
                });
            }
        }

        let mut port_bindings = HashMap::new();
        for p in &spec.published {
            port_bindings.insert(
                format!("{}/{}", p.container_port, p.protocol),
                Some(vec![PortBinding {
                    host_ip: Some(
                        if p.host_port.is_some() {
                            "0.0.0.0"
                        } else {
                            "127.0.0.1"
                        }
                        .into(),
                    ),
                    host_port: Some(p.host_port.map(|h| h.to_string()).unwrap_or_default()),
                }]),
            );
        }
        let exposed: Vec<String> = spec
            .ports
            .iter()
            .map(|p| {
                format!(
                    "{}/{}",
                    p.port,
                    if p.protocol == "udp" { "udp" } else { "tcp" }
                )
            })
            .chain(port_bindings.keys().cloned())
            .collect();
        let host_config = HostConfig {
            mounts: Some(self.mounts(owner, spec, &spec.files).await?),
            port_bindings: Some(port_bindings),
            network_mode: Some(network.clone()),
            // An init as PID 1 passes SIGTERM on: a server that installs no
            // handler (busybox httpd, a shell loop) stops at once, not after
            // the stop timeout.
            init: Some(true),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            nano_cpus: spec.cpu_millis.map(|m| (m as i64) * 1_000_000),
            memory: spec.memory_bytes.map(|b| b as i64),
            device_requests: (spec.gpus > 0).then(|| {
                vec![DeviceRequest {
                    count: Some(i64::from(spec.gpus)),
                    capabilities: Some(vec![vec!["gpu".into()]]),
                    ..Default::default()
                }]
            }),
            ..Default::default()
        };
        let name = format!(
            "souk-{}-{}-{fingerprint}-{replica}",
            owner.release, spec.name
        );
        let id = self
            .create(
                &name,
                ContainerCreateBody {
                    image: Some(spec.image.clone()),
                    hostname: Some(spec.name.clone()),
                    entrypoint: (!spec.command.is_empty()).then(|| spec.command.clone()),
                    cmd: (!spec.args.is_empty()).then(|| spec.args.clone()),
                    env: Some(Self::env(&spec.env)),
                    exposed_ports: Some(exposed),
                    labels: Some(labels.clone()),
                    host_config: Some(host_config),
                    networking_config: Some(NetworkingConfig {
                        endpoints_config: Some(HashMap::from([(
                            network,
                            EndpointSettings {
                                aliases: Some(vec![spec.name.clone()]),
                                ..Default::default()
                            },
                        )])),
                    }),
                    ..Default::default()
                },
            )
            .await?;
        self.start(&id).await?;
        for sidecar in &spec.sidecars {
            let mut labels = labels.clone();
            labels.insert(LABEL_SIDECAR.into(), sidecar.name.clone());
            let sid = self
                .create(
                    &format!("{name}-{}", sidecar.name),
                    ContainerCreateBody {
                        image: Some(sidecar.image.clone()),
                        entrypoint: (!sidecar.command.is_empty()).then(|| sidecar.command.clone()),
                        cmd: (!sidecar.args.is_empty()).then(|| sidecar.args.clone()),
                        env: Some(Self::env(&sidecar.env)),
                        labels: Some(labels),
                        host_config: Some(HostConfig {
                            network_mode: Some(format!("container:{id}")),
                            restart_policy: Some(RestartPolicy {
                                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                                maximum_retry_count: None,
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                )
                .await?;
            self.start(&sid).await?;
        }
        Ok(id)
    }

    async fn containers(&self, release: &str) -> Result<Vec<ContainerInfo>> {
        let filters = HashMap::from([("label", vec![format!("{LABEL_RELEASE}={release}")])]);
        let list = self
            .docker
            .list_containers(Some(
                ListContainersOptionsBuilder::default()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(err(format!("list the containers of `{release}`")))?;
        let network = network_name(release);
        Ok(list
            .into_iter()
            .map(|c| {
                let labels = c.labels.unwrap_or_default();
                let label = |k: &str| labels.get(k).cloned().unwrap_or_default();
                ContainerInfo {
                    id: c.id.unwrap_or_default(),
                    component: label(LABEL_COMPONENT),
                    revision: label(LABEL_REVISION).parse().unwrap_or(0),
                    fingerprint: label(LABEL_FINGERPRINT),
                    replica: label(LABEL_REPLICA).parse().unwrap_or(0),
                    sidecar: labels.get(LABEL_SIDECAR).cloned(),
                    job: labels.contains_key(LABEL_JOB),
                    running: matches!(
                        c.state,
                        Some(bollard::models::ContainerSummaryStateEnum::RUNNING)
                    ),
                    ip: c
                        .network_settings
                        .and_then(|n| n.networks)
                        .and_then(|mut n| n.remove(&network))
                        .and_then(|e| e.ip_address)
                        .filter(|ip| !ip.is_empty()),
                    host_ports: c
                        .ports
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|p| Some((p.private_port, p.public_port?)))
                        .collect(),
                }
            })
            .collect())
    }

    async fn start(&self, id: &str) -> Result<()> {
        self.docker
            .start_container(id, None)
            .await
            .map_err(err(format!("start container `{}`", short(id))))
    }

    async fn stop(&self, id: &str) -> Result<()> {
        match self
            .docker
            .stop_container(
                id,
                Some(
                    StopContainerOptionsBuilder::default()
                        .t(STOP_TIMEOUT)
                        .build(),
                ),
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            // 304: already stopped.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(e) => Err(err(format!("stop container `{}`", short(id)))(e)),
        }
    }

    async fn remove(&self, id: &str) -> Result<()> {
        match self
            .docker
            .remove_container(
                id,
                Some(RemoveContainerOptionsBuilder::default().force(true).build()),
            )
            .await
        {
            Err(e) if !is_not_found(&e) => Err(err(format!("remove container `{}`", short(id)))(e)),
            _ => Ok(()),
        }
    }

    async fn exec(&self, id: &str, command: &[String]) -> Result<i64> {
        let exec = self
            .docker
            .create_exec(
                id,
                bollard::models::ExecConfig {
                    cmd: Some(command.to_vec()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
            .map_err(err(format!("exec in `{}`", short(id))))?;
        if let bollard::exec::StartExecResults::Attached { mut output, .. } = self
            .docker
            .start_exec(&exec.id, None)
            .await
            .map_err(err(format!("exec in `{}`", short(id))))?
        {
            while output.next().await.is_some() {}
        }
        let inspect = self
            .docker
            .inspect_exec(&exec.id)
            .await
            .map_err(err(format!("exec in `{}`", short(id))))?;
        Ok(inspect.exit_code.unwrap_or(-1))
    }

    async fn run_job(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        job: &str,
        command: &[String],
        files: &[FileSpec],
    ) -> Result<JobOutcome> {
        let mut labels = Self::labels(owner, &spec.name);
        labels.insert(LABEL_JOB.into(), job.into());
        let name = format!("souk-{}-{}-job-{job}", owner.release, spec.name);
        let mut all_files = spec.files.clone();
        all_files.extend(files.iter().cloned());
        let id = self
            .create(
                &name,
                ContainerCreateBody {
                    image: Some(spec.image.clone()),
                    entrypoint: Some(command.to_vec()),
                    cmd: None,
                    env: Some(Self::env(&spec.env)),
                    labels: Some(labels),
                    host_config: Some(HostConfig {
                        mounts: Some(self.mounts(owner, spec, &all_files).await?),
                        network_mode: Some(network_name(&owner.release)),
                        init: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
            .await?;
        let result = async {
            self.start(&id).await?;
            let waited = self
                .docker
                .wait_container(&id, None)
                .try_collect::<Vec<_>>()
                .await;
            let exit_code = match waited {
                Ok(w) => w.last().map(|w| w.status_code).unwrap_or(-1),
                // bollard reports a non-zero exit as an error carrying the code.
                Err(bollard::errors::Error::DockerContainerWaitError { code, .. }) => code,
                Err(e) => return Err(err(format!("wait for job `{job}`"))(e)),
            };
            let logs: Vec<String> = self
                .docker
                .logs(
                    &id,
                    Some(
                        bollard::query_parameters::LogsOptionsBuilder::default()
                            .stdout(true)
                            .stderr(true)
                            .tail("20")
                            .build(),
                    ),
                )
                .filter_map(|l| async move { l.ok().map(|l| l.to_string()) })
                .collect()
                .await;
            Ok(JobOutcome {
                exit_code,
                output: logs.concat().trim().to_string(),
            })
        }
        .await;
        self.remove(&id).await?;
        result
    }

    async fn snapshot_volume(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        volume: &str,
    ) -> Result<Vec<u8>> {
        let helper = self.snapshot_helper(owner, spec, volume).await?;
        let tar = self
            .docker
            .download_from_container(
                &helper,
                Some(
                    DownloadFromContainerOptionsBuilder::default()
                        .path(SNAPSHOT_MOUNT)
                        .build(),
                ),
            )
            .try_fold(Vec::new(), |mut acc, chunk| async move {
                acc.extend_from_slice(&chunk);
                Ok(acc)
            })
            .await
            .map_err(err(format!(
                "snapshot volume `{volume}` of `{}`",
                spec.name
            )));
        self.remove(&helper).await?;
        tar
    }

    async fn restore_volume(
        &self,
        owner: &Owner,
        spec: &ComponentSpec,
        volume: &str,
        tar: Vec<u8>,
    ) -> Result<()> {
        let name = volume_name(&owner.release, &spec.name, volume);
        match self
            .docker
            .remove_volume(
                &name,
                Some(RemoveVolumeOptionsBuilder::default().force(true).build()),
            )
            .await
        {
            Err(e) if !is_not_found(&e) => {
                return Err(err(format!("empty volume `{name}` before restoring it"))(e))
            }
            _ => {}
        }
        let helper = self.snapshot_helper(owner, spec, volume).await?;
        // The archive holds the folder `volume/…`: unpack it in the mount's parent.
        let parent = SNAPSHOT_MOUNT
            .rsplit_once('/')
            .map(|(p, _)| p)
            .unwrap_or("/");
        let result = self
            .docker
            .upload_to_container(
                &helper,
                Some(
                    UploadToContainerOptionsBuilder::default()
                        .path(parent)
                        .build(),
                ),
                bollard::body_full(tar.into()),
            )
            .await
            .map_err(err(format!("restore volume `{name}`")));
        self.remove(&helper).await?;
        result
    }

    async fn remove_volumes(&self, release: &str, component: Option<&str>) -> Result<()> {
        let mut labels = vec![format!("{LABEL_RELEASE}={release}")];
        if let Some(c) = component {
            labels.push(format!("{LABEL_COMPONENT}={c}"));
        }
        let filters = HashMap::from([("label", labels)]);
        let list = self
            .docker
            .list_volumes(Some(
                ListVolumesOptionsBuilder::default()
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(err(format!("list the volumes of `{release}`")))?;
        for v in list.volumes.unwrap_or_default() {
            match self
                .docker
                .remove_volume(
                    &v.name,
                    None::<bollard::query_parameters::RemoveVolumeOptions>,
                )
                .await
            {
                Err(e) if !is_not_found(&e) => {
                    return Err(err(format!("remove volume `{}`", v.name))(e))
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn remove_network(&self, release: &str) -> Result<()> {
        let name = network_name(release);
        match self.docker.remove_network(&name).await {
            Err(e) if !is_not_found(&e) => Err(err(format!("remove network `{name}`"))(e)),
            _ => Ok(()),
        }
    }
}

/// `host:5000/a/b:tag` → (`host:5000/a/b`, `tag`); digests stay in the name.
fn split_tag(image: &str) -> (&str, Option<&str>) {
    if image.contains('@') {
        return (image, None);
    }
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
        _ => (image, None),
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pull_counts_the_bytes_of_every_layer() {
        use bollard::models::{CreateImageInfo, ProgressDetail};
        let msg =
            |id: &str, status: &str, current: Option<i64>, total: Option<i64>| CreateImageInfo {
                id: Some(id.into()),
                status: Some(status.into()),
                progress_detail: Some(ProgressDetail { current, total }),
                ..Default::default()
            };
        let mut bytes = super::PullBytes::default();
        for (info, want) in [
            (msg("a", "Pulling fs layer", None, None), (0, 0)),
            (msg("a", "Downloading", Some(100), Some(1000)), (100, 1000)),
            (msg("b", "Downloading", Some(50), Some(500)), (150, 1500)),
            (msg("a", "Downloading", Some(600), Some(1000)), (650, 1500)),
            (msg("a", "Download complete", None, None), (1050, 1500)),
            (msg("a", "Extracting", Some(10), Some(1000)), (1050, 1500)),
            (msg("b", "Download complete", None, None), (1500, 1500)),
        ] {
            bytes.update(&info);
            assert_eq!(bytes.totals(), want, "{info:?}");
        }
    }

    #[test]
    fn tags_are_split_from_the_last_path_segment() {
        use super::split_tag;
        assert_eq!(split_tag("busybox"), ("busybox", None));
        assert_eq!(split_tag("a/b:1.0"), ("a/b", Some("1.0")));
        assert_eq!(
            split_tag("127.0.0.1:5000/a/b"),
            ("127.0.0.1:5000/a/b", None)
        );
        assert_eq!(
            split_tag("127.0.0.1:5000/a/b:v2"),
            ("127.0.0.1:5000/a/b", Some("v2"))
        );
        assert_eq!(split_tag("x/y@sha256:ab"), ("x/y@sha256:ab", None));
    }
}
