//! Two one-way pipes of 20 ms frames (16 kHz mono f32) between a caller's door and an agent's leg.
//!
//! Whichever door the caller came in by and however the agent is connected (browser, SIP desk phone), the two
//! sides only exchange frames. Closing is the signal: when one side drops its ends, the other sees its receiver
//! disconnected and knows the person on the far side has gone.

use tokio::sync::mpsc;

/// The caller door's ends: caller frames go to the agent, agent frames come back to play to the caller.
#[derive(Debug)]
pub struct CallerMedia {
    pub to_agent: mpsc::Sender<Vec<f32>>,
    pub from_agent: mpsc::Receiver<Vec<f32>>,
}

/// The agent leg's ends: the caller's frames to play to the agent, the agent's frames for the caller.
#[derive(Debug)]
pub struct AgentMedia {
    pub from_caller: mpsc::Receiver<Vec<f32>>,
    pub to_caller: mpsc::Sender<Vec<f32>>,
}

/// A fresh link holding up to `depth` frames each way; a full pipe drops frames (`try_send`) rather than
/// letting delay build up on a real-time path.
pub fn media_link(depth: usize) -> (CallerMedia, AgentMedia) {
    let (to_agent, from_caller) = mpsc::channel(depth.max(1));
    let (to_caller, from_agent) = mpsc::channel(depth.max(1));
    (
        CallerMedia {
            to_agent,
            from_agent,
        },
        AgentMedia {
            from_caller,
            to_caller,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_cross_and_dropping_one_side_is_seen_by_the_other() {
        let (mut caller, mut agent) = media_link(2);
        caller.to_agent.try_send(vec![0.5; 320]).unwrap();
        assert_eq!(agent.from_caller.try_recv().unwrap()[0], 0.5);
        agent.to_caller.try_send(vec![0.25; 320]).unwrap();
        assert_eq!(caller.from_agent.try_recv().unwrap()[0], 0.25);
        // A full pipe refuses instead of queueing delay.
        caller.to_agent.try_send(vec![0.0; 320]).unwrap();
        caller.to_agent.try_send(vec![0.0; 320]).unwrap();
        assert!(caller.to_agent.try_send(vec![0.0; 320]).is_err());
        drop(agent);
        assert!(matches!(
            caller.from_agent.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }
}
