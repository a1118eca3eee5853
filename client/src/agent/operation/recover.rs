//! Recovery: an agent that stopped in the middle of an operation left its
//! journal open; the next one to hold the data dir's lock rolls it back.

use super::{parse_state, Agent, Snapshot};
use crate::agent::runtime::Runtime;
use crate::agent::state::{ReleaseState, RevisionOutcome};
use crate::error::Error;

impl<R: Runtime> Agent<R> {
    /// Finish what an agent stopped in the middle of left: roll each
    /// interrupted operation back to the revision that ran before it.
    pub async fn recover(&self) -> Result<Vec<String>, Error> {
        let mut recovered = Vec::new();
        for j in self.store.journals().await? {
            let snapshots: Vec<Snapshot> = serde_json::from_str(&j.snapshots).unwrap_or_default();
            self.say(&format!(
                "`{}`: the {} to revision {} was interrupted; rolling back",
                j.release, j.operation, j.to_revision
            ));
            self.store
                .set_outcome(
                    &j.release,
                    j.to_revision,
                    RevisionOutcome::Interrupted,
                    Some("the agent stopped during the operation".into()),
                )
                .await?;
            match j.from_revision {
                Some(n) => {
                    let rev = self.store.revision(&j.release, n).await?.ok_or_else(|| {
                        Error::NoRevision {
                            release: j.release.clone(),
                            revision: Some(n),
                        }
                    })?;
                    self.restore(&j.release, n, &parse_state(&rev)?, &snapshots)
                        .await?;
                    self.store
                        .set_release(
                            &j.release,
                            ReleaseState::Healthy,
                            &format!(
                                "the {} to revision {} was interrupted and rolled back",
                                j.operation, j.to_revision
                            ),
                            Some(n),
                        )
                        .await?;
                    self.store.finish(&j.release).await?;
                }
                None => {
                    // An interrupted install leaves nothing worth keeping but data.
                    self.remove_containers(&j.release).await?;
                    self.store.delete_release(&j.release).await?;
                }
            }
            let _ = std::fs::remove_dir_all(self.snapshot_dir(&j.release));
            recovered.push(j.release);
        }
        Ok(recovered)
    }
}
