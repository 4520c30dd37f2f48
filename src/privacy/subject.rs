//! Data-subject requests: everything kefu holds about one caller, found by phone number, exported or erased.

use serde::Serialize;

use crate::store::{AnalyticsTurn, Interaction, Recording, Store};

use super::PrivacyError;

/// One caller's data.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectData {
    pub interactions: Vec<SubjectInteraction>,
}

/// One interaction of the caller with its turns and recordings.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectInteraction {
    #[serde(flatten)]
    pub interaction: Interaction,
    pub turns: Vec<AnalyticsTurn>,
    pub recordings: Vec<Recording>,
}

/// Everything held about the caller with this number.
pub fn export(store: &Store, number: &str) -> Result<SubjectData, PrivacyError> {
    let mut interactions = Vec::new();
    for id in store.caller_interaction_ids(number)? {
        let Some(interaction) = store.interaction(&id)? else {
            continue;
        };
        interactions.push(SubjectInteraction {
            interaction,
            turns: store.conversation_turns(&id)?,
            recordings: store.recordings_of(&id)?,
        });
    }
    Ok(SubjectData { interactions })
}

/// Deletes every interaction of the caller with this number (turns, recordings and their files); returns how
/// many interactions went. The shop's customer account and orders are not touched (they are business records).
pub fn erase(store: &Store, number: &str) -> Result<usize, PrivacyError> {
    let ids = store.caller_interaction_ids(number)?;
    for id in &ids {
        for recording in store.recordings_of(id)? {
            super::retention::remove_file(&recording.path)?;
        }
    }
    let erased = store.erase_interactions(&ids)?;
    tracing::info!(interactions = erased, "erased a caller's data on request");
    Ok(erased)
}
